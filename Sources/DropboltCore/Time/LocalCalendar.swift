import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Local days and months from the C library (`localtime_r`/`mktime`, honouring `TZ` and `/etc/localtime`).
///
/// Not Foundation's `Calendar`: its first use loads ICU's calendar data, measured +2.9 MB resident for the rest of
/// the daemon's life, and it is needed once per paid job (budget periods) and per `{date}` output name.
public enum LocalCalendar {
    /// A day on the local calendar.
    public struct Day: Sendable, Equatable {
        /// The year, e.g. 2026.
        public var year: Int
        /// The month, 1…12.
        public var month: Int
        /// The day of the month, 1…31.
        public var day: Int

        /// Creates a day from its numbers.
        public init(year: Int, month: Int, day: Int) {
            self.year = year
            self.month = month
            self.day = day
        }

        /// `yyyy-MM-dd`.
        public var text: String { "\(year.zeroPadded(4))-\(month.zeroPadded(2))-\(day.zeroPadded(2))" }
    }

    /// The local day `date` falls on.
    public static func day(of date: Date) -> Day {
        let parts = localParts(of: date)
        return Day(year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday))
    }

    /// The first moment of `date`'s local day.
    public static func startOfDay(_ date: Date) -> Date {
        let parts = localParts(of: date)
        return firstMoment(year: parts.tm_year, month: parts.tm_mon, day: parts.tm_mday)
    }

    /// The first moment of the local day after `date`'s.
    public static func startOfNextDay(_ date: Date) -> Date {
        let parts = localParts(of: date)
        return firstMoment(year: parts.tm_year, month: parts.tm_mon, day: parts.tm_mday + 1)
    }

    /// The first moment of `date`'s local month.
    public static func startOfMonth(_ date: Date) -> Date {
        let parts = localParts(of: date)
        return firstMoment(year: parts.tm_year, month: parts.tm_mon, day: 1)
    }

    /// The first moment of the local month after `date`'s.
    public static func startOfNextMonth(_ date: Date) -> Date {
        let parts = localParts(of: date)
        return firstMoment(year: parts.tm_year, month: parts.tm_mon + 1, day: 1)
    }

    private static func localParts(of date: Date) -> tm {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        localtime_r(&seconds, &parts)
        return parts
    }

    /// The earliest instant of the given local day; `mktime` normalises overflowing days and months.
    ///
    /// Where clocks jump forward over midnight the day starts at the first local time that exists (e.g. 01:00), as
    /// with Foundation's `startOfDay`. Where midnight happens twice (clocks going back at 01:00 to 00:00), `mktime`
    /// may pick the second one, so step back while the second before is still the same local day.
    private static func firstMoment(year: Int32, month: Int32, day: Int32) -> Date {
        var parts = tm()
        parts.tm_year = year
        parts.tm_mon = month
        parts.tm_mday = day
        parts.tm_isdst = -1
        var seconds = mktime(&parts)
        let target = (parts.tm_year, parts.tm_mon, parts.tm_mday)
        for _ in 0..<3 {
            var earlier = seconds - 1
            var previous = tm()
            localtime_r(&earlier, &previous)
            guard (previous.tm_year, previous.tm_mon, previous.tm_mday) == target else { break }
            seconds = earlier - time_t(previous.tm_hour * 3600 + previous.tm_min * 60 + previous.tm_sec)
        }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }
}
