import DropboltCore
import DropboltLightning
import DropboltStore
import DropboltWatch
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The `http:` endpoint: `/healthz`, `/metrics` (Prometheus text) and `/` (a small HTML status page), read-only.
///
/// A plain HTTP/1.1 server on SwiftNIO, one response per connection; only GET and HEAD. It shows no secret: no key,
/// token, preimage or invoice, only states, paths, amounts, reasons and refund links. Files are served by job id
/// only (`/file/<id>/original`, `/file/<id>/output`), never by a path from the request.
struct StatusServer: Service {
    let host: String
    let port: Int
    let status: StatusSource
    let logger: Logger

    func run() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        logger.info("status page listening", metadata: ["http": "http://\(host):\(server.channel.localAddress?.port ?? port)/"])
        status.listeningPort.withLock { $0 = server.channel.localAddress?.port }
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingDiscardingTaskGroup { group in
                    try await server.executeThenClose { connections in
                        for try await connection in connections {
                            group.addTask { await serve(connection) }
                        }
                    }
                }
            }
        } catch is CancellationError {
            // A stop: the listener closes; nothing to report.
        }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            for try await part in inbound {
                switch part {
                case .head(let received): head = received
                case .body: continue
                case .end:
                    guard let head else { return }
                    let response = await respond(to: head)
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: response.contentType)
                    headers.add(name: "Content-Length", value: String(response.body.count))
                    headers.add(name: "Cache-Control", value: "no-store")
                    headers.add(name: "Connection", value: "close")
                    // The page loads nothing from elsewhere; say so to the browser too.
                    headers.add(name: "Content-Security-Policy", value: "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:")
                    try await outbound.write(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers)))
                    if head.method != .HEAD { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body)))) }
                    try await outbound.write(.end(nil))
                    return
                }
            }
        }
    }

    private func respond(to head: HTTPRequestHead) async -> StatusResponse {
        guard head.method == .GET || head.method == .HEAD else {
            return StatusResponse(status: .methodNotAllowed, text: "only GET and HEAD\n")
        }
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
        do {
            switch path {
            case "/healthz":
                let health = await status.health()
                return StatusResponse(
                    status: health.healthy ? .ok : .serviceUnavailable, contentType: "application/json",
                    body: Array(health.json.utf8))
            case "/metrics":
                return StatusResponse(
                    status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8",
                    body: Array(try await status.metricsText().utf8))
            case "/":
                return StatusResponse(
                    status: .ok, contentType: "text/html; charset=utf-8", body: Array(try await status.pageHTML().utf8))
            default:
                if let file = try await status.file(forRequestPath: path) { return file }
                return StatusResponse(status: .notFound, text: "not found\n")
            }
        } catch {
            logger.warning("status endpoint failed", metadata: ["http.path": "\(path)", "error": "\(error)"])
            return StatusResponse(status: .internalServerError, text: "the status could not be read\n")
        }
    }
}

/// One answer of the status endpoint.
struct StatusResponse: Sendable {
    var status: HTTPResponseStatus
    var contentType = "text/plain; charset=utf-8"
    var body: [UInt8]

    init(status: HTTPResponseStatus, contentType: String, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    init(status: HTTPResponseStatus, text: String) {
        self.status = status
        self.body = Array(text.utf8)
    }
}
