import CSecp256k1
import Crypto

/// Builds and signs BOLT 11 invoices in tests, so each rule can be checked on an invoice that breaks only it.
///
/// Signs with the BOLT 11 examples' private key unless told otherwise. Its Bech32 encoder is its own, not
/// `DropboltLightning`'s, so invoices made here check the decoder instead of echoing it.
///
/// ```swift
/// let signer = InvoiceSigner()
/// let invoice = signer.invoice(hrp: "lnbc10u", fields: InvoiceSigner.basicFields + [.integer("x", 60)])
/// ```
public struct InvoiceSigner: Sendable {
    /// A tagged field: its type character and its 5-bit data words.
    public struct Field: Sendable, Hashable {
        /// The field's type as its Bech32 character, e.g. `p` for the payment hash.
        public var type: Character
        /// The field's data as 5-bit words.
        public var words: [UInt8]

        /// Creates a field from raw words (e.g. to break the padding or the length on purpose).
        public init(type: Character, words: [UInt8]) {
            self.type = type
            self.words = words
        }

        /// A field holding bytes, zero-filled to whole words.
        public static func bytes(_ type: Character, _ bytes: [UInt8]) -> Field {
            Field(type: type, words: InvoiceSigner.words(fromBytes: bytes))
        }

        /// A field holding UTF-8 text.
        public static func text(_ type: Character, _ text: String) -> Field {
            bytes(type, Array(text.utf8))
        }

        /// A big-endian integer in the fewest words (none for zero).
        public static func integer(_ type: Character, _ value: Int64) -> Field {
            var words: [UInt8] = []
            var rest = value
            while rest > 0 {
                words.insert(UInt8(rest & 31), at: 0)
                rest >>= 5
            }
            return Field(type: type, words: words)
        }

        /// A `9` field with the given bits set, in the fewest words.
        public static func features(_ bits: [Int]) -> Field {
            let count = (bits.max() ?? -1) / 5 + 1
            var words = [UInt8](repeating: 0, count: count)
            for bit in bits {
                words[count - 1 - bit / 5] |= 1 << UInt8(bit % 5)
            }
            return Field(type: "9", words: words)
        }
    }

    /// The private key of the BOLT 11 examples.
    public static let specPrivateKey = TestHex.bytes("e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734")
    /// The node ID (compressed public key, hex) of ``specPrivateKey``.
    public static let specPayeeHex = "03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad"
    /// The payment hash of the BOLT 11 examples.
    public static let paymentHash = TestHex.bytes("0001020304050607080900010203040506070809000102030405060708090102")
    /// The payment secret used by ``basicFields``.
    public static let paymentSecret = [UInt8](repeating: 0x11, count: 32)
    /// The timestamp of the BOLT 11 examples (2017-06-01), the default for ``invoice(hrp:timestamp:fields:tamper:)``.
    public static let timestamp: Int64 = 1_496_314_658

    /// The fields every valid invoice needs: `p`, `s` and `d`.
    public static let basicFields: [Field] = [
        .bytes("p", paymentHash), .bytes("s", paymentSecret), .text("d", "coffee"),
    ]

    /// The 32-byte secp256k1 key that signs.
    public var privateKey: [UInt8] = Self.specPrivateKey

    /// Creates a signer; the default key is ``specPrivateKey``.
    public init(privateKey: [UInt8] = Self.specPrivateKey) {
        self.privateKey = privateKey
    }

    /// How to spoil the signature after signing.
    public enum Tamper: Sendable, Hashable {
        case none
        /// Replace S with n − S and flip the recovery id's parity: the same key, but a non-canonical signature.
        case highS
        /// Put this value in the recovery-id byte.
        case recoveryID(UInt8)
    }

    /// The node ID for ``privateKey``, as hex.
    public var publicKeyHex: String {
        let context = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE))!
        defer { secp256k1_context_destroy(context) }
        var publicKey = secp256k1_pubkey()
        precondition(secp256k1_ec_pubkey_create(context, &publicKey, privateKey) == 1)
        var serialized = [UInt8](repeating: 0, count: 33)
        var length = 33
        _ = secp256k1_ec_pubkey_serialize(context, &serialized, &length, &publicKey, UInt32(SECP256K1_EC_COMPRESSED))
        return TestHex.string(serialized)
    }

    /// Encodes and signs an invoice.
    public func invoice(
        hrp: String = "lnbc2500u",
        timestamp: Int64 = Self.timestamp,
        fields: [Field] = Self.basicFields,
        tamper: Tamper = .none
    ) -> String {
        var words: [UInt8] = (0..<7).reversed().map { UInt8((timestamp >> Int64($0 * 5)) & 31) }
        for field in fields {
            let type = UInt8(Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l").firstIndex(of: field.type)!)
            words += [type, UInt8(field.words.count >> 5), UInt8(field.words.count & 31)] + field.words
        }
        let message = Array(hrp.utf8) + Self.regroup(words, fromBits: 5, toBits: 8)
        let hash = Array(SHA256.hash(data: message))

        let context = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE))!
        defer { secp256k1_context_destroy(context) }
        var signature = secp256k1_ecdsa_recoverable_signature()
        precondition(secp256k1_ecdsa_sign_recoverable(context, &signature, hash, privateKey, nil, nil) == 1)
        var compact = [UInt8](repeating: 0, count: 64)
        var recoveryID: Int32 = 0
        _ = secp256k1_ecdsa_recoverable_signature_serialize_compact(context, &compact, &recoveryID, &signature)
        var recoveryByte = UInt8(recoveryID)
        switch tamper {
        case .none:
            break
        case .highS:
            compact.replaceSubrange(32..<64, with: Self.negateModOrder(Array(compact[32..<64])))
            recoveryByte ^= 1
        case .recoveryID(let value):
            recoveryByte = value
        }
        words += Self.words(fromBytes: compact + [recoveryByte])
        return Self.bech32(humanReadablePart: hrp, words: words)
    }

    /// n − value for the secp256k1 group order n, big-endian.
    public static func negateModOrder(_ value: [UInt8]) -> [UInt8] {
        let order = TestHex.bytes("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
        var result = [UInt8](repeating: 0, count: 32)
        var borrow = 0
        for index in (0..<32).reversed() {
            var difference = Int(order[index]) - Int(value[index]) - borrow
            borrow = difference < 0 ? 1 : 0
            if difference < 0 { difference += 256 }
            result[index] = UInt8(difference)
        }
        return result
    }

    // MARK: - Bech32 (BIP 173), kept private to this signer

    private static let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l")

    /// Bytes as 5-bit words, the last word zero-filled.
    static func words(fromBytes bytes: [UInt8]) -> [UInt8] {
        regroup(bytes, fromBits: 8, toBits: 5)
    }

    /// Regroups a big-endian bit stream, zero-filling the last group (what BOLT 11 does for data and hashing).
    private static func regroup(_ values: [UInt8], fromBits: Int, toBits: Int) -> [UInt8] {
        var accumulator: UInt32 = 0
        var bitCount = 0
        let mask: UInt32 = (1 << UInt32(toBits)) - 1
        var output: [UInt8] = []
        for value in values {
            accumulator = (accumulator << UInt32(fromBits)) | UInt32(value)
            bitCount += fromBits
            while bitCount >= toBits {
                bitCount -= toBits
                output.append(UInt8((accumulator >> UInt32(bitCount)) & mask))
            }
            accumulator &= (1 << UInt32(bitCount)) - 1
        }
        if bitCount > 0 { output.append(UInt8((accumulator << UInt32(toBits - bitCount)) & mask)) }
        return output
    }

    /// `hrp` + `1` + words + the 6-word checksum, lower case.
    private static func bech32(humanReadablePart hrp: String, words: [UInt8]) -> String {
        let hrpBytes = Array(hrp.lowercased().utf8)
        let expanded = hrpBytes.map { $0 >> 5 } + [0] + hrpBytes.map { $0 & 31 }
        let polymod = polymod(expanded + words + [0, 0, 0, 0, 0, 0]) ^ 1
        let checksum = (0..<6).map { UInt8((polymod >> UInt32(5 * (5 - $0))) & 31) }
        return hrp.lowercased() + "1" + String((words + checksum).map { charset[Int($0)] })
    }

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
        var checksum: UInt32 = 1
        for value in values {
            let top = checksum >> 25
            checksum = ((checksum & 0x1ff_ffff) << 5) ^ UInt32(value)
            for index in 0..<5 where (top >> UInt32(index)) & 1 == 1 { checksum ^= generator[index] }
        }
        return checksum
    }
}

/// Hex helpers for tests.
public enum TestHex {
    /// The bytes of an even-length hex string; traps on anything else (test input is trusted).
    public static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        precondition(digits.count % 2 == 0, "odd-length hex")
        return stride(from: 0, to: digits.count, by: 2).map {
            UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
        }
    }

    /// Lower-case hex of `bytes`.
    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
