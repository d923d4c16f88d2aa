/// The file format of an edited image.
public enum ImageFormat: String, Sendable, Codable, CaseIterable {
    /// JPEG, the provider's default.
    case jpg
    /// PNG, for transparency.
    case png
    /// WebP.
    case webp
}
