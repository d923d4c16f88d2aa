/// A NIP-01 subscription filter; fields left nil are not sent.
public struct NostrFilter: Sendable, Hashable, Codable {
    /// Event ids.
    public var ids: [String]?
    /// Author public keys, hex.
    public var authors: [String]?
    /// Event kinds.
    public var kinds: [Int]?
    /// Values of `e` tags (`#e`).
    public var eventReferences: [String]?
    /// Values of `p` tags (`#p`).
    public var pubkeyReferences: [String]?
    /// Only events created at or after this Unix time.
    public var since: Int64?
    /// At most this many stored events.
    public var limit: Int?

    private enum CodingKeys: String, CodingKey {
        case ids, authors, kinds, since, limit
        case eventReferences = "#e"
        case pubkeyReferences = "#p"
    }

    /// Creates a filter.
    public init(
        ids: [String]? = nil, authors: [String]? = nil, kinds: [Int]? = nil, eventReferences: [String]? = nil,
        pubkeyReferences: [String]? = nil, since: Int64? = nil, limit: Int? = nil
    ) {
        self.ids = ids
        self.authors = authors
        self.kinds = kinds
        self.eventReferences = eventReferences
        self.pubkeyReferences = pubkeyReferences
        self.since = since
        self.limit = limit
    }

    /// True when `event` passes this filter (the relay decides what it sends; this checks what arrives).
    public func matches(_ event: NostrEvent) -> Bool {
        if let ids, !ids.contains(event.id) { return false }
        if let authors, !authors.contains(event.pubkey) { return false }
        if let kinds, !kinds.contains(event.kind) { return false }
        if let eventReferences, !Self.tagged(event, "e", eventReferences) { return false }
        if let pubkeyReferences, !Self.tagged(event, "p", pubkeyReferences) { return false }
        if let since, event.createdAt < since { return false }
        return true
    }

    private static func tagged(_ event: NostrEvent, _ name: String, _ values: [String]) -> Bool {
        event.tags.contains { $0.count >= 2 && $0[0] == name && values.contains($0[1]) }
    }
}
