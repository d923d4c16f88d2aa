import AsyncHTTPClient
import DropboltCore
import DropboltLightning
import DropboltStore
import DropboltTesting
import Foundation
import HTTPTypes
import Testing

/// Black-box crash tests: the real `dropbolt run` process is SIGKILLed at a chosen step of the paid path, then
/// started again; every job must finish with exactly one payment and one output.
@Suite(.serialized)
struct CrashTests {
    /// LNbits, the fake provider, a holding proxy (in front of LNbits' payment endpoint, or of the provider's unpaid
    /// requests), and a config for them.
    struct Rig {
        let world: PaidPathTests.World
        let proxy: HoldingProxy

        var harness: DaemonHarness { world.harness }
    }

    /// With `holdingQuotes`, the proxy stands in front of the provider instead and holds its unpaid requests (no
    /// credential yet); the wallet is LNbits itself.
    static func withRig(holdingQuotes: Bool = false, _ body: (Rig) async throws -> Void) async throws {
        let lnbits = try await LNbitsServer.forTest()
        var cleanups: [@Sendable () async -> Void] = []
        do {
            let fake = try await FakeSats4AI.start(lnbits: lnbits)
            cleanups.insert({ await fake.stop() }, at: 0)
            let proxy =
                holdingQuotes
                ? try await HoldingProxy.start(target: fake.url) {
                    $0.method == .post && $0.headerFields[.authorization] == nil
                }
                : try await HoldingProxy.start(target: lnbits.url) {
                    $0.method == .post && ($0.path ?? "").hasPrefix("/api/v1/payments")
                }
            cleanups.insert({ await proxy.stop() }, at: 0)
            let keyFolder = try TemporaryDirectory(prefix: "key")
            defer { keyFolder.remove() }
            let keyFile = try keyFolder.write("wallet.key", contents: lnbits.payer.adminkey + "\n")
            let walletURL = holdingQuotes ? lnbits.url : proxy.url
            let harness = try DaemonHarness(
                extraConfig: "wallet:\n  kind: lnbits\n  url: \(walletURL)\n  key_file: \(keyFile)\n",
                providerURL: holdingQuotes ? proxy.url : fake.url)
            defer { harness.directory.remove() }
            let wallet = LNbitsWallet(url: lnbits.url, adminKey: lnbits.payer.adminkey, httpClient: .shared)
            try await body(
                Rig(world: PaidPathTests.World(lnbits: lnbits, provider: fake, harness: harness, wallet: wallet), proxy: proxy))
        } catch {
            for cleanup in cleanups { await cleanup() }
            throw error
        }
        for cleanup in cleanups { await cleanup() }
    }

    /// The daemon as a child process with its log in a file.
    final class DaemonProcess {
        let process = Process()
        let logPath: String

        init(_ harness: DaemonHarness, name: String, environment: [String: String] = [:]) throws {
            logPath = harness.directory.url("\(name).log")
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            process.executableURL = URL(fileURLWithPath: BinarySmokeTests.binary)
            process.arguments = ["run", "--config", harness.configPath, "--log-level", "debug"]
            if !environment.isEmpty {
                process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
            }
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            process.standardOutput = FileHandle.nullDevice
            try process.run()
        }

        var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

        func waitUntilWatching() async throws {
            try await waitUntil(timeout: .seconds(30), what: "start-up reconcile") { self.log.contains("reconcile scan finished") }
        }

        func kill9() async throws {
            kill(process.processIdentifier, SIGKILL)
            try await waitUntil(timeout: .seconds(10), what: "the daemon to die") { !self.process.isRunning }
        }

        deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    }

    /// After the restart: one done job, one payment in LNbits and in the store, spend equal to the wallet's record.
    /// Starts a daemon process, drops `image` into inbox/products and returns once its paid request is held at
    /// the provider (paid for, answer not yet given).
    static func startWithThePaidRequestHeld(_ rig: Rig, image: String) async throws -> (DaemonProcess, String) {
        let first = try DaemonProcess(rig.harness, name: "first")
        try await first.waitUntilWatching()
        rig.world.provider.holdPaidRequests()
        let path = try PaidPathTests.dropImage(rig.harness, "inbox/products/" + image)
        try await waitUntil(timeout: .seconds(60), what: "the paid request to be held") {
            rig.world.provider.heldRequestCount == 1
        }
        return (first, path)
    }

    static func expectExactlyOnce(_ rig: Rig, path: String, output: String, balanceBefore: Int64) async throws {
        let job = try await rig.harness.waitForJob(path, state: .done, timeout: .seconds(120))
        #expect(job.outputPath == output)
        #expect(FileManager.default.fileExists(atPath: output))
        #expect(try await rig.world.outgoingPayments().count == 1)
        #expect(try await rig.harness.store().succeededPayments().count == 1)
        let spent = try await rig.harness.store().spend(by: .rule).reduce(Int64(0)) { $0 + $1.amountMsat + $1.feeMsat }
        #expect(spent == balanceBefore - (try await rig.world.payerBalance()))
        #expect(rig.world.provider.violations.isEmpty, "\(rig.world.provider.violations)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
            .filter { $0.contains(".dropbolt-") }
        #expect(leftovers.isEmpty, "partial output files: \(leftovers)")
    }

    @Test func killedWhilePayingThePaymentIsLookedUpNotRepeated() async throws {
        try await Self.withRig { rig in
            let harness = rig.harness
            let before = try await rig.world.payerBalance()
            let first = try DaemonProcess(harness, name: "first")
            try await first.waitUntilWatching()
            rig.proxy.hold()
            let path = try PaidPathTests.dropImage(harness, "inbox/products/paying.png")
            try await waitUntil(timeout: .seconds(60), what: "the wallet call to be held") { rig.proxy.heldCount == 1 }
            #expect(try await harness.jobs().first?.state == .paying)
            try await first.kill9()
            // The request had reached the wallet side: it goes through after the client died.
            rig.proxy.release()
            try await waitUntil(timeout: .seconds(30), what: "the payment to settle") {
                try await rig.world.outgoingPayments().count == 1
            }
            let second = try DaemonProcess(harness, name: "second")
            try await Self.expectExactlyOnce(rig, path: path, output: harness.inbox + "/paying.nobg.png", balanceBefore: before)
            try await second.kill9()
        }
    }

    @Test func killedWhileTheProviderHoldsThePaidRequestTheSameCredentialIsUsedAgain() async throws {
        try await Self.withRig { rig in
            let harness = rig.harness
            let before = try await rig.world.payerBalance()
            let (first, path) = try await Self.startWithThePaidRequestHeld(rig, image: "paid.png")
            #expect(try await harness.jobs().first?.state == .paid)
            try await first.kill9()
            rig.world.provider.abandonHeldRequests()
            let second = try DaemonProcess(harness, name: "second")
            try await Self.expectExactlyOnce(rig, path: path, output: harness.inbox + "/paid.nobg.png", balanceBefore: before)
            #expect(rig.world.provider.challengesIssued == 1)
            try await second.kill9()
        }
    }

    @Test func killedWithTheResultSpooledTheOutputIsWrittenAfterRestart() async throws {
        try await Self.withRig { rig in
            let harness = rig.harness
            let before = try await rig.world.payerBalance()
            let (first, path) = try await Self.startWithThePaidRequestHeld(rig, image: "fetched.png")
            // The folder goes away while the result is on its way: the result is spooled, the write cannot happen.
            let away = harness.directory.url("inbox/products-away")
            #expect(rename(harness.inbox, away) == 0)
            rig.world.provider.releasePaidRequests()
            try await waitUntil(timeout: .seconds(60), what: "the job to be fetched") {
                try await harness.jobs().first?.state == .fetched
            }
            try await first.kill9()
            #expect(rename(away, harness.inbox) == 0)
            let second = try DaemonProcess(harness, name: "second")
            try await Self.expectExactlyOnce(rig, path: path, output: harness.inbox + "/fetched.nobg.png", balanceBefore: before)
            try await second.kill9()
        }
    }

    @Test func aJobLeftInvoicedAsksForAFreshInvoiceAndNeverPaysTheOldOne() async throws {
        try await Self.withRig { rig in
            let harness = rig.harness
            let before = try await rig.world.payerBalance()
            // Queue only, then leave the job exactly as a crash right after committing `invoiced` would.
            let path = try PaidPathTests.dropImage(harness, "inbox/products/invoiced.png")
            try await harness.withDaemon { _ in try await harness.waitForJobs(1) }
            let stale = try await rig.world.lnbits.createInvoice(amountSats: 300, memo: "stale", expirySeconds: 600)
            let writer = try Store.open(stateFolder: try harness.configuration().stateFolder)
            let job = try #require(try await harness.jobs().first)
            try await writer.recordInvoiced(
                jobID: job.id ?? 0, from: .queued, invoice: stale.bolt11, paymentHash: stale.paymentHash, amountMsat: 300_000,
                token: "c3RhbGU=", at: Date())
            try writer.close()
            let daemon = try DaemonProcess(harness, name: "after")
            try await Self.expectExactlyOnce(rig, path: path, output: harness.inbox + "/invoiced.nobg.png", balanceBefore: before)
            #expect(try await rig.world.lnbits.isPaid(paymentHash: stale.paymentHash) == false)
            try await daemon.kill9()
        }
    }
}
