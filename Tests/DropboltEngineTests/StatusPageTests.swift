import AsyncHTTPClient
import DropboltCore
import DropboltLightning
import DropboltStore
import DropboltTesting
import Foundation
import Glibc
import NIOCore
import NIOHTTP1
import Testing

/// The `http:` endpoint of a running daemon: `/healthz`, `/metrics` read by Prometheus' own parser, and the page
/// rendered by a real headless Chromium.
@Suite(.serialized)
struct StatusPageTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// A free loopback port (bound and released; the daemon binds it right after).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func get(_ url: String) async throws -> (status: Int, body: String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(20))
        let body = try await response.body.collect(upTo: 1 << 22)
        return (Int(response.status.code), String(buffer: body))
    }

    /// Runs a program with `input` on stdin; returns status and stdout.
    static func run(_ executable: String, _ arguments: [String], input: String = "") throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func healthMetricsAndThePageInAHeadlessBrowserShowWhatHappened() async throws {
        let port = try Self.freePort()
        try await PaidPathTests.withWorld(extraConfig: "http: 127.0.0.1:\(port)") { world in
            let harness = world.harness
            let base = "http://127.0.0.1:\(port)"
            try await harness.withDaemon(wallet: world.wallet) { _ in
                let edited = try PaidPathTests.dropImage(harness, "inbox/products/lamp.png")
                let captioned = try PaidPathTests.dropImage(harness, "inbox/captions/beach.png")
                try await harness.waitForJob(edited, state: .done)
                try await harness.waitForJob(captioned, state: .done)
                world.provider.failPaidRequests(.upstreamFailedWithRefund)
                let refunded = try PaidPathTests.dropImage(harness, "inbox/captions/broken.png")
                let attention = try await harness.waitForJob(refunded, state: .attention)
                let refund = try #require(attention.refundURL)

                let health = try await Self.get(base + "/healthz")
                #expect(health.status == 200, "\(health.body)")
                let healthJSON = try #require(try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: String])
                #expect(healthJSON == ["status": "ok", "watcher": "ok", "database": "ok", "wallet": "ok"])

                // /metrics through Prometheus' reference parser (python3-prometheus-client).
                let metrics = try await Self.get(base + "/metrics")
                #expect(metrics.status == 200)
                let parsed = try Self.run(
                    "/usr/bin/python3",
                    ["-c", """
                        import sys, json
                        from prometheus_client.parser import text_string_to_metric_families
                        out = {}
                        for family in text_string_to_metric_families(sys.stdin.read()):
                            for s in family.samples:
                                key = s.name + "".join("|%s=%s" % kv for kv in sorted(s.labels.items()))
                                out[key] = s.value
                        print(json.dumps(out))
                        """],
                    input: metrics.body)
                #expect(parsed.status == 0, "the Prometheus parser refused the text:\n\(metrics.body)")
                let samples = try #require(try JSONSerialization.jsonObject(with: Data(parsed.output.utf8)) as? [String: Double])
                #expect(samples["dropbolt_jobs|state=done"] == 2)
                #expect(samples["dropbolt_jobs|state=attention"] == 1)
                #expect(samples["dropbolt_queue_depth"] == 0)
                let editPrice = Double(world.provider.configuration.editPriceSats)
                let analyzePrice = Double(world.provider.configuration.analyzePriceSats)
                #expect(samples["dropbolt_spent_sats_total|rule=products"] == editPrice)
                #expect(samples["dropbolt_spent_sats_total|rule=captions"] == 2 * analyzePrice)
                #expect(samples["dropbolt_budget_left_sats|limit=daily"] == 10_000 - editPrice - 2 * analyzePrice)
                #expect(samples["dropbolt_wallet_balance_sats"] == Double(try await world.payerBalance()) / 1000)
                #expect(samples["dropbolt_payment_seconds_count"] == 3)
                #expect(samples["dropbolt_provider_request_seconds_count"] ?? 0 >= 6)
                #expect(samples["dropbolt_detection_lag_seconds_count"] == 3)
                #expect(samples["dropbolt_detection_lag_seconds_bucket|le=+Inf"] == 3)

                // Files are served by job id only.
                #expect(try await Self.get(base + "/file/999/original").status == 404)
                #expect(try await Self.get(base + "/../../etc/passwd").status == 404)

                // The page, as a browser shows it once its script ran.
                let chromium = try #require(Self.chromium, "chromium is installed by make test")
                let dom = try Self.run(
                    chromium,
                    ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000", "--dump-dom", base + "/"])
                #expect(dom.status == 0)
                let page = dom.output
                #expect(page.contains("lamp.png") && page.contains("beach.png") && page.contains("broken.png"))
                #expect(page.contains("lamp.nobg.png"))
                #expect(page.contains("A test caption for an image of"), "the caption text is shown")
                // Three originals and one edited output were drawn by the page itself.
                #expect(page.contains("data-thumbnails=\"4\""), "\(page.prefix(3000))")
                #expect(!page.contains("data-drawn=\"failed\""))
                #expect(page.contains("<svg id=\"spend-chart\""))
                #expect(page.contains("data-limit=\"daily\" data-spent-msat=\"\(Int64((editPrice + 2 * analyzePrice) * 1000))\""))
                #expect(page.contains("data-limit=\"monthly\""))
                #expect(page.contains("class=\"refund\" href=\"\(refund)\""), "the refund link is offered")
                // Nothing secret: no invoice, token or preimage.
                let jobs = try await harness.jobs()
                for job in jobs {
                    for secret in [job.invoice, job.credential].compactMap({ $0 }) {
                        #expect(!page.contains(secret) && !metrics.body.contains(secret))
                    }
                }
                for payment in try await harness.store().succeededPayments() {
                    if let preimage = payment.preimage { #expect(!page.contains(preimage)) }
                }
                #expect(!page.contains(world.lnbits.payer.adminkey))
            }
        }
    }

    @Test func healthTurns503WhenTheWalletIsUnreachable() async throws {
        let port = try Self.freePort()
        let harness = try DaemonHarness(extraConfig: "http: 127.0.0.1:\(port)")
        defer { harness.directory.remove() }
        let unreachable = LNbitsWallet(url: "http://127.0.0.1:9", adminKey: "0123456789abcdef", httpClient: .failingFast)
        try await harness.withDaemon(wallet: unreachable) { _ in
            let health = try await Self.get("http://127.0.0.1:\(port)/healthz")
            #expect(health.status == 503)
            let fields = try #require(try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: String])
            #expect(fields["status"] == "failing")
            #expect(fields["watcher"] == "ok")
            #expect(fields["database"] == "ok")
            #expect(fields["wallet"]?.hasPrefix("unreachable") == true, "\(fields)")
            #expect(!health.body.contains("0123456789abcdef"))
        }
    }
}
