extension DropboltConfiguration {
    /// Global spending limits in satoshis; an invoice that would break one is refused before paying.
    public struct Budget: Sendable {
        /// Largest invoice accepted for one image. Default 1000.
        public var maxSatsPerImage: Int64
        /// Most that may be spent per calendar day. Default 10000.
        public var dailySats: Int64
        /// Most that may be spent per calendar month. Default 100000.
        public var monthlySats: Int64

        /// Creates limits; the defaults are deliberately small.
        public init(maxSatsPerImage: Int64 = 1000, dailySats: Int64 = 10000, monthlySats: Int64 = 100_000) {
            self.maxSatsPerImage = maxSatsPerImage
            self.dailySats = dailySats
            self.monthlySats = monthlySats
        }
    }
}
