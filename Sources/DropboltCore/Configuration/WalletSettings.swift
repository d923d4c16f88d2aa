/// How to reach the wallet that pays invoices.
///
/// Secrets are never written in the config: they are read from a file (`key_file`, `macaroon_file`, …) or an
/// environment variable (`key_env`). Relative file paths are resolved against the config file's folder.
public struct WalletSettings: Sendable {
    /// Which backend to use.
    public var kind: WalletKind
    /// Base URL of the wallet's API; https, or http only to loopback. Nil for `nwc` and `command`.
    public var url: String?
    /// File holding the API key (LNbits key, or any backend's single secret).
    public var keyFile: String?
    /// Name of the environment variable holding the secret.
    public var keyEnv: String?
    /// File holding the LND macaroon (binary or hex).
    public var macaroonFile: String?
    /// File holding the Core Lightning rune.
    public var runeFile: String?
    /// File holding the phoenixd HTTP password.
    public var passwordFile: String?
    /// File holding the Nostr Wallet Connect URI.
    public var connectionFile: String?
    /// Program and arguments for the `command` backend: pays the invoice given on standard input.
    public var command: [String]?
    /// Program and arguments that look a payment up by the hash on standard input (`command` backend).
    public var lookupCommand: [String]?
    /// Program and arguments that print the balance (`command` backend); optional.
    public var balanceCommand: [String]?
    /// Largest routing fee accepted for one payment, in satoshis. Default 10.
    public var maxFeeSats: Int64
    /// Timeout for one wallet call, in seconds. Default 60.
    public var timeoutSeconds: Int
    /// The network the wallet pays on, as its BOLT 11 currency prefix (`bc`, `tb`, `tbs`, `bcrt`), when the config
    /// states it; nil to take what the wallet reports.
    public var network: String?

    /// Config spellings of a network → BOLT 11 currency prefix.
    public static let networkNames: [String: String] = [
        "bitcoin": "bc", "mainnet": "bc", "testnet": "tb", "signet": "tbs", "regtest": "bcrt",
    ]

    /// A secret file written `credential:NAME` is read from `$CREDENTIALS_DIRECTORY/NAME` (systemd's
    /// `LoadCredential=NAME:/path`), so the service user never needs to read the original file.
    public static let credentialPrefix = "credential:"

    /// Creates wallet settings for `kind`; every reference to a secret starts empty.
    public init(
        kind: WalletKind,
        url: String? = nil,
        keyFile: String? = nil,
        keyEnv: String? = nil,
        macaroonFile: String? = nil,
        runeFile: String? = nil,
        passwordFile: String? = nil,
        connectionFile: String? = nil,
        command: [String]? = nil,
        maxFeeSats: Int64 = 10,
        timeoutSeconds: Int = 60
    ) {
        self.kind = kind
        self.url = url
        self.keyFile = keyFile
        self.keyEnv = keyEnv
        self.macaroonFile = macaroonFile
        self.runeFile = runeFile
        self.passwordFile = passwordFile
        self.connectionFile = connectionFile
        self.command = command
        self.maxFeeSats = maxFeeSats
        self.timeoutSeconds = timeoutSeconds
    }
}
