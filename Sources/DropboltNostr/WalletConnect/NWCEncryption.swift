/// How NWC request and response contents are encrypted.
///
/// The wallet's info event lists what it accepts in an `encryption` tag (`"nip44_v2 nip04"`). dropbolt prefers
/// NIP-44; a wallet whose info event has no such tag is a NIP-04-only wallet (NIP-47 §Encryption).
public enum NWCEncryption: String, Sendable, Hashable {
    /// NIP-44 version 2, tagged `["encryption", "nip44_v2"]` on requests.
    case nip44 = "nip44_v2"
    /// NIP-04, the legacy scheme; requests carry no encryption tag.
    case nip04

    /// The scheme to use with a wallet whose info event is `info`: NIP-44 when offered, NIP-04 when the tag is
    /// absent; nil when the tag lists neither (the wallet speaks nothing dropbolt does).
    public static func preferred(byInfo info: NostrEvent) -> NWCEncryption? {
        guard let values = info.firstTag("encryption") else { return .nip04 }
        let offered = Set(values.flatMap { $0.split(separator: " ").map(String.init) })
        if offered.contains(NWCEncryption.nip44.rawValue) { return .nip44 }
        if offered.contains(NWCEncryption.nip04.rawValue) { return .nip04 }
        return nil
    }

    /// Encrypts `plaintext` from `secret`'s owner to `peer`.
    ///
    /// - Throws: ``NostrKeyError``, ``NIP44/Failure`` or ``NIP04/Failure``.
    public func encrypt(_ plaintext: String, secret: NostrSecretKey, peer: NostrPublicKey) throws -> String {
        switch self {
        case .nip44:
            try NIP44.encrypt(plaintext, conversationKey: NIP44.conversationKey(secret: secret, publicKey: peer))
        case .nip04:
            try NIP04.encrypt(plaintext, sharedKey: NIP04.sharedKey(secret: secret, publicKey: peer))
        }
    }

    /// Decrypts `content` sent between `secret`'s owner and `peer`.
    ///
    /// - Throws: ``NostrKeyError``, ``NIP44/Failure`` or ``NIP04/Failure``.
    public func decrypt(_ content: String, secret: NostrSecretKey, peer: NostrPublicKey) throws -> String {
        switch self {
        case .nip44:
            try NIP44.decrypt(content, conversationKey: NIP44.conversationKey(secret: secret, publicKey: peer))
        case .nip04:
            try NIP04.decrypt(content, sharedKey: NIP04.sharedKey(secret: secret, publicKey: peer))
        }
    }

    /// The scheme an incoming event says it uses: its `encryption` tag, or NIP-04 when it has none.
    public static func of(_ event: NostrEvent) -> NWCEncryption? {
        guard let value = event.firstTag("encryption")?.first else { return .nip04 }
        return NWCEncryption(rawValue: value)
    }
}
