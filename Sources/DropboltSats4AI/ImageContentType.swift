/// The kind of an image file, recognised by its first bytes (never by its name).
///
/// ```swift
/// guard let type = ImageContentType.detect(bytes) else { /* this job fails: not an image we can send */ }
/// type.mimeType  // "image/png"
/// ```
public enum ImageContentType: String, Sendable, Hashable, CaseIterable {
    /// JPEG: `FF D8 FF`.
    case jpeg
    /// PNG: `89 50 4E 47 0D 0A 1A 0A`.
    case png
    /// WebP: `RIFF` <size> `WEBP`.
    case webp
    /// GIF: `GIF87a` or `GIF89a`.
    case gif
    /// HEIC: an ISO-BMFF `ftyp` box with the major brand `heic` or `heix`.
    case heic
    /// Other HEIF: an `ftyp` box with the major brand `mif1` or `msf1`.
    case heif

    /// The media type used in the `data:` prefix, e.g. `image/jpeg`.
    public var mimeType: String { "image/\(rawValue)" }

    /// The usual file extension, without the dot (`jpg` for JPEG).
    public var fileExtension: String { self == .jpeg ? "jpg" : rawValue }

    /// The type whose signature starts `bytes`, or nil when none does (a corrupt or unsupported file).
    public static func detect(_ bytes: [UInt8]) -> ImageContentType? {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: Array("GIF87a".utf8)) || bytes.starts(with: Array("GIF89a".utf8)) { return .gif }
        if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), bytes[8..<12].elementsEqual("WEBP".utf8) {
            return .webp
        }
        if bytes.count >= 12, bytes[4..<8].elementsEqual("ftyp".utf8) {
            switch String(decoding: bytes[8..<12], as: UTF8.self) {
            case "heic", "heix": return .heic
            case "mif1", "msf1": return .heif
            default: return nil
            }
        }
        return nil
    }
}
