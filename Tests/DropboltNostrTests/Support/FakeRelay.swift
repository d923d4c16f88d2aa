import DropboltNostr
import DropboltTesting
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket

/// A NIP-01 relay in this process, on 127.0.0.1 with a port the system picks, with a fake NWC wallet service
/// behind it and switches for the faults a real relay shows (dropped connections, refused events, silence).
///
/// Ephemeral events (kinds 20000–29999, NWC requests and responses) are forwarded to current subscribers and never
/// stored, as real relays do: a client that is not subscribed when the answer passes never sees it.
final class FakeRelay: Sendable {
    /// The relay's `ws://127.0.0.1:port` URL.
    let url: String
    /// Subscriptions, stored events, the wallet and the fault switches.
    let hub: RelayHub
    private let task: Task<Void, any Error>

    private init(url: String, hub: RelayHub, task: Task<Void, any Error>) {
        self.url = url
        self.hub = hub
        self.task = task
    }

    /// Starts a relay; `wallet` answers the NWC requests addressed to it.
    static func start(wallet: FakeWalletService?) async throws -> FakeRelay {
        let hub = RelayHub(wallet: wallet)
        let (port, task) = try await LoopbackServer.start(
            Router(), name: "fake-relay",
            server: .http1WebSocketUpgrade { _, _, _ in
                .upgrade([:]) { inbound, outbound, _ in
                    let connection = await hub.connect(outbound)
                    do {
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            guard case .text(let text) = message else { continue }
                            await hub.handle(text, from: connection)
                            if await hub.isDropped(connection) { break }
                        }
                    } catch {
                        // A client that vanished mid-frame; the relay forgets it like any other.
                    }
                    await hub.disconnect(connection)
                }
            })
        return FakeRelay(url: "ws://127.0.0.1:\(port)", hub: hub, task: task)
    }

    /// Stops the server.
    func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// What can go wrong at the relay, switched on by a test.
enum RelayFault: Sendable {
    /// Forward the next NWC request to the wallet, but first close the requester's connection without an `OK`:
    /// the answer passes while the client is away.
    case dropRequesterOnNextRequest
    /// Refuse published events with `OK false`.
    case refuseEvents(String)
    /// Close every connection as soon as it subscribes (nothing can be published).
    case dropEverySubscriber
}

/// The relay's state: connections and their subscriptions, stored events, faults.
actor RelayHub {
    private struct Connection {
        let outbound: WebSocketOutboundWriter
        var subscriptions: [String: [NostrFilter]] = [:]
        var dropped = false
    }

    private var connections: [Int: Connection] = [:]
    private var nextConnection = 0
    private var stored: [NostrEvent] = []
    private(set) var publishCounts: [String: Int] = [:]
    private(set) var connectionCount = 0
    private(set) var subscriptionCount = 0
    private var faults: [RelayFault] = []
    let wallet: FakeWalletService?

    init(wallet: FakeWalletService?) { self.wallet = wallet }

    /// Adds a fault; faults apply in the order added, each once unless it is `dropEverySubscriber`/`refuseEvents`.
    func inject(_ fault: RelayFault) { faults.append(fault) }

    /// Removes every fault.
    func heal() { faults.removeAll() }

    /// Stores an event as if someone had published it (the wallet's info event, say).
    func store(_ event: NostrEvent) { stored.append(event) }

    /// How many times an event with this id was published.
    func publishCount(_ id: String) -> Int { publishCounts[id] ?? 0 }

    /// Every NWC request published so far.
    var requestsPublished: Int { publishCounts.values.reduce(0, +) }

    fileprivate func connect(_ outbound: WebSocketOutboundWriter) -> Int {
        nextConnection += 1
        connectionCount += 1
        connections[nextConnection] = Connection(outbound: outbound)
        return nextConnection
    }

    fileprivate func disconnect(_ id: Int) { connections[id] = nil }

    fileprivate func isDropped(_ id: Int) -> Bool { connections[id]?.dropped ?? true }

    fileprivate func handle(_ text: String, from id: Int) async {
        guard let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any],
            let type = array.first as? String
        else { return }
        switch type {
        case "REQ":
            guard array.count >= 3, let subscription = array[1] as? String else { return }
            let filters = array.dropFirst(2).compactMap { Self.decode(NostrFilter.self, $0) }
            subscriptionCount += 1
            if faults.contains(where: { if case .dropEverySubscriber = $0 { true } else { false } }) {
                await drop(id)
                return
            }
            connections[id]?.subscriptions[subscription] = filters
            for event in stored where filters.contains(where: { $0.matches(event) }) {
                await send(Self.eventMessage(event, subscription: subscription), to: id)
            }
            await send(#"["EOSE","\#(subscription)"]"#, to: id)
        case "CLOSE":
            guard array.count >= 2, let subscription = array[1] as? String else { return }
            connections[id]?.subscriptions[subscription] = nil
        case "EVENT":
            guard array.count >= 2, let event = Self.decode(NostrEvent.self, array[1]), event.isAuthentic else {
                return
            }
            await publish(event, from: id)
        default:
            return
        }
    }

    private func publish(_ event: NostrEvent, from id: Int) async {
        publishCounts[event.id, default: 0] += 1
        for fault in faults {
            if case .refuseEvents(let reason) = fault {
                await send(#"["OK","\#(event.id)",false,"\#(reason)"]"#, to: id)
                return
            }
        }
        if event.kind == NWCKind.request,
            let index = faults.firstIndex(where: {
                if case .dropRequesterOnNextRequest = $0 { true } else { false }
            })
        {
            faults.remove(at: index)
            await drop(id)
        } else {
            await send(#"["OK","\#(event.id)",true,""]"#, to: id)
        }
        await deliver(event)
        if event.kind == NWCKind.request, let wallet, let answer = await wallet.answer(event) {
            await deliver(answer)
        }
    }

    /// Sends `event` to every matching subscription; stores it unless it is ephemeral.
    private func deliver(_ event: NostrEvent) async {
        if !(20000..<30000).contains(event.kind) { stored.append(event) }
        for (id, connection) in connections where !connection.dropped {
            for (subscription, filters) in connection.subscriptions where filters.contains(where: { $0.matches(event) })
            {
                await send(Self.eventMessage(event, subscription: subscription), to: id)
            }
        }
    }

    private func drop(_ id: Int) async {
        guard let connection = connections[id] else { return }
        connections[id]?.dropped = true
        connections[id]?.subscriptions = [:]
        try? await connection.outbound.close(.goingAway, reason: "fake relay drop")
    }

    private func send(_ text: String, to id: Int) async {
        guard let connection = connections[id], !connection.dropped else { return }
        try? await connection.outbound.write(.text(text))
    }

    private static func eventMessage(_ event: NostrEvent, subscription: String) -> String {
        let json = String(decoding: try! JSONEncoder().encode(event), as: UTF8.self)
        return #"["EVENT","\#(subscription)",\#(json)]"#
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ object: Any) -> T? {
        guard let data = try? JSONSerialization.data(withJSONObject: object) else { return nil }
        return try? JSONDecoder().decode(type, from: data)
    }
}
