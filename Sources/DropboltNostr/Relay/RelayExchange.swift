/// How one request sent through a relay ended.
public enum RelayExchange: Sendable, Hashable {
    /// The awaited event arrived.
    case answered(NostrEvent)
    /// The request never left dropbolt, or the relay refused it: the wallet cannot have seen it.
    case notDelivered(reason: String)
    /// The request was (or may have been) published, and no answer came before the deadline: the wallet may have
    /// acted on it.
    case noAnswer(reason: String)
}
