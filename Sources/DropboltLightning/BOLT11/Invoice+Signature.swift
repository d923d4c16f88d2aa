import CSecp256k1

extension Invoice {
    /// `secp256k1_context_static` should be self-tested once before use; a `static let` runs this exactly once.
    private static let secp256k1SelfTest: Void = secp256k1_selftest()

    /// Checks the 65-byte signature (R ‖ S ‖ recovery id) over `messageHash` and returns the payee's node ID.
    ///
    /// With an `n` field the signature must be low-S and verify against that key; without one, the key is
    /// recovered (high-S is accepted there, as in the spec's example "Public-key recovery with high-S
    /// signature"). The library's static context suffices: neither operation touches a secret key.
    static func checkSignature(
        _ signature: [UInt8],
        messageHash: [UInt8],
        claimedPayee: [UInt8]?
    ) throws(InvoiceError) -> [UInt8] {
        precondition(signature.count == 65 && messageHash.count == 32, "signature and hash sizes are fixed")
        _ = secp256k1SelfTest
        let context = dropbolt_secp256k1_static_context()
        let compact = Array(signature[0..<64])
        if let claimedPayee {
            var publicKey = secp256k1_pubkey()
            guard secp256k1_ec_pubkey_parse(context, &publicKey, claimedPayee, claimedPayee.count) == 1 else {
                throw .invalidPayeeKey("the 'n' field is not a valid compressed public key")
            }
            var parsed = secp256k1_ecdsa_signature()
            guard secp256k1_ecdsa_signature_parse_compact(context, &parsed, compact) == 1 else {
                throw .signatureMismatch("the signature is not a valid ECDSA signature")
            }
            // normalize returns 1 when S was in the upper half, i.e. the signature was not canonical.
            guard secp256k1_ecdsa_signature_normalize(context, nil, &parsed) == 0 else {
                throw .highSSignature("the signature has a high S value, which BOLT 11 forbids with an 'n' field")
            }
            guard secp256k1_ecdsa_verify(context, &parsed, messageHash, &publicKey) == 1 else {
                throw .signatureMismatch("the signature does not verify against the payee key in the 'n' field")
            }
            return claimedPayee
        }

        let recoveryID = signature[64]
        guard recoveryID <= 3 else {
            throw .unrecoverableSignature("recovery id \(recoveryID) is not 0 to 3")
        }
        var recoverable = secp256k1_ecdsa_recoverable_signature()
        guard
            secp256k1_ecdsa_recoverable_signature_parse_compact(context, &recoverable, compact, Int32(recoveryID))
                == 1
        else {
            throw .unrecoverableSignature("the signature's R or S is out of range")
        }
        var publicKey = secp256k1_pubkey()
        guard secp256k1_ecdsa_recover(context, &publicKey, &recoverable, messageHash) == 1 else {
            throw .unrecoverableSignature("no public key can be recovered from the signature")
        }
        var serialized = [UInt8](repeating: 0, count: 33)
        var length = serialized.count
        let compressed = UInt32(SECP256K1_EC_COMPRESSED)
        guard secp256k1_ec_pubkey_serialize(context, &serialized, &length, &publicKey, compressed) == 1,
            length == 33
        else {
            throw .unrecoverableSignature("the recovered public key could not be serialized")
        }
        return serialized
    }
}
