/// What a wallet says about itself: shown by `dropbolt wallet test` and used to check invoices' networks.
public struct WalletInfo: Sendable, Hashable {
    /// The backend's name (`lnbits`, `lnd`, …).
    public var backend: String
    /// The Bitcoin network the wallet pays on; nil when the backend does not report it (LNbits).
    public var network: Network?
    /// A stable id of the node or wallet (a node public key in hex, a wallet id); nil when there is none.
    public var nodeID: String?
    /// The node's alias or the wallet's name, for people.
    public var alias: String?
    /// The operations this wallet answers.
    public var supports: Capabilities

    /// The operations a wallet answers.
    public struct Capabilities: OptionSet, Sendable, Hashable {
        /// The raw bits.
        public let rawValue: Int
        /// Creates a set from raw bits.
        public init(rawValue: Int) { self.rawValue = rawValue }

        /// Pays BOLT11 invoices.
        public static let pay = Capabilities(rawValue: 1 << 0)
        /// Looks payments up by hash.
        public static let lookup = Capabilities(rawValue: 1 << 1)
        /// Reports a balance.
        public static let balance = Capabilities(rawValue: 1 << 2)
        /// Enforces a fee limit given with the payment (otherwise dropbolt checks the reported fee afterwards).
        public static let feeLimit = Capabilities(rawValue: 1 << 3)

        /// The names of the operations in the set, in a fixed order: `pay`, `lookup`, `balance`, `fee_limit`.
        public var names: [String] {
            [(Capabilities.pay, "pay"), (.lookup, "lookup"), (.balance, "balance"), (.feeLimit, "fee_limit")]
                .filter { contains($0.0) }.map(\.1)
        }
    }

    /// Creates a description.
    public init(backend: String, network: Network?, nodeID: String?, alias: String?, supports: Capabilities) {
        self.backend = backend
        self.network = network
        self.nodeID = nodeID
        self.alias = alias
        self.supports = supports
    }
}
