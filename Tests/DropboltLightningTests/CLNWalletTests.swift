import AsyncHTTPClient
import DropboltCore
import DropboltLightning
import DropboltTesting
import Testing

/// The Core Lightning backend against ``FakeCLN``: the `Rune` header, `maxfee` in msat, HTTP 201 on success, both
/// error shapes, and `listpays` by hex hash.
@Suite(.serialized)
struct CLNWalletTests {
    static let node = StartedOnce { try await FakeCLN.start() }

    static func contract() async throws -> WalletContract {
        let fake = try await node.value()
        return WalletContract(
            book: fake.book,
            wallet: { timeout in
                CLNWallet(
                    url: fake.url, rune: fake.rune, httpClient: .shared, timeout: timeout,
                    answerGrace: .milliseconds(500))
            },
            wrongSecretWallet: { CLNWallet(url: fake.url, rune: "not-the-rune", httpClient: .shared) },
            expectedFeeLimitMsat: { $0.rawValue },
            supportsFeeLimit: true,
            secret: fake.rune)
    }

    @Test func paysAndLooksUp() async throws { try await Self.contract().paysAndLooksUp() }

    @Test func noRouteMovesNothing() async throws {
        try await Self.contract().failureMovesNothing(.noRoute, is: "noRoute")
    }

    @Test func insufficientBalanceMovesNothing() async throws {
        try await Self.contract().failureMovesNothing(.insufficientBalance, is: "insufficientBalance")
    }

    /// Code 210 in the older `{"error": {…}}` shape: timed out with no payment in progress.
    @Test func stoppedRetryingMovesNothing() async throws {
        try await Self.contract().failureMovesNothing(.timeout, is: "rejected")
    }

    @Test func heldPaymentIsUnknownUntilLookedUp() async throws {
        try await Self.contract().unknownUntilLookedUp(.hold)
    }

    @Test func connectionLostMidAnswerIsUnknownUntilLookedUp() async throws {
        try await Self.contract().unknownUntilLookedUp(.dropConnection)
    }

    @Test func neverSentIsNotFound() async throws { try await Self.contract().neverSentIsNotFound() }

    /// The balance counts only the open channel, not the closed one listfunds also lists.
    @Test func reportsInfoAndBalance() async throws { try await Self.contract().reportsInfoAndBalance() }

    @Test func wrongRuneIsUnauthorized() async throws { try await Self.contract().wrongSecretIsUnauthorized() }
}
