import Crypto
import Foundation
import _CryptoExtras

/// NIP-44 version 2 encryption: the payload format NWC requests and responses use when the wallet offers it.
///
/// A conversation key comes from unhashed ECDH and HKDF-extract; each message draws a 32-byte nonce, derives a
/// ChaCha20 key and nonce and an HMAC key from it, pads the plaintext to hide its length, and authenticates
/// `nonce ‖ ciphertext` with HMAC-SHA256. The payload is `base64(0x02 ‖ nonce ‖ ciphertext ‖ mac)`.
///
/// ```swift
/// let key = try NIP44.conversationKey(secret: mine, publicKey: theirs)
/// let payload = try NIP44.encrypt(#"{"method":"get_balance"}"#, conversationKey: key)
/// let text = try NIP44.decrypt(payload, conversationKey: key)
/// ```
public enum NIP44 {
    /// Why a payload could not be made or opened; never contains key material or plaintext.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong, in words.
        public let message: String
        init(_ message: String) { self.message = message }
        /// The message.
        public var description: String { "NIP-44: \(message)" }
    }

    /// The keys one message is sealed with, derived from the conversation key and the message's nonce.
    public struct MessageKeys: Sendable, Hashable {
        /// 32-byte ChaCha20 key.
        public let chachaKey: [UInt8]
        /// 12-byte ChaCha20 nonce.
        public let chachaNonce: [UInt8]
        /// 32-byte HMAC-SHA256 key.
        public let hmacKey: [UInt8]
    }

    private static let version: UInt8 = 2
    private static let minimumPlaintextLength = 1
    private static let maximumPlaintextLength = 65535
    private static let salt = Array("nip44-v2".utf8)

    /// The key two parties share: `HKDF-extract(SHA-256, IKM: shared x, salt: "nip44-v2")`; the same both ways.
    ///
    /// - Throws: ``NostrKeyError`` when the public key is not on the curve.
    public static func conversationKey(secret: NostrSecretKey, publicKey: NostrPublicKey) throws(NostrKeyError)
        -> [UInt8]
    {
        let sharedX = try Secp256k1.sharedX(secret: secret, publicKey: publicKey)
        let key = HKDF<SHA256>.extract(inputKeyMaterial: SymmetricKey(data: sharedX), salt: salt)
        return key.withUnsafeBytes { Array($0) }
    }

    /// The ChaCha20 key and nonce and the HMAC key for one message: `HKDF-expand(conversation key, nonce, 76)`.
    ///
    /// - Throws: ``Failure`` when the conversation key or nonce is not 32 bytes.
    public static func messageKeys(conversationKey: [UInt8], nonce: [UInt8]) throws(Failure) -> MessageKeys {
        guard conversationKey.count == 32 else { throw Failure("the conversation key must be 32 bytes") }
        guard nonce.count == 32 else { throw Failure("the nonce must be 32 bytes") }
        let expanded = HKDF<SHA256>.expand(
            pseudoRandomKey: SymmetricKey(data: conversationKey), info: nonce, outputByteCount: 76)
        let bytes = expanded.withUnsafeBytes { Array($0) }
        return MessageKeys(
            chachaKey: Array(bytes[0..<32]), chachaNonce: Array(bytes[32..<44]), hmacKey: Array(bytes[44..<76]))
    }

    /// The padded length for a plaintext of `length` bytes: at least 32, then steps that grow with the length so
    /// only a rough size leaks.
    public static func paddedLength(_ length: Int) -> Int {
        guard length > 32 else { return 32 }
        let nextPower = 1 << (Int.bitWidth - (length - 1).leadingZeroBitCount)
        let chunk = nextPower <= 256 ? 32 : nextPower / 8
        return chunk * ((length - 1) / chunk + 1)
    }

    /// Encrypts `plaintext` (1 to 65535 bytes of UTF-8) with a fresh random nonce.
    ///
    /// - Throws: ``Failure`` when the plaintext is empty or too long.
    public static func encrypt(_ plaintext: String, conversationKey: [UInt8]) throws(Failure) -> String {
        let nonce = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        return try encrypt(plaintext, conversationKey: conversationKey, nonce: nonce)
    }

    /// Encrypts `plaintext` with the given nonce (tests reproduce the vectors with it; real messages use
    /// ``encrypt(_:conversationKey:)``, because a nonce must never repeat under one conversation key).
    ///
    /// - Throws: ``Failure`` when the plaintext is empty or too long.
    public static func encrypt(_ plaintext: String, conversationKey: [UInt8], nonce: [UInt8]) throws(Failure) -> String
    {
        let keys = try messageKeys(conversationKey: conversationKey, nonce: nonce)
        let padded = try pad(Array(plaintext.utf8))
        let ciphertext = try chacha20(padded, keys: keys)
        let mac = authenticationCode(key: keys.hmacKey, nonce: nonce, ciphertext: ciphertext)
        return Data([version] + nonce + ciphertext + mac).base64EncodedString()
    }

    /// Decrypts a payload, checking its version, length, MAC (in constant time) and padding.
    ///
    /// - Throws: ``Failure`` when any check fails.
    public static func decrypt(_ payload: String, conversationKey: [UInt8]) throws(Failure) -> String {
        // 132 base64 characters: the smallest message (1 + 32 + 32 + 32 bytes); 87472: the largest.
        guard !payload.isEmpty else { throw Failure("empty payload") }
        guard !payload.hasPrefix("#") else { throw Failure("unknown encryption version") }
        guard (132...87472).contains(payload.utf8.count) else { throw Failure("invalid payload length") }
        guard let data = Data(base64Encoded: payload) else { throw Failure("invalid base64") }
        let bytes = Array(data)
        guard (99...65603).contains(bytes.count) else { throw Failure("invalid data length") }
        guard bytes[0] == version else { throw Failure("unknown encryption version \(bytes[0])") }
        let nonce = Array(bytes[1..<33])
        let ciphertext = Array(bytes[33..<(bytes.count - 32)])
        let mac = Array(bytes[(bytes.count - 32)...])
        let keys = try messageKeys(conversationKey: conversationKey, nonce: nonce)
        let expected = authenticationCode(key: keys.hmacKey, nonce: nonce, ciphertext: ciphertext)
        guard constantTimeEqual(expected, mac) else { throw Failure("invalid MAC") }
        let padded = try chacha20(ciphertext, keys: keys)
        return try unpad(padded)
    }

    /// `u16 big-endian length ‖ plaintext ‖ zeros` up to ``paddedLength(_:)``.
    private static func pad(_ plaintext: [UInt8]) throws(Failure) -> [UInt8] {
        guard (minimumPlaintextLength...maximumPlaintextLength).contains(plaintext.count) else {
            throw Failure("invalid plaintext length \(plaintext.count)")
        }
        let prefix = [UInt8(plaintext.count >> 8), UInt8(plaintext.count & 0xff)]
        let zeros = [UInt8](repeating: 0, count: paddedLength(plaintext.count) - plaintext.count)
        return prefix + plaintext + zeros
    }

    private static func unpad(_ padded: [UInt8]) throws(Failure) -> String {
        guard padded.count >= 2 else { throw Failure("invalid padding") }
        let length = Int(padded[0]) << 8 | Int(padded[1])
        guard length >= minimumPlaintextLength, padded.count == 2 + paddedLength(length) else {
            throw Failure("invalid padding")
        }
        let plaintext = Array(padded[2..<(2 + length)])
        guard let text = String(validating: plaintext, as: UTF8.self) else { throw Failure("plaintext is not UTF-8") }
        return text
    }

    private static func chacha20(_ input: [UInt8], keys: MessageKeys) throws(Failure) -> [UInt8] {
        do {
            let nonce = try Insecure.ChaCha20CTR.Nonce(data: keys.chachaNonce)
            return Array(
                try Insecure.ChaCha20CTR.encrypt(input, using: SymmetricKey(data: keys.chachaKey), nonce: nonce))
        } catch {
            throw Failure("ChaCha20 failed")
        }
    }

    private static func authenticationCode(key: [UInt8], nonce: [UInt8], ciphertext: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: nonce + ciphertext, using: SymmetricKey(data: key)))
    }

    private static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }
}
