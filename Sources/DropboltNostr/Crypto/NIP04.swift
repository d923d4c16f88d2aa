import Crypto
import Foundation
import _CryptoExtras

/// NIP-04 encryption (AES-256-CBC with the unhashed ECDH x coordinate as key): the legacy scheme NWC falls back to
/// when a wallet's info event does not offer NIP-44.
///
/// Content is `base64(ciphertext)?iv=base64(iv)`. It has no authentication; NIP-44 is preferred wherever offered.
public enum NIP04 {
    /// Why content could not be encrypted or decrypted; never contains key material or plaintext.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong, in words.
        public let message: String
        init(_ message: String) { self.message = message }
        /// The message.
        public var description: String { "NIP-04: \(message)" }
    }

    /// The shared AES key: the x coordinate of the ECDH point, unhashed.
    ///
    /// - Throws: ``NostrKeyError`` when the public key is not on the curve.
    public static func sharedKey(secret: NostrSecretKey, publicKey: NostrPublicKey) throws(NostrKeyError) -> [UInt8] {
        try Secp256k1.sharedX(secret: secret, publicKey: publicKey)
    }

    /// Encrypts `plaintext` with a fresh random IV.
    ///
    /// - Throws: ``Failure`` when the key is not 32 bytes.
    public static func encrypt(_ plaintext: String, sharedKey: [UInt8]) throws(Failure) -> String {
        let iv = SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) }
        return try encrypt(plaintext, sharedKey: sharedKey, iv: iv)
    }

    /// Encrypts `plaintext` with the given 16-byte IV (for tests; real messages use a random one).
    ///
    /// - Throws: ``Failure`` when the key or IV has the wrong size.
    public static func encrypt(_ plaintext: String, sharedKey: [UInt8], iv: [UInt8]) throws(Failure) -> String {
        guard sharedKey.count == 32 else { throw Failure("the key must be 32 bytes") }
        do {
            let ciphertext = try AES._CBC.encrypt(
                Array(plaintext.utf8), using: SymmetricKey(data: sharedKey), iv: AES._CBC.IV(ivBytes: iv))
            return ciphertext.base64EncodedString() + "?iv=" + Data(iv).base64EncodedString()
        } catch {
            throw Failure("AES-CBC encryption failed")
        }
    }

    /// Decrypts `base64?iv=base64` content.
    ///
    /// - Throws: ``Failure`` when the format, padding or text is wrong.
    public static func decrypt(_ content: String, sharedKey: [UInt8]) throws(Failure) -> String {
        guard sharedKey.count == 32 else { throw Failure("the key must be 32 bytes") }
        let parts = content.split(separator: "?iv=", omittingEmptySubsequences: false)
        guard parts.count == 2, let ciphertext = Data(base64Encoded: String(parts[0])),
            let iv = Data(base64Encoded: String(parts[1])), iv.count == 16, !ciphertext.isEmpty,
            ciphertext.count % 16 == 0
        else { throw Failure("content is not base64?iv=base64") }
        let plaintext: Data
        do {
            plaintext = try AES._CBC.decrypt(
                ciphertext, using: SymmetricKey(data: sharedKey), iv: AES._CBC.IV(ivBytes: iv))
        } catch {
            throw Failure("wrong key or damaged content")
        }
        guard let text = String(data: plaintext, encoding: .utf8) else { throw Failure("plaintext is not UTF-8") }
        return text
    }
}
