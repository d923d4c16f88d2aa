import Foundation
import Testing

@testable import DropboltLightning

/// Core Lightning's `listpays` says "failed" whenever every attempt so far failed, also between the route retries
/// of a `pay` that is still running: that is final only once the retry window since the newest attempt is over.
struct CLNLookupTests {
    static let hash = [UInt8](repeating: 0xab, count: 32)
    static let hashHex = String(repeating: "ab", count: 32)

    static func attempt(_ status: String, startedAt seconds: Int64?) -> [String: Any] {
        var entry: [String: Any] = ["payment_hash": hashHex, "status": status, "amount_msat": 21_000]
        if let seconds { entry["created_at"] = seconds }
        return entry
    }

    @Test func aFailedAttemptInsideTheRetryWindowIsStillPending() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let recent = [Self.attempt("failed", startedAt: 1_800_000_000 - 100)]
        guard case .pending = CLNWallet.status(of: recent, paymentHash: Self.hash, now: now, retryWindow: 105) else {
            Issue.record("a failed attempt 100 s ago with a 105 s window must not be final")
            return
        }
        guard case .failed = CLNWallet.status(of: recent, paymentHash: Self.hash, now: now, retryWindow: 100) else {
            Issue.record("once the window is over, failed is final")
            return
        }
    }

    @Test func theNewestAttemptCountsAndAnAttemptWithoutAStartTimeIsNeverFinal() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let old = Self.attempt("failed", startedAt: 1_700_000_000)
        let recent = Self.attempt("failed", startedAt: 1_800_000_000 - 10)
        guard case .pending = CLNWallet.status(of: [old, recent], paymentHash: Self.hash, now: now, retryWindow: 60)
        else {
            Issue.record("an old failed attempt must not make a recent one final")
            return
        }
        let unknownStart = Self.attempt("failed", startedAt: nil)
        guard case .pending = CLNWallet.status(of: [old, unknownStart], paymentHash: Self.hash, now: now, retryWindow: 60)
        else {
            Issue.record("an attempt with no start time cannot prove the retries are over")
            return
        }
        guard case .notFound = CLNWallet.status(of: [], paymentHash: Self.hash, now: now, retryWindow: 60) else {
            Issue.record("no attempt at all is not found")
            return
        }
    }
}
