extension FakeSats4AI {
    /// A broken 402 challenge for ``FakeSats4AI/overrideNextChallenge(_:)``: the client must refuse to pay it.
    ///
    /// The signed invoices come from ``InvoiceSigner`` (a node LNbits does not know) with a fresh random payment
    /// hash and payment secret, so LNbits could not pay them even if the client tried.
    public enum ChallengeFault: Sendable, Hashable {
        /// A signed invoice without an amount (`lnbc1…`).
        case amountless
        /// A signed invoice for zero (`lnbc0n1…`).
        case zeroAmount
        /// A signed invoice with the right amount that expired an hour ago (timestamp 2 h ago, expiry 1 h).
        case expired
        /// `invoice="…"` holds text that is not BOLT 11 at all.
        case notBOLT11
        /// A real LNbits invoice (payable) for this many sats instead of the configured price.
        case price(sats: Int)
        /// A header without the `invoice` parameter: `L402 token="…", macaroon="…"`.
        case malformedHeader
        /// A validly signed invoice with the right amount from a foreign node: LNbits answers 520 "Only internal
        /// invoices can be used!" when asked to pay it.
        case foreignInvoice
    }
}
