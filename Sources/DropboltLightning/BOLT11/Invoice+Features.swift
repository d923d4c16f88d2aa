extension Invoice {
    /// Compulsory (even) feature bits that may appear in an invoice and that payers today understand
    /// (BOLT 9, context `9`): `var_onion_optin` 8, `payment_secret` 14, `basic_mpp` 16, `option_route_blinding`
    /// 24, `option_payment_metadata` 48. Any other even bit set means "you must understand X to pay me", so
    /// the invoice is refused; odd bits are optional and ignored.
    static let knownCompulsoryFeatureBits: Set<Int> = [8, 14, 16, 24, 48]

    /// Whether feature bit `bit` (BOLT 9 numbering, 0 = least significant) is set in ``features``.
    ///
    /// To ask whether a feature is offered in either form, check both its even and odd bit.
    public func hasFeature(_ bit: Int) -> Bool {
        guard let features, bit >= 0 else { return false }
        let byteIndex = features.count - 1 - bit / 8
        guard byteIndex >= 0 else { return false }
        return features[byteIndex] >> UInt8(bit % 8) & 1 == 1
    }

    /// The numbers of the bits set in a big-endian feature field of 5-bit words, lowest first.
    static func featureBits(fromWords words: [UInt8]) -> [Int] {
        var bits: [Int] = []
        for (offset, word) in words.reversed().enumerated() {
            for position in 0..<5 where word >> UInt8(position) & 1 == 1 {
                bits.append(offset * 5 + position)
            }
        }
        return bits
    }

    /// A feature field of 5-bit words as big-endian bytes, bit 0 in the last byte's least significant bit.
    static func featureBytes(fromWords words: [UInt8]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: (words.count * 5 + 7) / 8)
        for bit in featureBits(fromWords: words) {
            bytes[bytes.count - 1 - bit / 8] |= 1 << UInt8(bit % 8)
        }
        return bytes
    }

    /// Fails when an unknown even (compulsory) bit is set, naming all of them.
    static func checkFeatures(_ words: [UInt8]) throws(InvoiceError) {
        let unknown = featureBits(fromWords: words).filter { $0 % 2 == 0 && !knownCompulsoryFeatureBits.contains($0) }
        guard !unknown.isEmpty else { return }
        let list = unknown.map(String.init).joined(separator: ", ")
        throw .unknownRequiredFeature("the invoice requires feature bits dropbolt does not know: \(list)")
    }
}
