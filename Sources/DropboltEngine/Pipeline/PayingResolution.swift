import DropboltCore
import DropboltLightning
import DropboltStore
import Foundation

/// What to do with a job found in `paying`, given the wallet's answer to a lookup (DESIGN §5 rule 3): a pure
/// function of typed values and an injected `now`.
enum PayingResolution: Equatable {
    /// The wallet paid: record it and fetch.
    case paid(Payment)
    /// Certainly not paid: release the reservation and go back to the queue (or fail after too many tries).
    case notPaid(JobReason, next: JobState)
    /// Not known yet: look again after `seconds`, staying in `paying`.
    case lookAgain(seconds: TimeInterval, JobReason)

    /// How often a job goes back to the queue after payments that did not happen before it fails.
    static let maximumPaymentAttempts = 5

    /// Decides from a lookup.
    ///
    /// "Not found" means "never sent" only once the grace period has passed since `paying` was entered
    /// (`payingSince`, stored with the payment row, so re-checks do not push it back), or once the invoice has
    /// expired (it can no longer be paid). Inside the grace a request from a killed process may still reach the
    /// wallet. Backends whose "not found" is definitive have a grace of zero.
    static func decide(
        _ status: PaymentStatus, payingSince: Date, invoiceExpiry: Date?, attempts: Int, notFoundGrace: TimeInterval,
        now: Date
    ) -> PayingResolution {
        let nextAfterFailure: JobState = attempts >= maximumPaymentAttempts ? .failed : .queued
        switch status {
        case .succeeded(let payment):
            return .paid(payment)
        case .failed(let reason):
            return .notPaid(
                JobReason(
                    nextAfterFailure == .failed ? .paymentFailed : .paymentNotSent,
                    "payment failed (\(reason)); " + (nextAfterFailure == .failed ? "giving up" : "asking for a new invoice")),
                next: nextAfterFailure)
        case .pending:
            return .lookAgain(seconds: 10, JobReason(.paymentInFlight, "payment in flight; looking again"))
        case .notFound:
            let expired = invoiceExpiry.map { $0 <= now } ?? true
            if expired || now.timeIntervalSince(payingSince) >= notFoundGrace {
                return .notPaid(
                    JobReason(.paymentNotSent, "the wallet has no record of the payment: it was never sent; asking for a new invoice"),
                    next: .queued)
            }
            let left = notFoundGrace - now.timeIntervalSince(payingSince)
            return .lookAgain(
                seconds: min(10, max(1, left)),
                JobReason(.paymentNotSeen, "payment not seen by the wallet yet; looking again"))
        }
    }
}
