import Foundation

/// Base64 image text with or without a `data:<type>;base64,` prefix, as sats4ai sends and accepts it.
enum DataURL {
    /// `data:<mimeType>;base64,<standard padded base64 of bytes>`.
    static func encode(_ bytes: [UInt8], mimeType: String) -> String {
        var text = Array("data:\(mimeType);base64,".utf8)
        Base64.append(bytes, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// The bytes of `text`, which is raw base64 or a `data:` URL with `;base64`. Whitespace and line breaks are
    /// ignored, the URL-safe alphabet and missing padding are accepted.
    static func decode(_ text: String) throws(Sats4AIError) -> [UInt8] {
        var payload = Substring(text)
        if payload.prefix(5).lowercased() == "data:" {
            guard let comma = payload.firstIndex(of: ",") else {
                throw .badBase64("the data: URL has no ',' before its data")
            }
            guard payload[..<comma].lowercased().hasSuffix(";base64") else {
                throw .badBase64("the data: URL is not base64-encoded")
            }
            payload = payload[payload.index(after: comma)...]
        }
        var normalized = String(
            payload.unicodeScalars.compactMap { scalar -> Character? in
                switch scalar {
                case " ", "\t", "\n", "\r": nil
                case "-": "+"
                case "_": "/"
                default: Character(scalar)
                }
            })
        let remainder = normalized.utf8.count % 4
        if remainder != 0 { normalized += String(repeating: "=", count: 4 - remainder) }
        guard !normalized.isEmpty, let data = Data(base64Encoded: normalized) else {
            throw .badBase64("the image is not valid base64")
        }
        return [UInt8](data)
    }
}
