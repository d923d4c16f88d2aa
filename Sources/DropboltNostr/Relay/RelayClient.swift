import Foundation
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import WSClient

/// Talks NIP-01 to one relay over WebSocket: subscribe, then publish, then wait for the answer.
///
/// Each call opens its own connection and closes it when done, so no connection state outlives a request. The
/// subscription is live (the relay sent `EOSE`) before the request is published, because NWC responses are
/// ephemeral: a relay forwards them to current subscribers and keeps nothing. If the connection drops, the client
/// reconnects and subscribes again until the deadline, but never publishes a request twice: once an `EVENT` frame
/// may have been written, the request counts as delivered.
///
/// ```swift
/// let relay = RelayClient(url: "wss://relay.example", logger: logger)
/// switch await relay.exchange(publishing: request, awaiting: filter, accept: isAnswer, timeout: .seconds(60)) {
/// case .answered(let event): …
/// case .notDelivered: …   // safe: nothing happened
/// case .noAnswer: …       // the wallet may have acted: look it up later
/// }
/// ```
public struct RelayClient: Sendable {
    /// The relay's `ws://` or `wss://` URL.
    public let url: String
    private let logger: Logger
    /// Connection attempts before a request is published; after that, attempts continue until the deadline.
    private let attemptsBeforePublishing: Int

    /// Creates a client for the relay at `url`.
    ///
    /// - Parameters:
    ///   - attemptsBeforePublishing: how many connections to try before giving up on an unpublished request.
    public init(url: String, logger: Logger, attemptsBeforePublishing: Int = 3) {
        self.url = url
        self.logger = logger
        self.attemptsBeforePublishing = attemptsBeforePublishing
    }

    /// Subscribes with `filter`, publishes `request` once the subscription is live, and returns the first event
    /// that passes `filter` and `accept`.
    ///
    /// - Parameters:
    ///   - request: the signed event to publish; published at most once.
    ///   - filter: the subscription for the answer.
    ///   - accept: checks an arriving event (author, tags, signature); others are ignored.
    ///   - timeout: the whole exchange, reconnects included.
    public func exchange(
        publishing request: NostrEvent, awaiting filter: NostrFilter,
        accept: @escaping @Sendable (NostrEvent) -> Bool, timeout: Duration
    ) async -> RelayExchange {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let state = ExchangeState()
        var failures = 0
        var lastProblem = "no connection"
        while ContinuousClock.now < deadline {
            let round = Round(subscription: Self.newSubscriptionID(), filter: filter, publish: request, accept: accept)
            let problem = await connect(round: round, state: state, deadline: deadline)
            if let answer = state.answer { return .answered(answer) }
            if let refusal = state.refusal { return .notDelivered(reason: "the relay refused the request: \(refusal)") }
            lastProblem = problem ?? "the relay closed the connection"
            failures += 1
            logger.debug(
                "nostr relay connection ended",
                metadata: ["relay.url": "\(url)", "error": "\(lastProblem)", "nostr.published": "\(state.published)"])
            if !state.published, failures >= attemptsBeforePublishing {
                return .notDelivered(reason: "relay \(url): \(lastProblem)")
            }
            // A short, growing pause so a relay that restarts is not hammered; never past the deadline.
            let pause = Duration.milliseconds(min(2000, 100 << min(failures, 5)))
            let wake = min(ContinuousClock.now.advanced(by: pause), deadline)
            try? await Task.sleep(until: wake, clock: .continuous)
        }
        if state.published {
            return .noAnswer(reason: "no answer through relay \(url) before the deadline (\(lastProblem))")
        }
        return .notDelivered(reason: "relay \(url): \(lastProblem)")
    }

    /// The stored events matching `filter` (everything the relay sends before `EOSE`).
    ///
    /// - Throws: ``RelayError`` when the relay cannot be reached, refuses the subscription, or does not finish
    ///   before the deadline.
    public func fetch(_ filter: NostrFilter, timeout: Duration) async throws(RelayError) -> [NostrEvent] {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let state = ExchangeState()
        var lastProblem = "no connection"
        for _ in 0..<attemptsBeforePublishing where ContinuousClock.now < deadline {
            let round = Round(
                subscription: Self.newSubscriptionID(), filter: filter, publish: nil, accept: { _ in true })
            let problem = await connect(round: round, state: state, deadline: deadline)
            if state.storedEventsComplete {
                // A round that dropped halfway may have delivered some events already.
                var seen = Set<String>()
                return state.stored.filter { seen.insert($0.id).inserted }
            }
            if let refusal = state.refusal { throw RelayError("relay \(url) refused the subscription: \(refusal)") }
            lastProblem = problem ?? "the relay closed the connection"
            try? await Task.sleep(
                until: min(ContinuousClock.now.advanced(by: .milliseconds(200)), deadline), clock: .continuous)
        }
        throw RelayError("relay \(url): \(lastProblem)")
    }

    /// One connection: what to subscribe to, what to publish, and which events answer.
    private struct Round: Sendable {
        let subscription: String
        let filter: NostrFilter
        let publish: NostrEvent?
        let accept: @Sendable (NostrEvent) -> Bool
    }

    /// Runs one connection until it answers, fails, or the deadline passes; returns why it ended without an answer.
    private func connect(round: Round, state: ExchangeState, deadline: ContinuousClock.Instant) async -> String? {
        let url = self.url
        let logger = self.logger
        return await withTaskGroup(of: String?.self) { group in
            group.addTask {
                do {
                    try await WebSocketClient.connect(url: url, logger: logger) { inbound, outbound, _ in
                        try await Self.converse(round: round, state: state, inbound: inbound, outbound: outbound)
                    }
                    return nil
                } catch {
                    return "\(error)"
                }
            }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return Task.isCancelled ? nil : "deadline passed"
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// The NIP-01 conversation on an open connection.
    private static func converse(
        round: Round, state: ExchangeState, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter
    ) async throws {
        try await outbound.write(
            .text(ClientMessage.request(subscription: round.subscription, filters: [round.filter]).json))
        var live = false
        for try await frame in inbound.messages(maxSize: 1 << 20) {
            guard case .text(let text) = frame, let message = RelayMessage(json: text) else { continue }
            switch message {
            case .event(let subscription, let event) where subscription == round.subscription:
                guard round.filter.matches(event) else { continue }
                if round.publish == nil {
                    state.store(event)
                } else if round.accept(event) {
                    state.answer(event)
                    try? await outbound.close(.normalClosure, reason: nil)
                    return
                }
            case .endOfStoredEvents(let subscription) where subscription == round.subscription && !live:
                live = true
                guard let request = round.publish else {
                    state.completeStoredEvents()
                    try? await outbound.close(.normalClosure, reason: nil)
                    return
                }
                if !state.published {
                    // Marked before the write: a write that fails halfway may still have reached the relay.
                    state.markPublished()
                    try await outbound.write(.text(ClientMessage.event(request).json))
                }
            case .ok(let eventID, let accepted, let reason) where eventID == round.publish?.id:
                // "duplicate:" means the relay already has it: delivered before, keep waiting for the answer.
                if !accepted, !reason.hasPrefix("duplicate:") {
                    state.refuse(reason)
                    try? await outbound.close(.normalClosure, reason: nil)
                    return
                }
            case .closed(let subscription, let reason) where subscription == round.subscription:
                if !state.published { state.refuse("subscription closed: \(reason)") }
                return
            default:
                continue
            }
        }
    }

    private static func newSubscriptionID() -> String {
        var generator = SystemRandomNumberGenerator()
        return "dropbolt-" + String(generator.next() as UInt64, radix: 16)
    }
}

/// Why a relay could not give stored events.
public struct RelayError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public let message: String
    init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

/// What the connections of one exchange have learned, shared with the WebSocket handler.
private final class ExchangeState: Sendable {
    private struct Values {
        var published = false
        var answer: NostrEvent?
        var refusal: String?
        var stored: [NostrEvent] = []
        var storedEventsComplete = false
    }

    private let values = Mutex(Values())

    var published: Bool { values.withLock { $0.published } }
    var answer: NostrEvent? { values.withLock { $0.answer } }
    var refusal: String? { values.withLock { $0.refusal } }
    var stored: [NostrEvent] { values.withLock { $0.stored } }
    var storedEventsComplete: Bool { values.withLock { $0.storedEventsComplete } }

    func markPublished() { values.withLock { $0.published = true } }
    func answer(_ event: NostrEvent) { values.withLock { $0.answer = event } }
    func refuse(_ reason: String) { values.withLock { $0.refusal = reason } }
    func store(_ event: NostrEvent) { values.withLock { $0.stored.append(event) } }
    func completeStoredEvents() { values.withLock { $0.storedEventsComplete = true } }
}
