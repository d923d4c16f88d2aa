extension DropboltConfiguration {
    /// The paid image API (sats4ai) to call.
    public struct Provider: Sendable {
        /// Base URL without a trailing slash; https, or http only to loopback. Default `https://sats4ai.com`.
        public var url: String
        /// Timeout for one request, in seconds (1...3600). Default 120.
        public var timeoutSeconds: Int

        /// Creates provider settings; the defaults point at sats4ai.com.
        public init(url: String = "https://sats4ai.com", timeoutSeconds: Int = 120) {
            self.url = url
            self.timeoutSeconds = timeoutSeconds
        }
    }
}
