import Foundation

/// The limits a payment is checked against, in millisatoshis, with the windows they apply to.
public struct BudgetLimits: Sendable, Equatable {
    /// Largest invoice amount for one image (the tighter of the rule's and the global limit).
    public var perImageMsat: Int64
    /// The rule's own daily limit, if it has one.
    public var ruleDailyMsat: Int64?
    /// The global daily limit.
    public var dailyMsat: Int64
    /// The global monthly limit.
    public var monthlyMsat: Int64
    /// Start of today (local midnight); spend since then counts against the daily limits.
    public var dayStart: Date
    /// Start of this month (local); spend since then counts against the monthly limit.
    public var monthStart: Date
    /// When today's limit frees up again (next local midnight).
    public var nextDay: Date
    /// When this month's limit frees up again.
    public var nextMonth: Date

    /// Creates limits.
    public init(
        perImageMsat: Int64, ruleDailyMsat: Int64?, dailyMsat: Int64, monthlyMsat: Int64, dayStart: Date,
        monthStart: Date, nextDay: Date, nextMonth: Date
    ) {
        self.perImageMsat = perImageMsat
        self.ruleDailyMsat = ruleDailyMsat
        self.dailyMsat = dailyMsat
        self.monthlyMsat = monthlyMsat
        self.dayStart = dayStart
        self.monthStart = monthStart
        self.nextDay = nextDay
        self.nextMonth = nextMonth
    }
}

/// What is already committed against each limit: spend and fees in the window plus every live reservation.
public struct BudgetUsage: Sendable, Equatable {
    /// Everything today, all rules.
    public var todayMsat: Int64
    /// Everything today under the job's rule.
    public var ruleTodayMsat: Int64
    /// Everything this month, all rules.
    public var monthMsat: Int64

    /// Creates a usage.
    public init(todayMsat: Int64, ruleTodayMsat: Int64, monthMsat: Int64) {
        self.todayMsat = todayMsat
        self.ruleTodayMsat = ruleTodayMsat
        self.monthMsat = monthMsat
    }
}

/// The answer to "may this invoice be paid now?".
public enum BudgetVerdict: Sendable, Equatable {
    /// Pay, reserving `reserve` (amount + the largest fee allowed) until the wallet answers.
    case approved(reserve: Millisatoshi)
    /// Do not pay. `retryAt` is when the limit frees up (the job is held), nil when it never will (failed).
    case refused(JobReason, retryAt: Date?)
}

/// The budget decision (DESIGN §5 rules 7 and 8): a pure function of typed amounts, limits and usage.
///
/// Every sum is checked: an amount that cannot be added up without overflowing `Int64` is refused, never wrapped
/// or trapped on.
///
/// ```swift
/// switch PaymentBudget.decide(amount: .sats(300), maxFee: .sats(10), usage: usage, limits: limits) {
/// case .approved(let reserve): …
/// case .refused(let reason, let retryAt): …
/// }
/// ```
public enum PaymentBudget {
    /// Decides whether `amount` (plus up to `maxFee`) fits every limit given what `usage` has already taken.
    public static func decide(
        amount: Millisatoshi, maxFee: Millisatoshi, usage: BudgetUsage, limits: BudgetLimits
    ) -> BudgetVerdict {
        guard amount.rawValue > 0, maxFee.rawValue >= 0 else {
            return .refused(JobReason(.zeroAmountInvoice, "refused: the invoice is for nothing"), retryAt: nil)
        }
        if amount.rawValue > limits.perImageMsat {
            return .refused(
                JobReason(
                    .aboveImageLimit,
                    "invoice of \(amount.satsRoundedUp) sats is above the per-image limit of "
                        + "\(limits.perImageMsat / 1000) sats"),
                retryAt: nil)
        }
        guard let reserve = amount.adding(maxFee) else { return overflow(amount) }
        func exceeds(_ used: Int64, _ limit: Int64) -> Bool? {
            guard let total = Millisatoshi(used).adding(reserve) else { return nil }
            return total.rawValue > limit
        }
        guard let overDaily = exceeds(usage.todayMsat, limits.dailyMsat) else { return overflow(amount) }
        if overDaily {
            return .refused(
                JobReason(
                    .dailyBudget,
                    "daily budget: \(usage.todayMsat / 1000) of \(limits.dailyMsat / 1000) sats used; this image "
                        + "needs up to \(reserve.satsRoundedUp)"),
                retryAt: limits.nextDay)
        }
        if let ruleDaily = limits.ruleDailyMsat {
            guard let overRule = exceeds(usage.ruleTodayMsat, ruleDaily) else { return overflow(amount) }
            if overRule {
                return .refused(
                    JobReason(
                        .ruleDailyBudget,
                        "rule daily budget: \(usage.ruleTodayMsat / 1000) of \(ruleDaily / 1000) sats used; this "
                            + "image needs up to \(reserve.satsRoundedUp)"),
                    retryAt: limits.nextDay)
            }
        }
        guard let overMonth = exceeds(usage.monthMsat, limits.monthlyMsat) else { return overflow(amount) }
        if overMonth {
            return .refused(
                JobReason(
                    .monthlyBudget,
                    "monthly budget: \(usage.monthMsat / 1000) of \(limits.monthlyMsat / 1000) sats used; this "
                        + "image needs up to \(reserve.satsRoundedUp)"),
                retryAt: limits.nextMonth)
        }
        return .approved(reserve: reserve)
    }

    private static func overflow(_ amount: Millisatoshi) -> BudgetVerdict {
        .refused(
            JobReason(.amountOverflow, "refused: \(amount.rawValue) msat cannot be added to the budget sums"),
            retryAt: nil)
    }
}

extension Int64 {
    /// `self + other`, clamped to `Int64.max` / `Int64.min` instead of trapping (money sums for display and
    /// estimates; budget decisions use ``PaymentBudget`` and report overflow explicitly).
    public func addingSaturating(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
