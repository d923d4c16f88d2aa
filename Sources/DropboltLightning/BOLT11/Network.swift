/// The Bitcoin network an invoice is for, from the currency prefix after `ln` in its human-readable part.
///
/// The raw value is the BOLT 11 currency prefix: `lnbc…` is ``bitcoin``, `lnbcrt…` is ``regtest``.
public enum Network: String, Sendable, Hashable, CaseIterable, Codable {
    /// Bitcoin mainnet, `bc`.
    case bitcoin = "bc"
    /// Bitcoin testnet, `tb`.
    case testnet = "tb"
    /// Bitcoin signet, `tbs`.
    case signet = "tbs"
    /// Bitcoin regtest, `bcrt`.
    case regtest = "bcrt"

    /// The name people use: `mainnet`, `testnet`, `signet`, `regtest`.
    public var displayName: String {
        switch self {
        case .bitcoin: "mainnet"
        case .testnet: "testnet"
        case .signet: "signet"
        case .regtest: "regtest"
        }
    }

    /// The network a wallet reports by name (`mainnet`/`bitcoin`, `testnet`/`testnet3`/`testnet4`, `signet`,
    /// `regtest`; any case), or nil for a name dropbolt does not pay on.
    public init?(reportedName name: String) {
        switch name.lowercased() {
        case "mainnet", "bitcoin": self = .bitcoin
        case "testnet", "testnet3", "testnet4": self = .testnet
        case "signet": self = .signet
        case "regtest": self = .regtest
        default: return nil
        }
    }
}
