import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// A loopback HTTP proxy in front of a real server (LNbits) that can hold matching requests before forwarding.
///
/// Crash tests hold the wallet's `POST /api/v1/payments` to kill the daemon while a payment is in flight, then
/// release it: the request then reaches the wallet, which pays, as it would after a client crash.
///
/// ```swift
/// let proxy = try await HoldingProxy.start(target: lnbits.url) { $0.method == .post && $0.path.hasPrefix("/api/v1/payments") }
/// proxy.hold(); … proxy.release()
/// ```
public final class HoldingProxy: Sendable {
    private struct State {
        var holding = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var forwarded = 0
        var serverTask: Task<Void, any Error>?
        var port = 0
    }

    private let state = Mutex(State())
    private let target: String
    private let matches: @Sendable (HTTPRequest) -> Bool

    private init(target: String, matches: @escaping @Sendable (HTTPRequest) -> Bool) {
        self.target = target
        self.matches = matches
    }

    /// `http://127.0.0.1:<port>`.
    public var url: String { "http://127.0.0.1:\(state.withLock { $0.port })" }

    /// Matching requests waiting right now.
    public var heldCount: Int { state.withLock { $0.waiters.count } }

    /// Requests forwarded so far.
    public var forwardedCount: Int { state.withLock { $0.forwarded } }

    /// Starts the proxy on a free loopback port.
    public static func start(
        target: String, holding matches: @escaping @Sendable (HTTPRequest) -> Bool
    ) async throws -> HoldingProxy {
        let proxy = HoldingProxy(target: target, matches: matches)
        let router = Router()
        router.on("**", method: .get) { request, _ in try await proxy.forward(request) }
        router.on("**", method: .post) { request, _ in try await proxy.forward(request) }
        let (port, task) = try await LoopbackServer.start(router, name: "HoldingProxy")
        proxy.state.withLock {
            $0.port = port
            $0.serverTask = task
        }
        return proxy
    }

    /// From now on, matching requests wait until ``release()``.
    public func hold() { state.withLock { $0.holding = true } }

    /// Lets every held request through and stops holding.
    public func release() {
        let waiters = state.withLock { state in
            state.holding = false
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Releases held requests and stops the server.
    public func stop() async {
        release()
        let task = state.withLock { $0.serverTask }
        task?.cancel()
        _ = await task?.result
    }

    private func forward(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 16 << 20)
        if matches(request.head) {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let wait = state.withLock { state in
                    guard state.holding else { return false }
                    state.waiters.append(continuation)
                    return true
                }
                if !wait { continuation.resume() }
            }
        }
        var outgoing = HTTPClientRequest(url: target + (request.uri.description))
        outgoing.method = NIOHTTP1.HTTPMethod(rawValue: request.method.rawValue)
        for field in request.headers where field.name != .contentLength {
            outgoing.headers.add(name: field.name.rawName, value: field.value)
        }
        outgoing.body = .bytes(body)
        let response = try await HTTPClient.shared.execute(outgoing, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        state.withLock { $0.forwarded += 1 }
        var headers = HTTPFields()
        for header in response.headers {
            if let name = HTTPField.Name(header.name), name != .contentLength, name != .transferEncoding {
                headers[name] = header.value
            }
        }
        return Response(
            status: HTTPResponse.Status(code: Int(response.status.code)), headers: headers,
            body: ResponseBody(byteBuffer: bytes))
    }
}
