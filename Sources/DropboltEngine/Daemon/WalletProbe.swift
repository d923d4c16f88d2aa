import AsyncHTTPClient
import DropboltCore
import DropboltLightning
import Foundation

/// What `dropbolt wallet test` found: the configured wallet answered (or not), what it is and what it can do.
/// Never holds a secret: the identity carries a digest of the key, not the key.
public struct WalletReport: Codable, Sendable {
    /// The backend (`lnbits`, `lnd`, …).
    public var backend: String
    /// Which wallet this is, as stored with each payment.
    public var identity: String
    /// The network the wallet reports (`mainnet`, `testnet`, `signet`, `regtest`), if it does.
    public var network: String?
    /// `wallet.network` from the config, if set.
    public var configuredNetwork: String?
    /// The node's public key or the wallet's id, if reported.
    public var nodeID: String?
    /// The node's alias or the wallet's name.
    public var alias: String?
    /// What the wallet answers: `pay`, `lookup`, `balance`, `fee_limit`.
    public var supports: [String]
    /// The spendable balance in msat, when the wallet reports one.
    public var balanceMsat: Int64?
    /// `wallet.max_fee_sats`, and whether the backend enforces it itself or dropbolt checks it afterwards.
    public var maxFeeSats: Int64
    /// Calls the wallet did not answer (`info: …`, `balance: …`); empty when it could be asked everything.
    public var errors: [String]
    /// What the wallet lacks or a setting disagrees with, for a person to read.
    public var notes: [String]
}

/// Connects to the configured wallet without paying anything: `dropbolt wallet test` and `dropbolt wallet balance`.
public enum WalletProbe {
    /// Why there is nothing to probe.
    public struct NoWallet: Error, CustomStringConvertible {
        /// The message, naming the config file.
        public var description: String
    }

    /// Builds the configured wallet and asks it what it is and its balance, over the daemon's kind of client (a
    /// refused connection or an untrusted certificate fails at once, not at the timeout).
    ///
    /// - Throws: ``NoWallet`` without a `wallet` section, ``WalletSetupError`` when its secret cannot be read.
    public static func test(configuration: DropboltConfiguration, environment: [String: String]) async throws -> WalletReport {
        try await withClient { httpClient in
            try await test(configuration: configuration, environment: environment, httpClient: httpClient)
        }
    }

    private static func test(
        configuration: DropboltConfiguration, environment: [String: String], httpClient: HTTPClient
    ) async throws -> WalletReport {
        let wallet = try make(configuration: configuration, environment: environment, httpClient: httpClient)
        let settings = configuration.wallet!
        let configured = settings.network.flatMap(Network.init(rawValue:))
        var report = WalletReport(
            backend: wallet.backendName, identity: wallet.identity, network: nil,
            configuredNetwork: configured?.displayName, nodeID: nil, alias: nil, supports: [], balanceMsat: nil,
            maxFeeSats: settings.maxFeeSats, errors: [], notes: [])
        do {
            let info = try await wallet.info()
            report.network = info.network?.displayName
            report.nodeID = info.nodeID
            report.alias = info.alias
            report.supports = info.supports.names
            if let reported = info.network, let configured, reported != configured {
                report.notes.append(
                    "the wallet pays on \(reported.displayName) but wallet.network says \(configured.displayName)")
            }
            if info.network == nil && configured == nil {
                report.notes.append(
                    "the wallet does not report its network: set wallet.network, or dropbolt learns it from the first invoice it pays")
            }
            if !info.supports.contains(.feeLimit) {
                report.notes.append(
                    "\(info.backend) takes no fee limit with a payment: dropbolt checks the reported fee afterwards and holds the rule if it is above wallet.max_fee_sats")
            }
        } catch {
            report.errors.append("info: \(error)")
        }
        do {
            report.balanceMsat = try await wallet.balance().rawValue
        } catch {
            report.errors.append("balance: \(error)")
        }
        return report
    }

    /// The configured wallet's spendable balance.
    ///
    /// - Throws: ``NoWallet``, ``WalletSetupError``, or the wallet's ``PaymentError``.
    public static func balance(configuration: DropboltConfiguration, environment: [String: String]) async throws -> Millisatoshi {
        try await withClient { httpClient in
            try await make(configuration: configuration, environment: environment, httpClient: httpClient).balance()
        }
    }

    /// Runs `body` with a client like the daemon's and shuts the client down afterwards, whatever `body` did.
    private static func withClient<T: Sendable>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        let httpClient = Daemon.makeHTTPClient()
        let result: Result<T, any Error>
        do {
            result = .success(try await body(httpClient))
        } catch {
            result = .failure(error)
        }
        try? await httpClient.shutdown()
        return try result.get()
    }

    private static func make(
        configuration: DropboltConfiguration, environment: [String: String], httpClient: HTTPClient
    ) throws -> any Wallet {
        guard let settings = configuration.wallet else {
            throw NoWallet(description: "\(configuration.configFile) configures no wallet (quote-only mode)")
        }
        return try WalletFactory.make(settings, httpClient: httpClient, environment: environment)
    }
}
