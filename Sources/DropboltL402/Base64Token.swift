/// Lenient base64 decoding for L402 tokens.
///
/// Servers differ: the spec says base64, Aperture sends standard padded base64, others omit the padding or use the
/// URL-safe alphabet (L402sdk and lnget accept all four). One token must use one alphabet.
enum Base64Token {
    /// The decoded bytes, or nil when `text` is not base64 in the standard or URL-safe alphabet, padded or not.
    static func decode(_ text: String) -> [UInt8]? {
        var input = Array(text.utf8)
        var padding = 0
        while let last = input.last, last == UInt8(ascii: "=") {
            input.removeLast()
            padding += 1
        }
        guard padding <= 2, !input.isEmpty, input.count % 4 != 1 else { return nil }
        if padding > 0, (input.count + padding) % 4 != 0 { return nil }

        var sawStandard = false
        var sawURLSafe = false
        var sextets: [UInt8] = []
        sextets.reserveCapacity(input.count)
        for byte in input {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): sextets.append(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): sextets.append(byte - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sextets.append(byte - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"): sawStandard = true; sextets.append(62)
            case UInt8(ascii: "/"): sawStandard = true; sextets.append(63)
            case UInt8(ascii: "-"): sawURLSafe = true; sextets.append(62)
            case UInt8(ascii: "_"): sawURLSafe = true; sextets.append(63)
            default: return nil
            }
        }
        guard !(sawStandard && sawURLSafe) else { return nil }

        var output: [UInt8] = []
        output.reserveCapacity(sextets.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for sextet in sextets {
            accumulator = (accumulator << 6) | UInt32(sextet)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return output
    }
}
