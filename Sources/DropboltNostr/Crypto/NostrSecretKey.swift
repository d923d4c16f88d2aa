import CSecp256k1
import Crypto
import DropboltCore

/// A secp256k1 secret key used to sign Nostr events and derive encryption keys (the NWC `secret`).
///
/// The bytes never appear in ``description``, `debugDescription` or errors: printing a key shows `***`.
///
/// ```swift
/// let key = try NostrSecretKey(hex: secretHex)
/// let author = key.publicKey   // x-only, 32 bytes
/// ```
public struct NostrSecretKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The 32 secret bytes; internal so they cannot leak through the public API.
    let bytes: [UInt8]

    /// The x-only public key of this secret (BIP-340).
    public let publicKey: NostrPublicKey

    /// Wraps 32 bytes that must be a valid secret key (not zero, below the curve order).
    ///
    /// - Throws: ``NostrKeyError`` when the bytes are not a valid secp256k1 secret key.
    public init(bytes: [UInt8]) throws(NostrKeyError) {
        guard bytes.count == 32 else { throw NostrKeyError("a secret key must be 32 bytes") }
        let publicKey = try Secp256k1.withSigningContext { context throws(NostrKeyError) in
            guard secp256k1_ec_seckey_verify(context, bytes) == 1 else {
                throw NostrKeyError("the secret key is zero or not below the curve order")
            }
            var keypair = secp256k1_keypair()
            guard secp256k1_keypair_create(context, &keypair, bytes) == 1 else {
                throw NostrKeyError("the secret key is not valid")
            }
            var xOnly = secp256k1_xonly_pubkey()
            guard secp256k1_keypair_xonly_pub(context, &xOnly, nil, &keypair) == 1 else {
                throw NostrKeyError("no public key for the secret key")
            }
            var serialized = [UInt8](repeating: 0, count: 32)
            guard secp256k1_xonly_pubkey_serialize(context, &serialized, &xOnly) == 1 else {
                throw NostrKeyError("the public key cannot be serialized")
            }
            return serialized
        }
        self.bytes = bytes
        self.publicKey = try NostrPublicKey(bytes: publicKey)
    }

    /// Parses 64 hex digits.
    ///
    /// - Throws: ``NostrKeyError`` when the text is not 64 hex digits of a valid key.
    public init(hex: String) throws(NostrKeyError) {
        guard hex.utf8.count == 64, let bytes = Hex.bytes(hex) else {
            throw NostrKeyError("a secret key must be 64 hex digits")
        }
        try self.init(bytes: bytes)
    }

    /// A fresh key from the system's secure random source.
    public static func random() -> NostrSecretKey {
        while true {
            let candidate = Array(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
            // Almost every 32 random bytes are a valid key; loop for the 2^-128 that are not.
            if let key = try? NostrSecretKey(bytes: candidate) { return key }
        }
    }

    /// Always `NostrSecretKey(***)`: the key never reaches a log.
    public var description: String { "NostrSecretKey(***)" }

    /// Same as ``description``.
    public var debugDescription: String { description }

    /// No children, so `dump` and debuggers show ``description`` instead of the bytes.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
