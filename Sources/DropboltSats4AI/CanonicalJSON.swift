/// Writes a flat JSON object of strings in one fixed byte form.
///
/// The paid retry must send the very bytes that were spooled before the first POST (sats4ai rejects a payload
/// that differs), so the encoding is ours rather than `JSONEncoder`'s, whose output has changed between
/// Foundation implementations (slash escaping, key order, number and Unicode forms):
/// - keys sorted by their UTF-8 bytes; no whitespace;
/// - strings escaped minimally (RFC 8259 §7): `"` and `\` with a backslash, `\b \f \n \r \t` in short form, other
///   control characters as `\u00xx`; `/` and all non-ASCII characters are written as they are, in UTF-8.
enum CanonicalJSON {
    /// The object `{ "key": "value", … }` for the given members; keys must be distinct.
    static func object(_ members: [(key: String, value: String)]) -> [UInt8] {
        let sorted = members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        var output: [UInt8] = [UInt8(ascii: "{")]
        output.reserveCapacity(members.reduce(2) { $0 + $1.key.utf8.count + $1.value.utf8.count + 6 })
        for (position, member) in sorted.enumerated() {
            if position > 0 { output.append(UInt8(ascii: ",")) }
            appendString(member.key, to: &output)
            output.append(UInt8(ascii: ":"))
            appendString(member.value, to: &output)
        }
        output.append(UInt8(ascii: "}"))
        return output
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
