import DropboltCore
import Foundation
import GRDB

/// The outcome of asking to move a job into `paying`.
public enum PayingDecision: Sendable, Equatable {
    /// Committed: the job is `paying`, the payment row is `pending`, the reservation is in the ledger.
    case approved
    /// Refused before paying; the job is now `held` (until the limit frees up) or `failed`, with the reason.
    case refused(reason: JobReason, state: JobState)
}

extension Store {
    /// Steps 2 and 3 in one durable commit: records the 402's invoice and token (and the spooled request body) as
    /// ``recordInvoiced(jobID:from:invoice:paymentHash:amountMsat:token:requestPath:requestSHA256:at:)`` does, then
    /// checks every limit (``PaymentBudget/decide(amount:maxFee:usage:limits:)``) and, when they allow it, reserves
    /// `amount + maxFee` and moves the job to `paying` with a `pending` payment row (DESIGN §5 rules 2 and 7).
    /// Nothing is paid here. A refusal (`held` or `failed`, with the reason) still leaves the invoice recorded.
    ///
    /// Budget sums count spend and fees in the window plus every live reservation, so parallel workers cannot
    /// overshoot a limit together. A crash before this commit leaves the job in `state` with no invoice recorded,
    /// and nothing can have been paid.
    /// - Throws: ``StoreError/stateConflict`` when the job is no longer in `state` (another process took it;
    ///   nothing is changed).
    public func recordInvoicedAndBeginPaying(
        jobID: Int64, from state: JobState, rule: String, invoice: String, paymentHash: String, amountMsat: Int64,
        token: String, requestPath: String? = nil, requestSHA256: String? = nil, maxFeeMsat: Int64,
        limits: BudgetLimits, at now: Date, boot: BootInstant? = nil, wallet: String? = nil
    ) async throws -> PayingDecision {
        try await durableWrite("record the invoice of job \(jobID) and begin paying it") { db in
            try Self.invoiced(
                db, jobID: jobID, from: state, invoice: invoice, paymentHash: paymentHash, amountMsat: amountMsat,
                token: token, requestPath: requestPath, requestSHA256: requestSHA256, at: now)
            return try Self.payingDecision(
                db, jobID: jobID, rule: rule, invoice: invoice, paymentHash: paymentHash, amountMsat: amountMsat,
                maxFeeMsat: maxFeeMsat, limits: limits, at: now, boot: boot, wallet: wallet)
        }
    }

    /// The paying decision and its writes, for a job now `invoiced`, inside the caller's transaction.
    private static func payingDecision(
        _ db: Database, jobID: Int64, rule: String, invoice: String, paymentHash: String, amountMsat: Int64,
        maxFeeMsat: Int64, limits: BudgetLimits, at now: Date, boot: BootInstant?, wallet: String?
    ) throws -> PayingDecision {
        // A held rule pays nothing (checked here, in the paying transaction, so no worker slips past a hold).
        if let reason = try RuleHold.fetchOne(db, rule: rule)?.jobReason {
            try transition(
                db, jobID: jobID, from: .invoiced,
                set: "state = 'held', reason = ?, reason_code = ?, not_before = ?, updated_at = ?",
                [
                    reason.text, reason.code.rawValue, now.addingTimeInterval(ruleHoldRecheck).databaseText,
                    now.databaseText,
                ])
            return .refused(reason: reason, state: .held)
        }
        let live = try liveReservations(db, rule: nil)
        let ruleLive = try liveReservations(db, rule: rule)
        let usage = BudgetUsage(
            todayMsat: checkedSum(try spent(db, since: limits.dayStart, rule: nil), live),
            ruleTodayMsat: checkedSum(try spent(db, since: limits.dayStart, rule: rule), ruleLive),
            monthMsat: checkedSum(try spent(db, since: limits.monthStart, rule: nil), live))
        let verdict = PaymentBudget.decide(
            amount: Millisatoshi(amountMsat), maxFee: Millisatoshi(maxFeeMsat), usage: usage, limits: limits)
        switch verdict {
        case .refused(let reason, let retryAt):
            let state: JobState = retryAt == nil ? .failed : .held
            try transition(
                db, jobID: jobID, from: .invoiced,
                set: "state = ?, reason = ?, reason_code = ?, not_before = ?, updated_at = ?",
                [state, reason.text, reason.code.rawValue, retryAt?.databaseText, now.databaseText])
            return .refused(reason: reason, state: state)
        case .approved(let reserve):
            try transition(
                db, jobID: jobID, from: .invoiced,
                set: """
                    state = 'paying', invoice = ?, payment_hash = ?, amount_msat = ?, reason = NULL,
                    reason_code = NULL, not_before = NULL, updated_at = ?
                    """,
                [invoice, paymentHash, amountMsat, now.databaseText])
            var payment = PaymentRecord(
                jobID: jobID, paymentHash: paymentHash, invoice: invoice, amountMsat: amountMsat, createdAt: now,
                bootID: boot?.bootID, bootNanoseconds: boot?.nanoseconds, wallet: wallet)
            try payment.insert(db)
            try Self.reserve(
                db, jobID: jobID, paymentID: payment.id, rule: rule, amountMsat: reserve.rawValue, at: now)
            return .approved
        }
    }
}
