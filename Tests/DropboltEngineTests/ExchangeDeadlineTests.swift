import AsyncHTTPClient
import DropboltCore
import DropboltLightning
import DropboltSats4AI
import DropboltTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A loopback server for result downloads.
enum ImageServer {
    /// Serves `image` as `image/png` at `<url>`, for the duration of `body`.
    static func withServer(image: [UInt8], _ body: @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.get("/result.png") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "image/png"],
                body: .init(byteBuffer: ByteBuffer(bytes: image)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port!)/result.png")
        }
    }
}

/// Issue 8, gap 4: one deadline for the whole exchange, body included, and a size cap on every body.
@Suite(.serialized)
struct ExchangeDeadlineTests {
    /// A server whose answers start at once and then trickle one byte every 200 ms (at most 300 bytes), or send
    /// 3 MB.
    static func withTrickleServer(_ body: @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        let trickle: @Sendable (Request, BasicRequestContext) async throws -> Response = { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody { writer in
                    for _ in 0..<300 {
                        try await writer.write(ByteBuffer(string: " "))
                        try await Task.sleep(for: .milliseconds(200))
                    }
                    try await writer.finish(nil)
                })
        }
        router.post("/api/l402/analyze-image", use: trickle)
        router.get("/api/v1/wallet", use: trickle)
        router.get("/huge/api/v1/wallet") { _, _ in
            Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: UInt8(ascii: " "), count: 3 << 20)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in try await body("http://127.0.0.1:\(client.port!)") }
    }

    @Test func aProviderTricklingItsBodyIsCutAtTheDeadline() async throws {
        try await Self.withTrickleServer { url in
            let provider = Sats4AIClient(baseURL: url, httpClient: .shared, timeout: .seconds(2))
            let started = ContinuousClock.now
            await #expect(throws: ProviderTransportError.self) {
                _ = try await provider.post(.analyzeImage, body: Array("{}".utf8))
            }
            let elapsed = ContinuousClock.now - started
            // 300 bytes at 200 ms would take a minute; the deadline is 2 s.
            #expect(elapsed < .seconds(10), "\(elapsed)")
        }
    }

    @Test func aWalletTricklingItsBodyIsCutAndAHugeBodyIsRefused() async throws {
        try await Self.withTrickleServer { url in
            let slow = LNbitsWallet(url: url, adminKey: "k", httpClient: .shared, timeout: .seconds(2))
            let started = ContinuousClock.now
            await #expect(throws: PaymentError.self) { _ = try await slow.balance() }
            #expect(ContinuousClock.now - started < .seconds(10))
            let huge = LNbitsWallet(url: url + "/huge", adminKey: "k", httpClient: .shared, timeout: .seconds(10))
            let error = await #expect(throws: PaymentError.self) { _ = try await huge.balance() }
            let cause = error?.cause.map { "\($0)" } ?? ""
            #expect(cause.contains("larger than 1048576 bytes"), "\(cause)")
        }
    }

    @Test func aResultURLMustBeHTTPSUnlessLoopback() async throws {
        let provider = Sats4AIClient(baseURL: "http://127.0.0.1:9", httpClient: .shared, timeout: .seconds(2))
        let error = await #expect(throws: ProviderTransportError.self) {
            _ = try await provider.download("http://images.example.com/r.png", limit: 1 << 20)
        }
        #expect(error?.message.contains("must be https") == true)
        #expect(RemoteURLPolicy.allows("https://cdn.example.com/r.png?sig=abc"))
        #expect(RemoteURLPolicy.allows("http://127.0.0.1:8080/r.png"))
        #expect(!RemoteURLPolicy.allows("http://127.0.0.1.evil.example/r.png"))
        #expect(!RemoteURLPolicy.allows("https://user:pw@cdn.example.com/r.png"))
        #expect(!RemoteURLPolicy.allows("file:///etc/passwd"))
    }
}
