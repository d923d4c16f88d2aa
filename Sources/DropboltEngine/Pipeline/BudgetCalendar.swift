import DropboltCore
import DropboltStore
import Foundation

/// Turns the configured limits (sats) into ``BudgetLimits`` (msat) for the local day and month of `now`.
enum BudgetCalendar {
    static func limits(for rule: Rule?, budget: DropboltConfiguration.Budget, now: Date) -> BudgetLimits {
        // The C library's local time, not `Calendar` (ICU; see LocalCalendar).
        let dayStart = LocalCalendar.startOfDay(now)
        let nextDay = LocalCalendar.startOfNextDay(now)
        let monthStart = LocalCalendar.startOfMonth(now)
        let nextMonth = LocalCalendar.startOfNextMonth(now)
        let perImage = min(rule?.maxSats ?? .max, budget.maxSatsPerImage)
        return BudgetLimits(
            perImageMsat: msat(perImage), ruleDailyMsat: rule?.dailySats.map(msat), dailyMsat: msat(budget.dailySats),
            monthlyMsat: msat(budget.monthlySats), dayStart: dayStart, monthStart: monthStart, nextDay: nextDay,
            nextMonth: nextMonth)
    }

    /// Configured sats are at most all bitcoin (checked at load), so this only saturates for `Int64.max` ("none").
    private static func msat(_ sats: Int64) -> Int64 { Millisatoshi(exactlySats: sats)?.rawValue ?? .max }
}
