/// Writes a flat JSON object of strings in one fixed byte form.
///
/// The paid retry must send the very bytes that were spooled before the first POST (sats4ai rejects a payload
/// that differs), so the encoding is ours rather than `JSONEncoder`'s, whose output has changed between
/// Foundation implementations (slash escaping, key order, number and Unicode forms):
/// - keys sorted by their UTF-8 bytes; no whitespace;
/// - strings escaped minimally (RFC 8259 §7): `"` and `\` with a backslash, `\b \f \n \r \t` in short form, other
///   control characters as `\u00xx`; `/` and all non-ASCII characters are written as they are, in UTF-8.
enum CanonicalJSON {
    /// A member's value: text, or an image file written as a base64 `data:` URL without an intermediate string.
    enum Value {
        /// Any text, escaped as above.
        case text(String)
        /// `data:<mimeType>;base64,<base64 of bytes>`; the media type must be plain ASCII such as `image/png`.
        case dataURL(mimeType: String, bytes: [UInt8])
        /// `data:<mimeType>;base64,` and the closing quote, with the base64 left to the caller (``frame(_:)``).
        case streamedDataURL(mimeType: String)

        /// Bytes this value takes in the output, quotes included (a lower bound for text that needs escapes).
        fileprivate var encodedCountEstimate: Int {
            switch self {
            case .text(let text): return text.utf8.count + 2
            case .dataURL(let mimeType, let bytes):
                return 15 + mimeType.utf8.count + Base64.encodedCount(of: bytes.count)
            case .streamedDataURL(let mimeType): return 15 + mimeType.utf8.count
            }
        }
    }

    /// The object `{ "key": "value", … }` for the given members; keys must be distinct.
    static func object(_ members: [(key: String, value: String)]) -> [UInt8] {
        object(members.map { (key: $0.key, value: Value.text($0.value)) })
    }

    /// The object `{ "key": value, … }` for the given members; keys must be distinct.
    static func object(_ members: [(key: String, value: Value)]) -> [UInt8] {
        write(members).bytes
    }

    /// The object cut where the base64 of its one ``Value/streamedDataURL(mimeType:)`` member goes.
    static func frame(_ members: [(key: String, value: Value)]) -> RequestBodyFrame {
        let (bytes, cut) = write(members)
        guard let cut else { preconditionFailure("a request body frame needs a streamed image member") }
        return RequestBodyFrame(prefix: Array(bytes[..<cut]), suffix: Array(bytes[cut...]))
    }

    /// The object's bytes, and where the base64 of a streamed member would be inserted.
    private static func write(_ members: [(key: String, value: Value)]) -> (bytes: [UInt8], cut: Int?) {
        var cut: Int?
        let sorted = members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        var output: [UInt8] = [UInt8(ascii: "{")]
        output.reserveCapacity(members.reduce(2) { $0 + $1.key.utf8.count + $1.value.encodedCountEstimate + 4 })
        for (position, member) in sorted.enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            appendString(member.key, to: &output)
            output.append(UInt8(ascii: ":"))
            switch member.value {
            case .text(let text):
                appendString(text, to: &output)
            case .dataURL(let mimeType, let bytes):
                // Neither the ASCII media type nor the base64 alphabet has a character JSON must escape.
                output.append(contentsOf: "\"data:\(mimeType);base64,".utf8)
                Base64.append(bytes, to: &output)
                output.append(UInt8(ascii: "\""))
            case .streamedDataURL(let mimeType):
                output.append(contentsOf: "\"data:\(mimeType);base64,".utf8)
                cut = output.count
                output.append(UInt8(ascii: "\""))
            }
        }
        output.append(UInt8(ascii: "}"))
        return (output, cut)
    }

    private static func appendString(_ string: String, to output: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        output.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                output.append(contentsOf: Array("\\u00".utf8))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            default:
                output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
