import CSecp256k1
import DropboltCore

/// A BIP-340 x-only public key (32 bytes), as Nostr writes it: 64 lowercase hex digits.
public struct NostrPublicKey: Sendable, Hashable, CustomStringConvertible {
    /// The 32 bytes of the x coordinate.
    public let bytes: [UInt8]

    /// Wraps 32 bytes that must be the x coordinate of a point on the curve.
    ///
    /// - Throws: ``NostrKeyError`` when the bytes are not a valid x-only public key.
    public init(bytes: [UInt8]) throws(NostrKeyError) {
        guard bytes.count == 32 else { throw NostrKeyError("a public key must be 32 bytes") }
        var parsed = secp256k1_xonly_pubkey()
        guard secp256k1_xonly_pubkey_parse(Secp256k1.staticContext, &parsed, bytes) == 1 else {
            throw NostrKeyError("the public key is not a point on secp256k1")
        }
        self.bytes = bytes
    }

    /// Parses 64 hex digits (either case).
    ///
    /// - Throws: ``NostrKeyError`` when the text is not 64 hex digits of a valid key.
    public init(hex: String) throws(NostrKeyError) {
        guard hex.utf8.count == 64, let bytes = Hex.bytes(hex) else {
            throw NostrKeyError("a public key must be 64 hex digits")
        }
        try self.init(bytes: bytes)
    }

    /// Lowercase hex, as in events and filters.
    public var hex: String { Hex.string(bytes) }

    /// Same as ``hex``.
    public var description: String { hex }
}
