extension FakeSats4AI {
    /// The paid sats4ai endpoints the fake serves.
    public enum Endpoint: String, Sendable, Hashable, CaseIterable {
        /// `POST /api/l402/image-edit`.
        case imageEdit = "/api/l402/image-edit"
        /// `POST /api/l402/analyze-image`.
        case analyzeImage = "/api/l402/analyze-image"

        /// The path, starting with `/`.
        public var path: String { rawValue }
    }
}
