import Crypto
import DropboltCore

/// The proof of payment sent back to the server: the challenge's token and the invoice's preimage.
///
/// Its text forms never show the token or the preimage, so a credential cannot reach a log by accident; only
/// ``authorizationHeader`` (for the request) and the stored properties (for the database) reveal them.
///
/// ```swift
/// let credential = try L402Credential(token: challenge.token, preimage: payment.preimage)
/// guard credential.matches(paymentHash: invoice.paymentHash) else { /* attention: wrong preimage */ }
/// request.headers.add(name: "Authorization", value: credential.authorizationHeader)
/// print(credential)  // L402Credential(token: ***, preimage: ***)
/// ```
public struct L402Credential: Sendable, Hashable {
    /// The token from the challenge, base64 exactly as the server sent it.
    public let token: String
    /// The 32-byte payment preimage the wallet returned.
    public let preimage: [UInt8]

    /// Creates a credential.
    ///
    /// - Parameters:
    ///   - token: the challenge's token, as sent (base64).
    ///   - preimage: the payment preimage; must be exactly 32 bytes.
    /// - Throws: ``L402Error`` `badPreimage` for a preimage that is not 32 bytes; `badToken` for a token that is
    ///   empty or not base64 (it must not carry spaces, colons or control characters into the header).
    public init(token: String, preimage: [UInt8]) throws(L402Error) {
        guard preimage.count == 32 else {
            throw .badPreimage("a preimage is 32 bytes, not \(preimage.count)")
        }
        guard Base64Token.decode(token) != nil else {
            throw .badToken("the credential's token is empty or not base64")
        }
        self.token = token
        self.preimage = preimage
    }

    /// Creates a credential from a preimage in hex, the form most wallet APIs return (either case).
    ///
    /// - Throws: ``L402Error`` `badPreimage` unless `preimageHex` is 64 hex digits; `badToken` as in
    ///   ``init(token:preimage:)``.
    public init(token: String, preimageHex: String) throws(L402Error) {
        guard preimageHex.utf8.count == 64, let bytes = Hex.bytes(preimageHex) else {
            throw .badPreimage("a preimage is 64 hex digits; got \(preimageHex.utf8.count) characters or non-hex")
        }
        try self.init(token: token, preimage: bytes)
    }

    /// The preimage as 64 lowercase hex digits (Aperture only accepts lowercase).
    public var preimageHex: String { Hex.string(preimage) }

    /// The value of the `Authorization` header: `L402 <token>:<preimage as lowercase hex>`.
    ///
    /// Always the `L402` scheme, even for an `LSAT` challenge: sats4ai documents this form, and Aperture accepts
    /// both names.
    public var authorizationHeader: String { "L402 \(token):\(preimageHex)" }

    /// True when SHA-256 of the preimage equals `paymentHash` (the invoice's `p` field), i.e. the payment went to
    /// this invoice. A hash that is not 32 bytes never matches.
    public func matches(paymentHash: [UInt8]) -> Bool {
        guard paymentHash.count == SHA256.byteCount else { return false }
        let digest = Array(SHA256.hash(data: preimage))
        // Compared without an early exit; cheap, and keeps the check free of timing questions.
        var difference: UInt8 = 0
        for (left, right) in zip(digest, paymentHash) { difference |= left ^ right }
        return difference == 0
    }
}

extension L402Credential: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `L402Credential(token: ***, preimage: ***)`: the secrets are never shown.
    public var description: String { "L402Credential(token: ***, preimage: ***)" }

    /// Same as ``description``, so `String(reflecting:)` and `debugPrint` stay redacted too.
    public var debugDescription: String { description }

    /// A mirror without the secrets, so `dump(_:)` and the debugger's summaries stay redacted too.
    public var customMirror: Mirror {
        Mirror(self, children: ["token": "***", "preimage": "***"], displayStyle: .struct)
    }
}
