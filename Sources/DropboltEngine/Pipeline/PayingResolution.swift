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
    /// "Not found" means "never sent" only once `notFoundGrace` has passed since `paying` was entered (`elapsed`,
    /// measured from the moment stored with the payment row, so re-checks do not push it back), or once the invoice's
    /// lifetime left at that moment (`lifetimeAtPaying`) is over: then it can no longer be paid. Inside the grace a
    /// request from a killed process may still reach the wallet. Backends whose "not found" is definitive have a
    /// grace of zero.
    static func decide(
        _ status: PaymentStatus, elapsed: TimeInterval, lifetimeAtPaying: TimeInterval?, attempts: Int,
        notFoundGrace: TimeInterval
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
            let expired = lifetimeAtPaying.map { elapsed >= $0 } ?? true
            if expired || elapsed >= notFoundGrace {
                return .notPaid(
                    JobReason(.paymentNotSent, "the wallet has no record of the payment: it was never sent; asking for a new invoice"),
                    next: .queued)
            }
            return .lookAgain(
                seconds: min(10, max(1, notFoundGrace - elapsed)),
                JobReason(.paymentNotSeen, "payment not seen by the wallet yet; looking again"))
        }
    }

    /// Seconds since `paying` was entered: on the boot clock when both instants are known (a wall clock set forward
    /// or back changes nothing), else on the wall clock, never negative.
    static func elapsed(payingSince: Date, now: Date, bootAtPaying: BootInstant?, bootNow: BootInstant?) -> TimeInterval {
        if let bootAtPaying, let bootNow { return bootNow.seconds(since: bootAtPaying) }
        return max(0, now.timeIntervalSince(payingSince))
    }
}
