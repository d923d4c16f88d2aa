import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// A loopback HTTP proxy in front of a real LNbits that makes a random fraction of outgoing payments end with the
/// outcome unknown to the client: the payment **is** forwarded to LNbits (so it is paid), but the answer is held
/// back for ``Configuration/holdSeconds`` — longer than the client's wallet timeout — and then replaced by a 504.
///
/// A client must resolve such a payment by looking it up by its hash (`GET /api/v1/payments/<hash>`, forwarded
/// unchanged), never by paying again. Every other request (lookups, balance, invoices) is forwarded as it is.
///
/// Only `POST /api/v1/payments` with `"out": true` in its JSON body counts as a payment. The chaos run
/// (`chaos/chaos.py`) points dropbolt's wallet at ``url``:
///
/// ```swift
/// let proxy = try await WalletTimeoutProxy.start(
///     target: lnbits.url, configuration: .init(timeoutRate: 0.05, holdSeconds: 30, seed: 7))
/// // … run the client against proxy.url, then:
/// print(proxy.payments, proxy.withheldPaymentHashes)
/// await proxy.stop()
/// ```
public final class WalletTimeoutProxy: Sendable {
    /// How often and how long answers are withheld.
    public struct Configuration: Sendable, Hashable {
        /// Fraction (0…1) of outgoing payments whose answer is withheld, chosen at random.
        public var timeoutRate: Double
        /// How long a withheld answer is held before the 504 (make it longer than the client's wallet timeout, so
        /// that the client times out first). ``WalletTimeoutProxy/stop()`` ends every hold at once.
        public var holdSeconds: Double
        /// Seed of the random choice (the same seed gives the same sequence of choices).
        public var seed: UInt64

        /// Creates a configuration; the default withholds nothing.
        public init(timeoutRate: Double = 0, holdSeconds: Double = 30, seed: UInt64 = 0) {
            self.timeoutRate = timeoutRate
            self.holdSeconds = holdSeconds
            self.seed = seed
        }
    }

    private struct State {
        var port = 0
        var serverTask: Task<Void, any Error>?
        var dice: FaultDice
        var forwarded = 0
        var payments = 0
        var withheld: [String] = []
        var stopped = false
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    private let state: Mutex<State>
    private let target: String
    /// How answers are withheld.
    public let configuration: Configuration

    private init(target: String, configuration: Configuration) {
        self.target = target.hasSuffix("/") ? String(target.dropLast()) : target
        self.configuration = configuration
        self.state = Mutex(State(dice: FaultDice(seed: configuration.seed)))
    }

    /// `http://127.0.0.1:<port>`.
    public var url: String { "http://127.0.0.1:\(state.withLock { $0.port })" }

    /// Requests forwarded to LNbits so far (every kind).
    public var forwardedCount: Int { state.withLock { $0.forwarded } }

    /// Outgoing payments (`POST /api/v1/payments`, `"out": true`) received so far, withheld or not.
    public var payments: Int { state.withLock { $0.payments } }

    /// Payment hashes (as LNbits answered them, or `?` when its answer had none) of the payments whose answer was
    /// withheld, in order.
    public var withheldPaymentHashes: [String] { state.withLock { $0.withheld } }

    /// Starts the proxy on a free loopback port, in front of `target` (e.g. ``LNbitsServer/url``).
    public static func start(target: String, configuration: Configuration) async throws -> WalletTimeoutProxy {
        let proxy = WalletTimeoutProxy(target: target, configuration: configuration)
        let router = Router()
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            router.on("**", method: method) { request, _ in try await proxy.forward(request) }
        }
        let (port, task) = try await LoopbackServer.start(router, name: "WalletTimeoutProxy")
        proxy.state.withLock {
            $0.port = port
            $0.serverTask = task
        }
        return proxy
    }

    /// Ends every hold (those requests get their 504 now) and stops the server; returns when it has stopped.
    public func stop() async {
        let (waiters, task) = state.withLock { state in
            state.stopped = true
            defer { state.waiters = [:] }
            return (Array(state.waiters.values), state.serverTask)
        }
        for waiter in waiters { waiter.resume() }
        task?.cancel()
        _ = await task?.result
    }

    private func forward(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 16 << 20)
        let isPayment =
            request.method == .post && request.uri.path == "/api/v1/payments"
            && ((try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any])?["out"]
                as? Bool == true
        let withhold = state.withLock { state -> Bool in
            guard isPayment else { return false }
            state.payments += 1
            return state.dice.roll(configuration.timeoutRate)
        }
        var outgoing = HTTPClientRequest(url: target + request.uri.description)
        outgoing.method = NIOHTTP1.HTTPMethod(rawValue: request.method.rawValue)
        // Identity encoding only: HTTPClient.shared inflates a gzip answer itself, and the client would then get a
        // `Content-Encoding: gzip` header over plain bytes.
        for field in request.headers where field.name != .contentLength && field.name != .acceptEncoding {
            outgoing.headers.add(name: field.name.rawName, value: field.value)
        }
        outgoing.body = .bytes(body)
        let response = try await HTTPClient.shared.execute(outgoing, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        state.withLock { $0.forwarded += 1 }
        if withhold {
            let hash =
                ((try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any])?[
                    "payment_hash"] as? String ?? "?"
            state.withLock { $0.withheld.append(hash) }
            await holdAnswer()
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            let detail = #"{"detail":"wallet proxy: the answer was withheld (injected timeout)"}"#
            return Response(
                status: .gatewayTimeout, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: detail)))
        }
        var headers = HTTPFields()
        for header in response.headers {
            if let name = HTTPField.Name(header.name), name != .contentLength, name != .transferEncoding,
                name != .contentEncoding
            {
                headers[name] = header.value
            }
        }
        return Response(
            status: HTTPResponse.Status(code: Int(response.status.code)), headers: headers,
            body: ResponseBody(byteBuffer: bytes))
    }

    /// Waits ``Configuration/holdSeconds``, or until ``stop()`` or cancellation, whichever comes first.
    private func holdAnswer() async {
        let id = UUID()
        let hold = configuration.holdSeconds
        var timeout: Task<Void, Never>?
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let waiting = state.withLock { state in
                    guard !state.stopped, !Task.isCancelled else { return false }
                    state.waiters[id] = continuation
                    return true
                }
                guard waiting else {
                    continuation.resume()
                    return
                }
                // Started after the registration, so the timeout can never fire before there is a waiter.
                timeout = Task { [weak self] in
                    try? await Task.sleep(for: .seconds(hold))
                    self?.resumeWaiter(id)
                }
            }
        } onCancel: {
            resumeWaiter(id)
        }
        timeout?.cancel()
    }

    private func resumeWaiter(_ id: UUID) {
        state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
    }
}
