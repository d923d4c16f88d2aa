import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// GRDB's text form of a date (`yyyy-MM-dd HH:mm:ss.SSS`, UTC), made and read without Foundation's formatters.
///
/// Converting a `Date` through GRDB loads ICU's calendar data (about 6 MB resident) on Linux. The queries an idle
/// daemon runs all the time (the pipeline's poll, rule baselines at start-up) use this instead, so an idle daemon
/// never pays for it. The text is the same GRDB writes, so comparisons with stored dates stay correct.
enum DatabaseTimestamp {
    /// `2026-11-23 18:04:05.123` for `date`, rounded to the millisecond as GRDB does.
    static func string(from date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = time_t(milliseconds / 1000 - (milliseconds % 1000 < 0 ? 1 : 0))
        let fraction = Int((milliseconds % 1000 + 1000) % 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2)) "
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(fraction), 3))"
    }

    /// The date of a `yyyy-MM-dd HH:mm:ss[.SSS]` UTC text, or nil.
    static func date(from text: String) -> Date? {
        let numbers = text.split(whereSeparator: { "-: .".contains($0) }).map { Int32($0) }
        guard numbers.count >= 6, numbers.allSatisfy({ $0 != nil }) else { return nil }
        var parts = tm()
        parts.tm_year = numbers[0]! - 1900
        parts.tm_mon = numbers[1]! - 1
        parts.tm_mday = numbers[2]!
        parts.tm_hour = numbers[3]!
        parts.tm_min = numbers[4]!
        parts.tm_sec = numbers[5]!
        let seconds = timegm(&parts)
        var milliseconds = 0.0
        if numbers.count >= 7, let fraction = text.split(separator: ".").last {
            milliseconds = Double("0." + fraction) ?? 0
        }
        return Date(timeIntervalSince1970: TimeInterval(seconds) + milliseconds)
    }
}
