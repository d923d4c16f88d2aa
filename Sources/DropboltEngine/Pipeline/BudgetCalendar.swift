import DropboltCore
import DropboltStore
import Foundation

/// Turns the config's and a rule's limits into ``BudgetLimits`` for the local day and month now.
enum BudgetCalendar {
    static func limits(for rule: Rule?, budget: DropboltConfiguration.Budget, now: Date) -> BudgetLimits {
        // The C library's local time, not `Calendar` (ICU; see LocalCalendar).
        let dayStart = LocalCalendar.startOfDay(now)
        let nextDay = LocalCalendar.startOfNextDay(now)
        let monthStart = LocalCalendar.startOfMonth(now)
        let nextMonth = LocalCalendar.startOfNextMonth(now)
        let perImage = min(rule?.maxSats ?? .max, budget.maxSatsPerImage)
        return BudgetLimits(
            perImageMsat: perImage.multipliedReportingOverflow(by: 1000).overflow ? .max : perImage * 1000,
            ruleDailyMsat: rule?.dailySats.map { $0 * 1000 },
            dailyMsat: budget.dailySats * 1000,
            monthlyMsat: budget.monthlySats * 1000,
            dayStart: dayStart, monthStart: monthStart, nextDay: nextDay, nextMonth: nextMonth)
    }
}
