import Foundation

extension FakeSats4AI {
    /// One request the fake received on a paid endpoint, recorded after it was answered.
    public struct ReceivedRequest: Sendable, Hashable {
        /// Which endpoint it was sent to.
        public var endpoint: Endpoint
        /// Whether it carried an `Authorization` header.
        public var hadAuthorization: Bool
        /// SHA-256 of the body bytes, lower-case hex.
        public var bodySHA256: String
        /// The HTTP status the fake answered.
        public var status: Int
        /// When it arrived.
        public var time: Date
    }
}
