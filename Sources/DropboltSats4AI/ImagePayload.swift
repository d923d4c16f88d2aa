/// The image of a request: base64 text given by the caller, or a file's bytes encoded only into the body.
enum ImagePayload: Sendable, Hashable {
    /// Base64, raw or as a `data:` URL, exactly as given.
    case text(String)
    /// An image file's bytes and detected media type; base64-encoded straight into the JSON body.
    case file(bytes: [UInt8], mimeType: String)
    /// An image file streamed into the body by the caller (see ``RequestBodyFrame``); only its type is known here.
    case streamed(mimeType: String)

    /// The image as it is sent: the text, or the file's `data:` URL (built on demand); empty when streamed.
    var text: String {
        switch self {
        case .text(let text): return text
        case .file(let bytes, let mimeType): return DataURL.encode(bytes, mimeType: mimeType)
        case .streamed: return ""
        }
    }

    /// True when there is nothing to send.
    var isEmpty: Bool {
        switch self {
        case .text(let text): return text.isEmpty
        case .file(let bytes, _): return bytes.isEmpty
        case .streamed: return false
        }
    }

    /// The member value for ``CanonicalJSON``.
    var jsonValue: CanonicalJSON.Value {
        switch self {
        case .text(let text): return .text(text)
        case .file(let bytes, let mimeType): return .dataURL(mimeType: mimeType, bytes: bytes)
        case .streamed(let mimeType): return .streamedDataURL(mimeType: mimeType)
        }
    }
}
