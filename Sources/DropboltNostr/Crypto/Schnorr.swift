import CSecp256k1
import Crypto

/// BIP-340 Schnorr signatures over secp256k1, as Nostr signs event ids.
///
/// ```swift
/// let signature = Schnorr.sign(message: eventID, with: key)
/// Schnorr.isValid(signature: signature, message: eventID, publicKey: key.publicKey)  // true
/// ```
public enum Schnorr {
    /// Signs a 32-byte message (an event id) with `key`.
    ///
    /// - Parameters:
    ///   - message: exactly 32 bytes.
    ///   - key: the signer's secret key.
    ///   - auxiliaryRandomness: 32 bytes mixed into the nonce (BIP-340 recommends fresh randomness; tests pass the
    ///     vectors' values); nil draws it from the system's secure random source.
    /// - Returns: the 64-byte signature.
    public static func sign(message: [UInt8], with key: NostrSecretKey, auxiliaryRandomness: [UInt8]? = nil) -> [UInt8]
    {
        precondition(message.count == 32, "BIP-340 signing in dropbolt takes a 32-byte message")
        let aux = auxiliaryRandomness ?? Array(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
        precondition(aux.count == 32, "auxiliary randomness is 32 bytes")
        var signature = [UInt8](repeating: 0, count: 64)
        let ok = Secp256k1.withSigningContext { context in
            var keypair = secp256k1_keypair()
            guard secp256k1_keypair_create(context, &keypair, key.bytes) == 1 else { return Int32(0) }
            return secp256k1_schnorrsig_sign32(context, &signature, message, &keypair, aux)
        }
        // The key was validated when it was made, so the library cannot refuse it.
        precondition(ok == 1, "libsecp256k1 refused to sign with a valid key")
        return signature
    }

    /// True when `signature` is a valid BIP-340 signature of `message` (any length) by `publicKey`.
    public static func isValid(signature: [UInt8], message: [UInt8], publicKey: NostrPublicKey) -> Bool {
        guard signature.count == 64 else { return false }
        var parsed = secp256k1_xonly_pubkey()
        let context = Secp256k1.staticContext
        guard secp256k1_xonly_pubkey_parse(context, &parsed, publicKey.bytes) == 1 else { return false }
        return secp256k1_schnorrsig_verify(context, signature, message, message.count, &parsed) == 1
    }
}
