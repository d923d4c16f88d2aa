import DropboltCore

/// A parsed `nostr+walletconnect://<wallet pubkey>?relay=…&secret=…` connection string (NIP-47).
///
/// The secret is the client's signing key. It never appears in ``description`` or in a ``Failure``: errors name the
/// part that is wrong, never echo the input.
///
/// ```swift
/// let uri = try WalletConnectURI(parsing: text)
/// uri.walletPublicKey  // whom requests are encrypted to
/// uri.relays           // ["wss://relay.example"]
/// ```
public struct WalletConnectURI: Sendable, CustomStringConvertible {
    /// Why a connection string was refused; never contains the secret or the input.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong.
        public let message: String
        init(_ message: String) { self.message = message }
        /// The message.
        public var description: String { "NWC connection string: \(message)" }
    }

    /// The wallet service's x-only public key: requests are encrypted to it and responses must be signed by it.
    public let walletPublicKey: NostrPublicKey
    /// Relay URLs (`wss://…`, or `ws://` to loopback), in the order given; at least one.
    public let relays: [String]
    /// The client's secret key (signs requests, derives encryption keys).
    public let secret: NostrSecretKey

    private static let schemes = ["nostr+walletconnect://", "nostrwalletconnect://", "nostr+walletconnect:"]

    /// Parses a connection string (surrounding whitespace ignored).
    ///
    /// - Throws: ``Failure`` for another scheme, a bad wallet key, no relay, a relay that is not `wss://` (or
    ///   `ws://` to loopback), or a missing or invalid secret.
    public init(parsing text: String) throws(Failure) {
        let trimmed = text.trimmingWhitespace
        guard let scheme = Self.schemes.first(where: { trimmed.lowercased().hasPrefix($0) }) else {
            throw Failure("it must start with nostr+walletconnect://")
        }
        let rest = trimmed.dropFirst(scheme.count)
        let (keyPart, queryPart) = rest.splitOnce("?")
        do {
            walletPublicKey = try NostrPublicKey(hex: String(keyPart))
        } catch {
            throw Failure("the wallet public key after the scheme must be 64 hex digits of a valid key")
        }
        var relays: [String] = []
        var secretText: String?
        for pair in (queryPart ?? "").split(separator: "&") {
            let (name, rawValue) = pair.splitOnce("=")
            guard let value = String(rawValue ?? "").percentDecoded else {
                throw Failure("the value of \(name.prefix(20)) is not valid percent-encoding")
            }
            switch name {
            case "relay": relays.append(value)
            case "secret": secretText = value
            default: continue
            }
        }
        guard !relays.isEmpty else { throw Failure("no relay= given") }
        for relay in relays where !Self.isAcceptableRelay(relay) {
            throw Failure("relay \(relay) must be wss://…, or ws:// to this machine")
        }
        guard let secretText else { throw Failure("no secret= given") }
        do {
            secret = try NostrSecretKey(hex: secretText)
        } catch {
            throw Failure("the secret must be 64 hex digits of a valid key")
        }
        self.relays = relays
    }

    /// The string with the secret replaced by `***`.
    public var description: String {
        let relayPart = relays.map { "relay=\($0)" }.joined(separator: "&")
        return "nostr+walletconnect://\(walletPublicKey.hex)?\(relayPart)&secret=***"
    }

    /// `wss://host…`, or `ws://` only to loopback (NIP-44 hides the content, but not who talks to whom, when).
    static func isAcceptableRelay(_ url: String) -> Bool {
        let lower = url.lowercased()
        if lower.hasPrefix("wss://") { return lower.count > 6 }
        guard lower.hasPrefix("ws://") else { return false }
        let authority = lower.dropFirst(5).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        // A user part (`ws://127.0.0.1@elsewhere`) would make the real host the part after it: refused outright.
        guard !authority.contains("@") else { return false }
        let host: Substring
        if authority.hasPrefix("[") {
            host = authority.prefix { $0 != "]" } + "]"
        } else {
            host = authority.prefix { $0 != ":" }
        }
        return NetworkAddress.isLoopback(host: String(host))
    }
}

extension StringProtocol {
    /// The text before and after the first `separator`; the second part is nil when there is none.
    fileprivate func splitOnce(_ separator: Character) -> (SubSequence, SubSequence?) {
        guard let index = firstIndex(of: separator) else { return (self[...], nil) }
        return (self[..<index], self[index...].dropFirst())
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }

    /// `%XX` decoded (and `+` left as is: relay URLs and hex never contain a space); nil for malformed escapes
    /// or bytes that are not UTF-8.
    fileprivate var percentDecoded: String? {
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue)
            else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
