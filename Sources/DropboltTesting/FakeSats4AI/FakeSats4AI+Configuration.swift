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
        /// Fraction (0…1) of correctly paid requests answered with a generic HTTP 500 `SERVICE_ERROR` (no refund
        /// offered) instead of the result, chosen at random: ``PaidFault/status(_:)`` with 500, so the token is
        /// **not** consumed and a retry with the same credential and body can succeed. 0 (the default) never.
        /// Each such answer counts in ``FakeSats4AI/injectedPaidFailures``.
        public var paidFailureRate: Double
        /// Seed of the random choice behind ``paidFailureRate`` (the same seed gives the same sequence of choices).
        public var faultSeed: UInt64
        /// Whether `GET /api/estimate-cost` answers (false: 404, so a client must fall back to a first invoice).
        public var estimateAvailable: Bool

        /// Creates a configuration; the defaults are sats4ai's documented values and no random faults.
        public init(
            editPriceSats: Int = 300,
            analyzePriceSats: Int = 21,
            invoiceExpirySeconds: Int = 600,
            tokenValiditySeconds: Double = 600,
            paidFailureRate: Double = 0,
            faultSeed: UInt64 = 0,
            estimateAvailable: Bool = true
        ) {
            self.editPriceSats = editPriceSats
            self.analyzePriceSats = analyzePriceSats
            self.invoiceExpirySeconds = invoiceExpirySeconds
            self.tokenValiditySeconds = tokenValiditySeconds
            self.paidFailureRate = paidFailureRate
            self.faultSeed = faultSeed
            self.estimateAvailable = estimateAvailable
        }
    }
}
