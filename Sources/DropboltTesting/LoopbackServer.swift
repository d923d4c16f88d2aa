import Hummingbird
import HummingbirdCore
import Logging

/// Starts a Hummingbird router on 127.0.0.1 with a port the system picks: the one way every loopback fake and
/// proxy in the test support comes up.
public enum LoopbackServer {
    /// A server that did not come up; says which one and why.
    public struct StartError: Error, CustomStringConvertible {
        /// What went wrong.
        public var description: String
    }

    /// Runs `router` on 127.0.0.1:0 and returns the bound port and the task running the server (cancel it to stop).
    ///
    /// - Parameter server: the protocol stack; `.tls(.http1(), tlsConfiguration:)` (HummingbirdTLS) for https.
    /// - Throws: ``StartError`` naming `name` when the server stops before it listens (a bind error, say).
    public static func start(
        _ router: Router<BasicRequestContext>, name: String, server: HTTPServerBuilder = .http1()
    ) async throws -> (port: Int, task: Task<Void, any Error>) {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: Logger(label: name) { _ in SwiftLogNoOpLogHandler() })
        let task = Task {
            // Finishing the stream also when the server fails to start turns a bind error into a throw below.
            defer { continuation.finish() }
            try await app.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            let failure: String
            switch await task.result {
            case .failure(let error): failure = "\(error)"
            case .success: failure = "the server stopped"
            }
            throw StartError(description: "\(name) did not start: \(failure)")
        }
        return (port, task)
    }
}
