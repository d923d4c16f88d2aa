/// The `result` of `pay_invoice`.
public struct NWCPayResult: Sendable, Hashable, Decodable {
    /// The preimage, hex.
    public let preimage: String
    /// Routing fees in msat, when reported.
    public let feesPaid: Int64?

    private enum CodingKeys: String, CodingKey {
        case preimage
        case feesPaid = "fees_paid"
    }
}

/// The `result` of `get_balance`.
public struct NWCBalanceResult: Sendable, Hashable, Decodable {
    /// The balance in msat.
    public let balance: Int64
}

/// The `result` of `get_info`; every field is optional in practice.
public struct NWCInfoResult: Sendable, Hashable, Decodable {
    /// The node's alias.
    public let alias: String?
    /// The node's public key, hex.
    public let pubkey: String?
    /// `mainnet`, `testnet`, `signet` or `regtest`.
    public let network: String?
    /// The methods this connection may call.
    public let methods: [String]?
}

/// A transaction as `lookup_invoice` reports it.
public struct NWCTransaction: Sendable, Hashable, Decodable {
    /// `incoming` or `outgoing`.
    public let type: String?
    /// `pending`, `settled`, `expired`, `failed` or `accepted`; older wallets leave it out.
    public let state: String?
    /// The preimage, hex; present once settled.
    public let preimage: String?
    /// The payment hash, hex.
    public let paymentHash: String?
    /// Amount in msat.
    public let amount: Int64?
    /// Fees in msat.
    public let feesPaid: Int64?
    /// Unix seconds when it settled; older wallets mark settlement only this way.
    public let settledAt: Int64?

    private enum CodingKeys: String, CodingKey {
        case type, state, preimage, amount
        case paymentHash = "payment_hash"
        case feesPaid = "fees_paid"
        case settledAt = "settled_at"
    }
}
