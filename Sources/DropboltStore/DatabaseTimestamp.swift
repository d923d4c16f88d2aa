import DropboltCore
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// GRDB's text form of a date (`yyyy-MM-dd HH:mm:ss.SSS`, UTC), made and read without Foundation's formatters.
///
/// Converting a `Date` through GRDB (its `DateFormatter` to write, `Calendar` to read) loads ICU's calendar data on
/// Linux: measured +4.7 MB resident for the rest of the process's life. Every date the store writes or reads goes
/// through this instead: records by ``StoredDates``, SQL arguments by `Date.databaseText`. The text is the same
/// GRDB writes, so comparisons with dates stored by earlier versions stay correct.
enum DatabaseTimestamp {
    /// `2026-11-23 18:04:05.123` for `date`, rounded to the millisecond as GRDB does.
    ///
    /// Written digit by digit into 23 bytes: every store write formats one to three dates, and string
    /// interpolation of padded numbers showed in profiles of a paid job.
    static func string(from date: Date) -> String {
        string(fromMilliseconds: milliseconds(of: date))
    }

    /// Milliseconds since 1970 of `date`, rounded as ``string(from:)`` rounds them.
    static func milliseconds(of date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// The text of the instant `milliseconds` after 1970, as ``string(from:)`` writes it.
    static func string(fromMilliseconds milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds / 1000 - (milliseconds % 1000 < 0 ? 1 : 0))
        let fraction = Int((milliseconds % 1000 + 1000) % 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let year = Int(parts.tm_year) + 1900
        guard (0...9999).contains(year) else { return paddedText(parts, year: year, fraction: fraction) }
        return String(unsafeUninitializedCapacity: 23) { text in
            func put(_ value: Int, width: Int, at offset: Int) {
                var rest = value
                for index in stride(from: offset + width - 1, through: offset, by: -1) {
                    text[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
            }
            put(year, width: 4, at: 0)
            put(Int(parts.tm_mon) + 1, width: 2, at: 5)
            put(Int(parts.tm_mday), width: 2, at: 8)
            put(Int(parts.tm_hour), width: 2, at: 11)
            put(Int(parts.tm_min), width: 2, at: 14)
            put(Int(parts.tm_sec), width: 2, at: 17)
            put(fraction, width: 3, at: 20)
            (text[4], text[7], text[10]) = (UInt8(ascii: "-"), UInt8(ascii: "-"), UInt8(ascii: " "))
            (text[13], text[16], text[19]) = (UInt8(ascii: ":"), UInt8(ascii: ":"), UInt8(ascii: "."))
            return 23
        }
    }

    /// The same text for a year outside 0...9999, where the year takes as many digits as it needs.
    private static func paddedText(_ parts: tm, year: Int, fraction: Int) -> String {
        let day = "\(year.zeroPadded(4))-\((parts.tm_mon + 1).zeroPadded(2))-\(parts.tm_mday.zeroPadded(2))"
        return "\(day) \(parts.tm_hour.zeroPadded(2)):\(parts.tm_min.zeroPadded(2)):\(parts.tm_sec.zeroPadded(2))."
            + fraction.zeroPadded(3)
    }

    /// The date of a `yyyy-MM-dd HH:mm:ss[.SSS]` UTC text (`T` also accepted between date and time), or nil.
    ///
    /// One pass over the bytes: every job row holds three dates, and a parser built on `split` showed in profiles.
    static func date(from text: String) -> Date? {
        var numbers: [Int32] = []
        numbers.reserveCapacity(7)
        var value: Int32 = 0
        var digits = 0
        var separator: UInt8 = 0
        var fraction = 0.0
        func endNumber() -> Bool {
            guard digits > 0 else { return true }
            if numbers.count == 6 && separator == UInt8(ascii: ".") {
                fraction = Double(value) / pow(10, Double(digits))
            }
            numbers.append(value)
            value = 0
            digits = 0
            return numbers.count <= 7
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let (times, overflowTimes) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflowSum) = times.addingReportingOverflow(Int32(byte - UInt8(ascii: "0")))
                guard !overflowTimes, !overflowSum else { return nil }
                value = sum
                digits += 1
            case UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: " "), UInt8(ascii: "."), UInt8(ascii: "T"):
                guard endNumber() else { return nil }
                separator = byte
            default:
                return nil
            }
        }
        guard endNumber(), (6...7).contains(numbers.count) else { return nil }
        var parts = tm()
        parts.tm_year = numbers[0] - 1900
        parts.tm_mon = numbers[1] - 1
        parts.tm_mday = numbers[2]
        parts.tm_hour = numbers[3]
        parts.tm_min = numbers[4]
        parts.tm_sec = numbers[5]
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)) + fraction)
    }

    /// Writes record dates as ``string(from:)``.
    static let encodingStrategy = DatabaseDateEncodingStrategy.custom { DatabaseTimestamp.string(from: $0) }

    /// Reads record dates with ``date(from:)``; nil (a decoding error) for anything else.
    static let decodingStrategy = DatabaseDateDecodingStrategy.custom { value in
        String.fromDatabaseValue(value).flatMap(DatabaseTimestamp.date(from:))
    }
}

/// Records whose dates are stored and read through `DatabaseTimestamp` rather than GRDB's ICU-backed default.
///
/// Public only because the record types that conform are; the witnesses must be as visible as GRDB's requirements.
public protocol StoredDates: FetchableRecord, EncodableRecord {}

extension StoredDates {
    /// Every date column is written as GRDB's text, made without ICU.
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        DatabaseTimestamp.encodingStrategy
    }

    /// Every date column is read from that text without ICU.
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        DatabaseTimestamp.decodingStrategy
    }
}

extension Date {
    /// This date as the store writes it, for SQL arguments (binding a `Date` itself would go through ICU).
    var databaseText: String { DatabaseTimestamp.string(from: self) }
}

extension Row {
    /// The date in `column`, read without ICU; nil when NULL or not a date.
    func storedDate(_ column: String) -> Date? {
        (self[column] as String?).flatMap(DatabaseTimestamp.date(from:))
    }
}
