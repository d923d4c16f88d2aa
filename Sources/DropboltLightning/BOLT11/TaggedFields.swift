/// The tagged fields of an invoice's data part, reduced to what BOLT 11 readers use.
///
/// Follows the reader rules: the first valid field of each kind wins, unknown types are skipped, and `p`,
/// `h`, `s` or `n` fields without their fixed length (52, 52, 52, 53 words) are skipped, not fatal. (Newer
/// spec text says to fail on those, but the spec's own example "including fields which must be ignored" is
/// valid and carries such fields next to valid ones; an invoice whose only `p` or `s` has the wrong length
/// still fails, as a missing field.)
struct TaggedFields {
    var paymentHash: [UInt8]?
    var paymentSecret: [UInt8]?
    var description: String?
    var descriptionHash: [UInt8]?
    var payee: [UInt8]?
    var expirySeconds: Int64?
    var minFinalCLTVExpiry: Int64?
    var featureWords: [UInt8]?
    var metadata: [UInt8]?
    var fallbackAddresses: [[UInt8]] = []
    var routeHints: [[UInt8]] = []

    /// Field types: the 5-bit value of the field's Bech32 character.
    enum FieldType: UInt8 {
        case paymentHash = 1  // p
        case routeHint = 3  // r
        case features = 5  // 9
        case expiry = 6  // x
        case fallbackAddress = 9  // f
        case description = 13  // d
        case paymentSecret = 16  // s
        case payee = 19  // n
        case descriptionHash = 23  // h
        case minFinalCLTVExpiry = 24  // c
        case metadata = 27  // m
    }

    /// Parses the words between the timestamp and the signature.
    static func parse(_ words: ArraySlice<UInt8>) throws(InvoiceError) -> TaggedFields {
        var fields = TaggedFields()
        var index = words.startIndex
        while index < words.endIndex {
            guard words.endIndex - index >= 3 else {
                throw .truncatedField("\(words.endIndex - index) words left over where a field header needs 3")
            }
            let type = words[index]
            let length = Int(words[index + 1]) << 5 | Int(words[index + 2])
            let dataStart = index + 3
            guard length <= words.endIndex - dataStart else {
                throw .truncatedField(
                    "field type \(type) claims \(length) words but only \(words.endIndex - dataStart) remain"
                )
            }
            let data = words[dataStart..<(dataStart + length)]
            try fields.add(type: type, data: data)
            index = dataStart + length
        }
        return fields
    }

    private mutating func add(type: UInt8, data: ArraySlice<UInt8>) throws(InvoiceError) {
        guard let fieldType = FieldType(rawValue: type) else {
            return
        }
        switch fieldType {
        case .paymentHash:
            if paymentHash == nil, data.count == 52 { paymentHash = Self.bytes(data) }
        case .paymentSecret:
            if paymentSecret == nil, data.count == 52 { paymentSecret = Self.bytes(data) }
        case .descriptionHash:
            if descriptionHash == nil, data.count == 52 { descriptionHash = Self.bytes(data) }
        case .payee:
            if payee == nil, data.count == 53 { payee = Self.bytes(data) }
        case .description:
            guard description == nil else { return }
            guard let text = String(validating: Self.bytes(data), as: UTF8.self) else {
                throw .invalidDescription("the 'd' field is not valid UTF-8")
            }
            description = text
        case .expiry:
            if expirySeconds == nil { expirySeconds = try Self.integer(data, field: "x") }
        case .minFinalCLTVExpiry:
            if minFinalCLTVExpiry == nil { minFinalCLTVExpiry = try Self.integer(data, field: "c") }
        case .features:
            if featureWords == nil { featureWords = Array(data) }
        case .metadata:
            if metadata == nil { metadata = Self.bytes(data) }
        case .fallbackAddress:
            fallbackAddresses.append(Array(data))
        case .routeHint:
            routeHints.append(Array(data))
        }
    }

    /// Field data as bytes; the writer's zero padding is dropped unchecked (the signature covers it anyway).
    private static func bytes(_ data: ArraySlice<UInt8>) -> [UInt8] {
        // Discarding leftover bits cannot fail for 5-bit words.
        Bech32.regroup(data, fromBits: 5, toBits: 8, padding: .discard) ?? []
    }

    /// A big-endian unsigned integer spread over 5-bit words.
    private static func integer(_ data: ArraySlice<UInt8>, field: String) throws(InvoiceError) -> Int64 {
        var value: Int64 = 0
        for word in data {
            guard value <= Int64.max >> 5 else {
                throw .fieldOverflow("the '\(field)' field does not fit in 63 bits")
            }
            value = value << 5 | Int64(word)
        }
        return value
    }
}
