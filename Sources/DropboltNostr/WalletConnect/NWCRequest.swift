import Foundation

/// One NIP-47 request: a method and its parameters, before encryption.
///
/// ```swift
/// let event = try NWCRequest.payInvoice("lnbc…").event(
///     to: uri.walletPublicKey, encryption: .nip44, by: uri.secret, expiration: now + 60)
/// ```
public struct NWCRequest: Sendable, Hashable {
    /// The method called.
    public let method: NWCMethod
    /// String-valued parameters (every parameter dropbolt sends is a string).
    public let parameters: [String: String]

    /// Creates a request.
    public init(method: NWCMethod, parameters: [String: String] = [:]) {
        self.method = method
        self.parameters = parameters
    }

    /// `pay_invoice {"invoice": bolt11}`; the amount comes from the invoice (dropbolt refuses invoices without one).
    public static func payInvoice(_ bolt11: String) -> NWCRequest {
        NWCRequest(method: .payInvoice, parameters: ["invoice": bolt11])
    }

    /// `lookup_invoice {"payment_hash": hex}`.
    public static func lookupInvoice(paymentHash: String) -> NWCRequest {
        NWCRequest(method: .lookupInvoice, parameters: ["payment_hash": paymentHash])
    }

    /// `get_balance {}`.
    public static var getBalance: NWCRequest { NWCRequest(method: .getBalance) }

    /// `get_info {}`.
    public static var getInfo: NWCRequest { NWCRequest(method: .getInfo) }

    /// The plaintext content: `{"method":…,"params":{…}}` with sorted keys.
    public var json: String {
        let object: [String: Any] = ["method": method.rawValue, "params": parameters]
        // Strings and a dictionary of strings always serialize.
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// The signed kind-23194 event carrying this request, encrypted to the wallet.
    ///
    /// Tags: `["p", wallet]`, `["encryption", "nip44_v2"]` when NIP-44 is used (none for NIP-04, which older
    /// wallets expect bare), and `["expiration", seconds]` when given, so a wallet that receives the request late
    /// ignores it instead of paying long after dropbolt gave up waiting.
    ///
    /// - Throws: when encryption fails (an invalid wallet key).
    public func event(
        to wallet: NostrPublicKey, encryption: NWCEncryption, by key: NostrSecretKey, expiration: Int64? = nil,
        createdAt: Int64? = nil
    ) throws -> NostrEvent {
        var tags = [["p", wallet.hex]]
        if encryption == .nip44 { tags.append(["encryption", encryption.rawValue]) }
        if let expiration { tags.append(["expiration", String(expiration)]) }
        let content = try encryption.encrypt(json, secret: key, peer: wallet)
        return NostrEvent.signed(kind: NWCKind.request, tags: tags, content: content, by: key, createdAt: createdAt)
    }
}
