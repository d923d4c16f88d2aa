import AsyncHTTPClient
import DropboltCore
import DropboltLightning
import DropboltTesting
import Testing

/// A backend under contract test, with the fake node that speaks its API (started once per test process).
enum ContractBackend: String, CaseIterable, CustomTestStringConvertible {
    case lnd, cln, phoenixd

    static let lndNode = StartedOnce { try await FakeLND.start() }
    static let clnNode = StartedOnce { try await FakeCLN.start() }
    static let phoenixdNode = StartedOnce { try await FakePhoenixd.start() }

    var testDescription: String { rawValue }

    /// The LND contract against `fake` (also used by ``LNDWalletTests`` with a node of its own).
    static func lndContract(_ fake: FakeLND) throws -> WalletContract {
        let tls = try LNDWallet.trust(certificateFile: fake.certificate.certificatePath)
        return WalletContract(
            book: fake.book,
            wallet: { timeout in
                LNDWallet(
                    url: fake.url, macaroon: fake.macaroon, tls: tls, httpClient: .shared, timeout: timeout)
            },
            wrongSecretWallet: { LNDWallet(url: fake.url, macaroon: [0x02, 0x99], tls: tls, httpClient: .shared) },
            // fee_limit_sat: whole satoshis, rounded down so the limit is never exceeded.
            expectedFeeLimitMsat: { $0.rawValue / 1000 * 1000 },
            supportsFeeLimit: true, boundsRouteSearch: true, secret: Hex.string(fake.macaroon))
    }

    /// The contract for this backend: how to build it against its fake, and what the fake must see.
    func contract() async throws -> WalletContract {
        switch self {
        case .lnd:
            return try Self.lndContract(try await Self.lndNode.value())
        case .cln:
            let fake = try await Self.clnNode.value()
            return WalletContract(
                book: fake.book,
                wallet: { timeout in
                    CLNWallet(
                        url: fake.url, rune: fake.rune, httpClient: .shared, timeout: timeout)
                },
                wrongSecretWallet: { CLNWallet(url: fake.url, rune: "not-the-rune", httpClient: .shared) },
                // maxfee: msat, as given.
                expectedFeeLimitMsat: { $0.rawValue },
                supportsFeeLimit: true, boundsRouteSearch: true, secret: fake.rune)
        case .phoenixd:
            let fake = try await Self.phoenixdNode.value()
            return WalletContract(
                book: fake.book,
                wallet: { timeout in
                    PhoenixdWallet(url: fake.url, password: fake.password, httpClient: .shared, timeout: timeout)
                },
                wrongSecretWallet: { PhoenixdWallet(url: fake.url, password: "wrong-password", httpClient: .shared) },
                // phoenixd takes no fee limit; the engine checks the reported fee afterwards.
                expectedFeeLimitMsat: { _ in nil },
                supportsFeeLimit: false, boundsRouteSearch: false, secret: fake.password)
        }
    }
}

/// The wallet contract for lnd, cln and phoenixd, each against its fake node: one check, three backends. Each fake
/// asserts the backend's requests (auth header, fee limit unit, hash encoding, form or JSON body).
@Suite(.serialized)
struct WalletContractTests {
    @Test(arguments: ContractBackend.allCases)
    func paysAndLooksUp(_ backend: ContractBackend) async throws {
        try await backend.contract().paysAndLooksUp()
    }

    @Test(arguments: ContractBackend.allCases)
    func noRouteMovesNothing(_ backend: ContractBackend) async throws {
        try await backend.contract().failureMovesNothing(.noRoute, is: "noRoute")
    }

    @Test(arguments: ContractBackend.allCases)
    func insufficientBalanceMovesNothing(_ backend: ContractBackend) async throws {
        try await backend.contract().failureMovesNothing(.insufficientBalance, is: "insufficientBalance")
    }

    /// The node's own give-up: LND FAILURE_REASON_TIMEOUT, CLN code 210 (in the older `{"error": …}` shape),
    /// phoenixd a `reason`.
    @Test(arguments: ContractBackend.allCases)
    func nodeTimeoutMovesNothing(_ backend: ContractBackend) async throws {
        try await backend.contract().failureMovesNothing(.timeout, is: "rejected")
    }

    @Test(arguments: ContractBackend.allCases)
    func heldPaymentIsUnknownUntilLookedUp(_ backend: ContractBackend) async throws {
        try await backend.contract().unknownUntilLookedUp(.hold)
    }

    @Test(arguments: ContractBackend.allCases)
    func connectionLostMidAnswerIsUnknownUntilLookedUp(_ backend: ContractBackend) async throws {
        try await backend.contract().unknownUntilLookedUp(.dropConnection)
    }

    @Test(arguments: ContractBackend.allCases)
    func neverSentIsNotFound(_ backend: ContractBackend) async throws {
        try await backend.contract().neverSentIsNotFound()
    }

    /// CLN's balance counts only the open channel, not the closed one listfunds also lists.
    @Test(arguments: ContractBackend.allCases)
    func reportsInfoAndBalance(_ backend: ContractBackend) async throws {
        try await backend.contract().reportsInfoAndBalance()
    }

    @Test(arguments: ContractBackend.allCases)
    func wrongSecretIsUnauthorized(_ backend: ContractBackend) async throws {
        try await backend.contract().wrongSecretIsUnauthorized()
    }
}
