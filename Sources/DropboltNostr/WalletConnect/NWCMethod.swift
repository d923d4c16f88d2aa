/// The NIP-47 methods dropbolt calls.
public enum NWCMethod: String, Sendable, Hashable, CaseIterable {
    /// Pay a BOLT11 invoice; the answer carries the preimage.
    case payInvoice = "pay_invoice"
    /// Look a payment up by payment hash (crash recovery).
    case lookupInvoice = "lookup_invoice"
    /// The spendable balance in msat.
    case getBalance = "get_balance"
    /// The wallet's alias, node key, network and supported methods.
    case getInfo = "get_info"
}
