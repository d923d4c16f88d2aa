import DropboltCore
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The C library's local days and months must be Foundation's, DST and odd zones included: budget periods
/// (daily and monthly limits) are cut with them.
@Suite(.serialized) struct LocalCalendarTests {
    /// Runs `body` with the C library's zone set to `zone` (tzdata), then restores it.
    private func inZone(_ zone: String, _ body: () throws -> Void) rethrows {
        let previous = getenv("TZ").map { String(cString: $0) }
        setenv("TZ", zone, 1)
        tzset()
        defer {
            if let previous { setenv("TZ", previous, 1) } else { unsetenv("TZ") }
            tzset()
        }
        try body()
    }

    @Test(arguments: [
        "UTC", "Europe/Berlin", "America/New_York", "America/Sao_Paulo", "Australia/Lord_Howe", "Asia/Kolkata",
        "Pacific/Apia", "America/Havana",
    ])
    func agreesWithFoundationAcrossTransitions(zone: String) throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: zone))
        // Every 5 h 7 min over 2011–2013 and 2018–2019: Apia skipped 2011-12-30, Sao Paulo moved clocks at
        // midnight in 2018, Havana goes back at 01:00 to 00:00 (midnight twice).
        let ranges: [(Double, Double)] = [(1_293_840_000, 1_388_534_400), (1_514_764_800, 1_577_836_800)]
        try inZone(zone) {
            var mismatches: [String] = []
            for (start, end) in ranges {
                var instant = start
                while instant < end, mismatches.count < 5 {
                    let date = Date(timeIntervalSince1970: instant)
                    let parts = calendar.dateComponents([.year, .month, .day], from: date)
                    let dayStart = calendar.startOfDay(for: date)
                    let monthStart = try #require(
                        calendar.date(from: calendar.dateComponents([.year, .month], from: date)))
                    let expected = [
                        "\(parts.year!)-\(parts.month!)-\(parts.day!)",
                        "\(dayStart)",
                        "\(calendar.startOfDay(for: try #require(calendar.date(byAdding: .day, value: 1, to: dayStart))))",
                        "\(calendar.startOfDay(for: monthStart))",
                        "\(calendar.startOfDay(for: try #require(calendar.date(byAdding: .month, value: 1, to: monthStart))))",
                    ]
                    let day = LocalCalendar.day(of: date)
                    let actual = [
                        "\(day.year)-\(day.month)-\(day.day)",
                        "\(LocalCalendar.startOfDay(date))",
                        "\(LocalCalendar.startOfNextDay(date))",
                        "\(LocalCalendar.startOfMonth(date))",
                        "\(LocalCalendar.startOfNextMonth(date))",
                    ]
                    if actual != expected {
                        mismatches.append("\(zone) at \(date): \(actual) vs Foundation \(expected)")
                    }
                    instant += 5 * 3600 + 7 * 60
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        }
    }

    @Test func dayTextIsZeroPadded() {
        #expect(LocalCalendar.Day(year: 987, month: 3, day: 7).text == "0987-03-07")
        #expect(LocalCalendar.Day(year: 2026, month: 12, day: 31).text == "2026-12-31")
    }
}
