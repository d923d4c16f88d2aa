/// Bech32 (BIP-173) strings: decoding with checksum verification, encoding, and 5-bit/8-bit regrouping.
///
/// Unlike BIP-173 there is no 90-character limit, because BOLT 11 invoices are longer. Everything else is as
/// specified: the separator is the last `1`, the human-readable part is 1 to 83 characters in the range
/// 33…126, the data part uses the 32-character alphabet and ends in a 6-character checksum, and a string may
/// be all lower case or all upper case but not mixed. Only the original Bech32 checksum constant (1) is
/// accepted, not Bech32m.
///
/// ```swift
/// let decoded = try Bech32.decode("A12UEL5L")
/// decoded.humanReadablePart   // "a"
/// decoded.words               // []
/// ```
public enum Bech32 {
    /// The result of ``Bech32/decode(_:)``.
    public struct Decoded: Sendable, Hashable {
        /// The human-readable part, lower-cased.
        public var humanReadablePart: String
        /// The data part as 5-bit words (each 0…31), without the checksum.
        public var words: [UInt8]

        /// Creates a decoded value from its parts.
        public init(humanReadablePart: String, words: [UInt8]) {
            self.humanReadablePart = humanReadablePart
            self.words = words
        }
    }

    /// The data-part alphabet; a character's index is its 5-bit value.
    static let alphabet: [UInt8] = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)

    /// Maps an ASCII byte (lower case) to its 5-bit value, or -1 when it is not in the alphabet.
    static let reverseAlphabet: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (value, character) in alphabet.enumerated() {
            table[Int(character)] = Int8(value)
        }
        return table
    }()

    static let checksumLength = 6
    static let maximumHumanReadablePartLength = 83

    /// Decodes a Bech32 string and verifies its checksum.
    ///
    /// - Parameter string: The whole string, in one case.
    /// - Returns: The human-readable part (lower case) and the data words without the checksum.
    /// - Throws: ``Bech32Error`` when the string is malformed or the checksum does not match.
    public static func decode(_ string: String) throws(Bech32Error) -> Decoded {
        let bytes = Array(string.utf8)
        var hasLower = false
        var hasUpper = false
        for byte in bytes {
            guard byte >= 33, byte <= 126 else {
                throw .invalidCharacter("byte 0x\(String(byte, radix: 16)) is outside the printable ASCII range")
            }
            if byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") { hasLower = true }
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { hasUpper = true }
        }
        guard !(hasLower && hasUpper) else {
            throw .mixedCase("the string mixes upper- and lower-case letters")
        }
        let lowered = bytes.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }
        guard let separator = lowered.lastIndex(of: UInt8(ascii: "1")) else {
            throw .missingSeparator("there is no '1' separating the human-readable part from the data")
        }
        let humanReadablePart = Array(lowered[..<separator])
        guard !humanReadablePart.isEmpty, humanReadablePart.count <= maximumHumanReadablePartLength else {
            throw .invalidHumanReadablePart(
                "the human-readable part has \(humanReadablePart.count) characters; 1 to 83 are allowed"
            )
        }
        let dataCharacters = lowered[(separator + 1)...]
        guard dataCharacters.count >= checksumLength else {
            throw .tooShort("the data part has \(dataCharacters.count) characters, fewer than the 6-character checksum")
        }
        var words: [UInt8] = []
        words.reserveCapacity(dataCharacters.count)
        for character in dataCharacters {
            let value = reverseAlphabet[Int(character)]
            guard value >= 0 else {
                throw .invalidCharacter("'\(Character(Unicode.Scalar(character)))' is not a Bech32 data character")
            }
            words.append(UInt8(value))
        }
        guard polymod(humanReadablePart: humanReadablePart, words: words) == 1 else {
            throw .invalidChecksum("the Bech32 checksum does not match")
        }
        words.removeLast(checksumLength)
        return Decoded(humanReadablePart: String(decoding: humanReadablePart, as: UTF8.self), words: words)
    }

    /// Encodes a human-readable part and 5-bit words as a lower-case Bech32 string with checksum.
    ///
    /// - Parameters:
    ///   - humanReadablePart: 1 to 83 printable ASCII characters; it is lower-cased.
    ///   - words: Data as 5-bit words; each must be below 32.
    /// - Returns: `hrp` + `1` + data + checksum.
    public static func encode(humanReadablePart: String, words: [UInt8]) -> String {
        precondition(words.allSatisfy { $0 < 32 }, "Bech32 words must be 5-bit values")
        let hrp = Array(humanReadablePart.lowercased().utf8)
        let checksumInput = words + [UInt8](repeating: 0, count: checksumLength)
        let residue = polymod(humanReadablePart: hrp, words: checksumInput) ^ 1
        var output = hrp
        output.append(UInt8(ascii: "1"))
        output.append(contentsOf: words.map { alphabet[Int($0)] })
        for index in 0..<checksumLength {
            let shift = UInt32(5 * (checksumLength - 1 - index))
            output.append(alphabet[Int((residue >> shift) & 31)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The BCH checksum over the expanded human-readable part followed by the words (BIP-173).
    static func polymod(humanReadablePart: [UInt8], words: [UInt8]) -> UInt32 {
        let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
        var checksum: UInt32 = 1
        func step(_ value: UInt8) {
            let top = checksum >> 25
            checksum = (checksum & 0x1ff_ffff) << 5 ^ UInt32(value)
            for bit in 0..<5 where (top >> UInt32(bit)) & 1 == 1 {
                checksum ^= generator[bit]
            }
        }
        for byte in humanReadablePart { step(byte >> 5) }
        step(0)
        for byte in humanReadablePart { step(byte & 31) }
        for word in words { step(word) }
        return checksum
    }
}
