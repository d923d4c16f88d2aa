import Foundation

/// Everything a ``FakeSats4AI`` remembers, kept behind its `Mutex`.
struct FakeSats4AIState {
    /// What the fake knows about a token it minted.
    struct TokenRecord {
        var paymentHash: String
        var bodySHA256: String
        var endpoint: FakeSats4AI.Endpoint
        var issuedAt: ContinuousClock.Instant
        var used = false
    }

    var port = 0
    var serverTask: Task<Void, any Error>?
    var tokens: [String: TokenRecord] = [:]
    var challengesIssued = 0
    var estimatesServed = 0
    var paidRequests = 0
    var violations: [String] = []
    var received: [FakeSats4AI.ReceivedRequest] = []
    var nextChallengeFault: FakeSats4AI.ChallengeFault?
    var paidFaults: [FakeSats4AI.PaidFault] = []
    /// Answers chosen by `Configuration.paidFailureRate` so far.
    var injectedPaidFailures = 0
    /// The random source of `Configuration.paidFailureRate`, seeded with `Configuration.faultSeed` at start.
    var dice = FaultDice(seed: 0)
    var held = false
    var urlOnly = false
    var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    /// Held requests let go by `abandonHeldRequests()`: they end without doing the paid work.
    var abandoned: Set<UUID> = []
    var media: [String: [UInt8]] = [:]
}
