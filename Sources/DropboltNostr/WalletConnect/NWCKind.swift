/// The event kinds of Nostr Wallet Connect (NIP-47).
public enum NWCKind {
    /// The wallet service's info event (replaceable): its methods in the content, its encryptions in a tag.
    public static let info = 13194
    /// A client's request to the wallet service.
    public static let request = 23194
    /// The wallet service's response, tagged with the request's id.
    public static let response = 23195
}
