import GRDB

/// Where a job is in its life (DESIGN.md §5): `queued → invoiced → paying → paid → fetched → done`, or waiting
/// (`held`), given up (`failed`), or stuck after money moved (`attention`).
///
/// Stored in `jobs.state` as the raw value; a CHECK constraint rejects anything else.
public enum JobState: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// Waiting for a worker; the first request has not been answered with an invoice yet.
    case queued
    /// The provider answered 402 with an invoice, which has not been paid.
    case invoiced
    /// The payment is committed to and the wallet may have been called; resolved by looking up the payment hash.
    case paying
    /// The wallet paid and the preimage matches; the result has not been fetched.
    case paid
    /// The result is in the spool; the output file has not been written.
    case fetched
    /// The output is written. Terminal.
    case done
    /// Waiting until `not_before` (budget, wallet down, rate limit), with a reason.
    case held
    /// Given up without spending, with a reason. Terminal until `dropbolt retry`.
    case failed
    /// Money moved but no result came. Never retried automatically.
    case attention

    /// `done`, `failed` and `attention`: no worker takes a job out of these states.
    public var isTerminal: Bool { self == .done || self == .failed || self == .attention }
}
