import AsyncHTTPClient
import DropboltCore
import DropboltLightning
import DropboltTesting
import Testing

/// The phoenixd backend against ``FakePhoenixd``: basic auth with the password, a form-encoded `/payinvoice` with no
/// fee limit, failures as HTTP 200 with `reason`, `routingFeeSat` in sat but `fees` in msat on lookup.
@Suite(.serialized)
struct PhoenixdWalletTests {
    static let node = StartedOnce { try await FakePhoenixd.start() }

    static func contract() async throws -> WalletContract {
        let fake = try await node.value()
        return WalletContract(
            book: fake.book,
            wallet: { timeout in
                PhoenixdWallet(url: fake.url, password: fake.password, httpClient: .shared, timeout: timeout)
            },
            wrongSecretWallet: { PhoenixdWallet(url: fake.url, password: "wrong-password", httpClient: .shared) },
            // phoenixd takes no fee limit; the engine checks the reported fee afterwards.
            expectedFeeLimitMsat: { _ in nil },
            supportsFeeLimit: false,
            secret: fake.password)
    }

    @Test func paysAndLooksUp() async throws { try await Self.contract().paysAndLooksUp() }

    @Test func noRouteMovesNothing() async throws {
        try await Self.contract().failureMovesNothing(.noRoute, is: "noRoute")
    }

    @Test func insufficientBalanceMovesNothing() async throws {
        try await Self.contract().failureMovesNothing(.insufficientBalance, is: "insufficientBalance")
    }

    @Test func attemptsTimedOutMovesNothing() async throws {
        try await Self.contract().failureMovesNothing(.timeout, is: "rejected")
    }

    @Test func heldPaymentIsUnknownUntilLookedUp() async throws {
        try await Self.contract().unknownUntilLookedUp(.hold)
    }

    @Test func connectionLostMidAnswerIsUnknownUntilLookedUp() async throws {
        try await Self.contract().unknownUntilLookedUp(.dropConnection)
    }

    @Test func neverSentIsNotFound() async throws { try await Self.contract().neverSentIsNotFound() }

    @Test func reportsInfoAndBalance() async throws { try await Self.contract().reportsInfoAndBalance() }

    @Test func wrongPasswordIsUnauthorized() async throws { try await Self.contract().wrongSecretIsUnauthorized() }
}
