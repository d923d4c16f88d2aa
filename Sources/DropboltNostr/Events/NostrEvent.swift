import Crypto
import DropboltCore
import Foundation

/// A NIP-01 event: the unit relays store and forward, signed by its author.
///
/// ```swift
/// let request = NostrEvent.signed(kind: 23194, tags: [["p", wallet.hex]], content: payload, by: clientKey)
/// request.isAuthentic  // true: the id is the hash of its fields and the signature matches the author
/// ```
public struct NostrEvent: Sendable, Hashable, Codable {
    /// 32-byte lowercase hex SHA-256 of the serialized event (see ``serializedForID``).
    public var id: String
    /// The author's x-only public key, lowercase hex.
    public var pubkey: String
    /// Unix time in seconds.
    public var createdAt: Int64
    /// What the event is (23194: NWC request, 23195: NWC response, 13194: NWC info).
    public var kind: Int
    /// Tags such as `["p", <pubkey>]` and `["e", <event id>]`.
    public var tags: [[String]]
    /// The payload; for NWC, encrypted JSON.
    public var content: String
    /// 64-byte lowercase hex BIP-340 signature of ``id``.
    public var sig: String

    private enum CodingKeys: String, CodingKey {
        case id, pubkey, kind, tags, content, sig
        case createdAt = "created_at"
    }

    /// Creates an event from all of its fields as received (nothing is checked; see ``isAuthentic``).
    public init(
        id: String, pubkey: String, createdAt: Int64, kind: Int, tags: [[String]], content: String, sig: String
    ) {
        self.id = id
        self.pubkey = pubkey
        self.createdAt = createdAt
        self.kind = kind
        self.tags = tags
        self.content = content
        self.sig = sig
    }

    /// Makes and signs an event by `key`'s owner.
    ///
    /// - Parameters:
    ///   - createdAt: seconds since 1970; now when nil.
    ///   - auxiliaryRandomness: for tests that need a fixed signature; nil draws fresh randomness.
    public static func signed(
        kind: Int, tags: [[String]], content: String, by key: NostrSecretKey, createdAt: Int64? = nil,
        auxiliaryRandomness: [UInt8]? = nil
    ) -> NostrEvent {
        let time = createdAt ?? Int64(Date().timeIntervalSince1970)
        let pubkey = key.publicKey.hex
        let hash = Array(
            SHA256.hash(
                data: serializedForID(pubkey: pubkey, createdAt: time, kind: kind, tags: tags, content: content)))
        let signature = Schnorr.sign(message: hash, with: key, auxiliaryRandomness: auxiliaryRandomness)
        return NostrEvent(
            id: Hex.string(hash), pubkey: pubkey, createdAt: time, kind: kind, tags: tags, content: content,
            sig: Hex.string(signature))
    }

    /// The bytes whose SHA-256 is the event id: compact JSON `[0,pubkey,created_at,kind,tags,content]`, UTF-8,
    /// with NIP-01's escaping (`\n \" \\ \r \t \b \f` as escapes, other control characters as `\u00XX`, everything
    /// else verbatim).
    public static func serializedForID(
        pubkey: String, createdAt: Int64, kind: Int, tags: [[String]], content: String
    ) -> [UInt8] {
        var json = "[0,"
        appendJSONString(pubkey, to: &json)
        json += ",\(createdAt),\(kind),["
        for (tagIndex, tag) in tags.enumerated() {
            if tagIndex > 0 { json += "," }
            json += "["
            for (index, value) in tag.enumerated() {
                if index > 0 { json += "," }
                appendJSONString(value, to: &json)
            }
            json += "]"
        }
        json += "],"
        appendJSONString(content, to: &json)
        json += "]"
        return Array(json.utf8)
    }

    /// The id this event's fields hash to.
    public var computedID: String {
        Hex.string(
            Array(
                SHA256.hash(
                    data: Self.serializedForID(
                        pubkey: pubkey, createdAt: createdAt, kind: kind, tags: tags, content: content))))
    }

    /// True when ``id`` is the hash of the fields and ``sig`` is the author's valid signature of it.
    public var isAuthentic: Bool {
        guard id.utf8.count == 64, id.lowercased() == computedID, let idBytes = Hex.bytes(id),
            let signature = Hex.bytes(sig), let author = try? NostrPublicKey(hex: pubkey)
        else { return false }
        return Schnorr.isValid(signature: signature, message: idBytes, publicKey: author)
    }

    /// The values of the first tag named `name` (without the name), or nil.
    public func firstTag(_ name: String) -> [String]? {
        tags.first { $0.first == name }.map { Array($0.dropFirst()) }
    }

    private static func appendJSONString(_ text: String, to json: inout String) {
        json += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": json += "\\n"
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case "\r": json += "\\r"
            case "\t": json += "\\t"
            case "\u{08}": json += "\\b"
            case "\u{0C}": json += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: json.unicodeScalars.append(scalar)
            }
        }
        json += "\""
    }
}
