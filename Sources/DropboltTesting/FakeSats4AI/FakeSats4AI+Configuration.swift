extension FakeSats4AI {
    /// Prices and time limits of a ``FakeSats4AI``.
    public struct Configuration: Sendable, Hashable {
        /// Price of one `image-edit` call in sats (sats4ai quotes 200–450).
        public var editPriceSats: Int
        /// Price of one `analyze-image` call in sats (sats4ai quotes 21).
        public var analyzePriceSats: Int
        /// Expiry (`x`) of the invoices created on LNbits, in seconds.
        public var invoiceExpirySeconds: Int
        /// How long a token is accepted after its 402, in seconds (sats4ai: 10 minutes). 0 makes every token
        /// expired at once, to test expiry without waiting.
        public var tokenValiditySeconds: Double

        /// Creates a configuration; the defaults are sats4ai's documented values.
        public init(
            editPriceSats: Int = 300,
            analyzePriceSats: Int = 21,
            invoiceExpirySeconds: Int = 600,
            tokenValiditySeconds: Double = 600
        ) {
            self.editPriceSats = editPriceSats
            self.analyzePriceSats = analyzePriceSats
            self.invoiceExpirySeconds = invoiceExpirySeconds
            self.tokenValiditySeconds = tokenValiditySeconds
        }
    }
}
