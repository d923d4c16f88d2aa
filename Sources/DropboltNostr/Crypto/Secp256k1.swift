import CSecp256k1

/// The calls into libsecp256k1 that need a context, kept in one place.
enum Secp256k1 {
    /// The library's read-only context: enough for parsing and verifying, never for secret-key operations.
    static var staticContext: OpaquePointer {
        _ = selfTest
        return dropbolt_secp256k1_static_context()
    }

    /// `secp256k1_context_static` should be self-tested once before use; a `static let` runs this exactly once.
    private static let selfTest: Void = secp256k1_selftest()

    /// Runs `body` with a fresh, randomized context for operations on secret keys.
    ///
    /// A context per call, because a context is a mutable C object that cannot be shared between tasks safely; since
    /// libsecp256k1 0.2 creating one is cheap (no precomputed tables).
    static func withSigningContext<Result, Failure: Error>(
        _ body: (OpaquePointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let context = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE))!
        defer { secp256k1_context_destroy(context) }
        // Blinding against side channels; the seed need not be secret from us, only unpredictable.
        var seed = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in seed.indices { seed[index] = generator.next() }
        _ = secp256k1_context_randomize(context, seed)
        return try body(context)
    }

    /// The x coordinate of `secret · P`, where P is the even-y point with x = `publicKey` (unhashed ECDH, as
    /// NIP-04 and NIP-44 use it; libsecp256k1's default would hash the point).
    ///
    /// - Throws: ``NostrKeyError`` when the point or the result is invalid.
    static func sharedX(secret: NostrSecretKey, publicKey: NostrPublicKey) throws(NostrKeyError) -> [UInt8] {
        var point = secp256k1_pubkey()
        guard secp256k1_ec_pubkey_parse(staticContext, &point, [0x02] + publicKey.bytes, 33) == 1 else {
            throw NostrKeyError("the public key is not a point on secp256k1")
        }
        var shared = [UInt8](repeating: 0, count: 32)
        let copyX: secp256k1_ecdh_hash_function = { output, x, _, _ in
            guard let output, let x else { return 0 }
            output.update(from: x, count: 32)
            return 1
        }
        let ok = withSigningContext { context in
            secp256k1_ecdh(context, &shared, &point, secret.bytes, copyX, nil)
        }
        guard ok == 1 else { throw NostrKeyError("no shared secret for this key pair") }
        return shared
    }
}
