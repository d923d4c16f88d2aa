import Foundation

/// What a client sends a relay (NIP-01).
public enum ClientMessage: Sendable, Hashable {
    /// `["EVENT", event]`: publish.
    case event(NostrEvent)
    /// `["REQ", subscription, filter…]`: stored matching events, then `EOSE`, then new ones as they arrive.
    case request(subscription: String, filters: [NostrFilter])
    /// `["CLOSE", subscription]`.
    case close(subscription: String)

    /// The compact JSON text frame.
    public var json: String {
        var array: [any Encodable]
        switch self {
        case .event(let event): array = ["EVENT", event]
        case .request(let subscription, let filters): array = ["REQ", subscription] + filters
        case .close(let subscription): array = ["CLOSE", subscription]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let parts = array.map { String(decoding: (try? encoder.encode($0)) ?? Data("null".utf8), as: UTF8.self) }
        return "[" + parts.joined(separator: ",") + "]"
    }
}

/// What a relay sends a client (NIP-01).
public enum RelayMessage: Sendable, Hashable {
    /// `["EVENT", subscription, event]`.
    case event(subscription: String, NostrEvent)
    /// `["OK", event id, accepted, message]`: whether the relay took a published event.
    case ok(eventID: String, accepted: Bool, message: String)
    /// `["EOSE", subscription]`: stored events are done; the subscription is live.
    case endOfStoredEvents(subscription: String)
    /// `["CLOSED", subscription, message]`: the relay ended or refused the subscription.
    case closed(subscription: String, message: String)
    /// `["NOTICE", message]`.
    case notice(String)

    /// Parses one text frame; nil for anything this client does not understand (ignored, as NIP-01 advises).
    public init?(json: String) {
        guard let message = try? JSONDecoder().decode(Decoded.self, from: Data(json.utf8)) else { return nil }
        self = message.value
    }

    /// Decodes the heterogeneous array by its first element.
    private struct Decoded: Decodable {
        let value: RelayMessage

        init(from decoder: any Decoder) throws {
            var array = try decoder.unkeyedContainer()
            let type = try array.decode(String.self)
            switch type {
            case "EVENT":
                let subscription = try array.decode(String.self)
                value = .event(subscription: subscription, try array.decode(NostrEvent.self))
            case "OK":
                let id = try array.decode(String.self)
                let accepted = try array.decode(Bool.self)
                value = .ok(eventID: id, accepted: accepted, message: (try? array.decode(String.self)) ?? "")
            case "EOSE":
                value = .endOfStoredEvents(subscription: try array.decode(String.self))
            case "CLOSED":
                let subscription = try array.decode(String.self)
                value = .closed(subscription: subscription, message: (try? array.decode(String.self)) ?? "")
            case "NOTICE":
                value = .notice((try? array.decode(String.self)) ?? "")
            default:
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "unknown message \(type)"))
            }
        }
    }
}
