import DropboltCore
import DropboltStore
import Foundation

/// Turns the config's and a rule's limits into ``BudgetLimits`` for the local day and month now.
enum BudgetCalendar {
    static func limits(for rule: Rule?, budget: DropboltConfiguration.Budget, now: Date) -> BudgetLimits {
        let calendar = Calendar.current
        let dayStart = calendar.startOfDay(for: now)
        let nextDay = calendar.date(byAdding: .day, value: 1, to: dayStart) ?? now.addingTimeInterval(86_400)
        let monthStart =
            calendar.date(from: calendar.dateComponents([.year, .month], from: now)) ?? dayStart
        let nextMonth = calendar.date(byAdding: .month, value: 1, to: monthStart) ?? nextDay
        let perImage = min(rule?.maxSats ?? .max, budget.maxSatsPerImage)
        return BudgetLimits(
            perImageMsat: perImage.multipliedReportingOverflow(by: 1000).overflow ? .max : perImage * 1000,
            ruleDailyMsat: rule?.dailySats.map { $0 * 1000 },
            dailyMsat: budget.dailySats * 1000,
            monthlyMsat: budget.monthlySats * 1000,
            dayStart: dayStart, monthStart: monthStart, nextDay: nextDay, nextMonth: nextMonth)
    }
}
