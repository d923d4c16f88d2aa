import DropboltCore
import DropboltSats4AI
import Foundation

/// What the provider's answer to a paid request leads to (DESIGN §5 rules 9–11): a pure function of the typed reply,
/// the job's earlier paid requests, the token's deadline and the clock. No outcome ever leads to a second invoice.
///
/// ```swift
/// switch PaidReplyOutcome.decide(status: 200, error: reply.errorBody, earlierPaidRequests: 0, deadline: d, now: now) {
/// case .keep: …                        // spool the raw answer, then read it
/// case .retry(let reason, let wait): … // same credential, same body, later
/// case .attention(let reason, let refund): …
/// }
/// ```
enum PaidReplyOutcome: Equatable {
    /// The answer is the paid result: keep it durably before anything parses it.
    case keep
    /// Send the same request with the same credential after `after` seconds.
    case retry(JobReason, after: TimeInterval)
    /// A person must look: the job goes to `attention`, with the provider's refund link where it offered one.
    case attention(JobReason, refund: String?)

    /// Decides on an HTTP answer to a paid request.
    static func decide(
        status: Int, error: @autoclosure () -> ProviderErrorBody, earlierPaidRequests: Int, deadline: Date, now: Date
    ) -> PaidReplyOutcome {
        switch status {
        case 200:
            return .keep
        case 429:
            let error = error()
            return retry(
                JobReason(.paidRetry, "rate limited after payment"), after: TimeInterval(error.retryAfterSeconds ?? 10),
                deadline: deadline, now: now)
        case 401 where earlierPaidRequests > 0:
            return .attention(
                JobReason(
                    .paidAnswerLost,
                    "paid, and the provider took the token on an earlier request whose answer was lost (the daemon "
                        + "stopped or the connection broke after the provider accepted it)"),
                refund: nil)
        case 500..<600:
            let error = error()
            if error.refund != nil || error.errorCode == "L402_UPSTREAM_FAILED" {
                return .attention(
                    JobReason(
                        .paidRefundOffered,
                        "paid, but the provider failed (\(error.errorCode ?? "HTTP \(status)")) and offers a refund"),
                    refund: error.refund?.lnurlWithdraw ?? error.refundLinks.first)
            }
            return retry(
                JobReason(.paidRetry, "provider error HTTP \(status) after payment"), after: 15, deadline: deadline,
                now: now)
        default:
            // A 402 (or any other 4xx) after payment: never pay a second invoice for this job.
            let error = error()
            return .attention(
                JobReason(
                    .paidRejected,
                    "paid, but the provider answered HTTP \(status) \(error.errorCode ?? ""): \(error.error ?? error.text ?? "")"
                ),
                refund: error.refund?.lnurlWithdraw ?? error.refundLinks.first)
        }
    }

    /// Decides when the paid request got no answer at all (`problem` describes the transport failure).
    static func unanswered(problem: String, deadline: Date, now: Date) -> PaidReplyOutcome {
        retry(
            JobReason(.paidRetry, "provider unreachable after payment: \(problem)"), after: 10, deadline: deadline,
            now: now)
    }

    /// A retry, unless it would fall after the token's deadline: then the job needs a person.
    private static func retry(_ reason: JobReason, after wait: TimeInterval, deadline: Date, now: Date)
        -> PaidReplyOutcome
    {
        guard now.addingTimeInterval(wait) <= deadline else {
            return .attention(
                JobReason(.paidTokenExpired, "paid, but no result before the token expired: \(reason.text)"),
                refund: nil)
        }
        return .retry(reason, after: wait)
    }
}
