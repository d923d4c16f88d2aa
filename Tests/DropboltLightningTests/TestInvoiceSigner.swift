import CSecp256k1
import Crypto
import DropboltLightning

/// Builds and signs BOLT 11 invoices in tests, so each rule can be checked on an invoice that breaks only it.
///
/// Signs with the BOLT 11 examples' private key unless told otherwise.
struct TestInvoiceSigner {
    /// A tagged field: its type character and its 5-bit data words.
    struct Field {
        var type: Character
        var words: [UInt8]

        static func bytes(_ type: Character, _ bytes: [UInt8]) -> Field {
            Field(type: type, words: Bech32.words(fromBytes: bytes))
        }

        static func text(_ type: Character, _ text: String) -> Field {
            bytes(type, Array(text.utf8))
        }

        /// A big-endian integer in the fewest words (none for zero).
        static func integer(_ type: Character, _ value: Int64) -> Field {
            var words: [UInt8] = []
            var rest = value
            while rest > 0 {
                words.insert(UInt8(rest & 31), at: 0)
                rest >>= 5
            }
            return Field(type: type, words: words)
        }

        /// A `9` field with the given bits set, in the fewest words.
        static func features(_ bits: [Int]) -> Field {
            let count = (bits.max() ?? -1) / 5 + 1
            var words = [UInt8](repeating: 0, count: count)
            for bit in bits {
                words[count - 1 - bit / 5] |= 1 << UInt8(bit % 5)
            }
            return Field(type: "9", words: words)
        }
    }

    static let specPrivateKey = TestHex.bytes("e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734")
    static let specPayeeHex = "03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad"
    static let paymentHash = TestHex.bytes("0001020304050607080900010203040506070809000102030405060708090102")
    static let paymentSecret = [UInt8](repeating: 0x11, count: 32)
    static let timestamp: Int64 = 1_496_314_658

    /// The fields every valid invoice needs: `p`, `s` and `d`.
    static let basicFields: [Field] = [
        .bytes("p", paymentHash), .bytes("s", paymentSecret), .text("d", "coffee"),
    ]

    var privateKey: [UInt8] = Self.specPrivateKey

    /// How to spoil the signature after signing.
    enum Tamper {
        case none
        /// Replace S with n − S and flip the recovery id's parity: the same key, but a non-canonical signature.
        case highS
        /// Put this value in the recovery-id byte.
        case recoveryID(UInt8)
    }

    /// The node ID for ``privateKey``, as hex.
    var publicKeyHex: String {
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
    func invoice(
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
        let message = Array(hrp.utf8) + Bech32.regroup(words, fromBits: 5, toBits: 8, padding: .zeroFill)!
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
        words += Bech32.words(fromBytes: compact + [recoveryByte])
        return Bech32.encode(humanReadablePart: hrp, words: words)
    }

    /// n − value for the secp256k1 group order n, big-endian.
    static func negateModOrder(_ value: [UInt8]) -> [UInt8] {
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
}

/// Hex helpers for tests.
enum TestHex {
    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        precondition(digits.count % 2 == 0, "odd-length hex")
        return stride(from: 0, to: digits.count, by: 2).map {
            UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
        }
    }

    static func string(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
