import AsyncHTTPClient
import DropboltCore
import DropboltLightning
import DropboltStore
import DropboltTesting
import Foundation
import Testing

/// `dropbolt scan` on an archive: 300 images already in a folder when its rule is added (the daemon records them
/// but never queues them). The real binary, real LNbits, the fake provider.
@Suite(.serialized)
struct ScanTests {
    static let archiveSize = 300

    /// LNbits, the fake provider, a harness whose config pays through LNbits, and 300 images that predate the rule.
    static func withArchive(
        estimateAvailable: Bool, _ body: (PaidPathTests.World, [String]) async throws -> Void
    ) async throws {
        let lnbits = try await LNbitsServer.forTest()
        let fake = try await FakeSats4AI.start(lnbits: lnbits, configuration: .init(estimateAvailable: estimateAvailable))
        do {
            let keyFolder = try TemporaryDirectory(prefix: "key")
            defer { keyFolder.remove() }
            let keyFile = try keyFolder.write("wallet.key", contents: lnbits.payer.adminkey + "\n")
            chmod(keyFile, 0o600)
            let harness = try DaemonHarness(
                extraConfig: "workers: 4\nwallet:\n  kind: lnbits\n  url: \(lnbits.url)\n  key_file: \(keyFile)\n",
                providerURL: fake.url, rules: [:])
            defer { harness.directory.remove() }
            var originals: [String] = []
            for index in 0..<archiveSize {
                originals.append(try PaidPathTests.dropImage(harness, "inbox/captions/archive/\(index / 100)/photo\(index).png"))
            }
            // The rule arrives after the photos: its baseline is later than every file.
            try await Task.sleep(for: .milliseconds(20))
            try harness.directory.write("rules/captions.yaml", contents: DaemonHarness.captionsRule + "\nrecursive: true\n")
            // The daemon sees them once and, as designed, queues none: they predate the rule.
            let once = try ScanCLI.run(["run", "--once", "--config", harness.configPath])
            #expect(once.status == 0, "\(once.output)")
            #expect(try await harness.jobs().isEmpty)
            let wallet = LNbitsWallet(url: lnbits.url, adminKey: lnbits.payer.adminkey, httpClient: .shared)
            try await body(PaidPathTests.World(lnbits: lnbits, provider: fake, harness: harness, wallet: wallet), originals)
        } catch {
            await fake.stop()
            throw error
        }
        await fake.stop()
    }

    @Test func aDryRunCountsAndQuotesFromAFirstInvoiceAndPaysNothing() async throws {
        try await Self.withArchive(estimateAvailable: false) { world, _ in
            let harness = world.harness
            let dry = try ScanCLI.run(["scan", harness.directory.url("inbox/captions"), "--dry-run", "--json", "--config", harness.configPath])
            #expect(dry.status == 0, "\(dry.output)")
            let plan = try ScanCLI.object(dry.output)
            #expect(plan["files"] as? Int == Self.archiveSize)
            let rule = try #require((plan["rules"] as? [[String: Any]])?.first)
            #expect(rule["to_pay"] as? Int == Self.archiveSize)
            #expect(rule["price_source"] as? String == "first_invoice")
            #expect(rule["price_sats"] as? Double == Double(world.provider.configuration.analyzePriceSats))
            #expect(plan["estimate_sats"] as? Double == Double(Self.archiveSize * world.provider.configuration.analyzePriceSats))
            // The human form says the same, and that the price is an estimate.
            let text = try ScanCLI.run(["scan", harness.directory.url("inbox/captions"), "--dry-run", "--config", harness.configPath])
            #expect(text.output.contains("\(Self.archiveSize) to pay"), "\(text.output)")
            #expect(text.output.contains("from a first invoice, not paid; an estimate"), "\(text.output)")
            #expect(text.output.contains("estimate: \(Self.archiveSize) jobs, about 6,300 sats"), "\(text.output)")
            // Without a terminal and without --yes it refuses (exit 3) and queues nothing.
            let unconfirmed = try ScanCLI.run(["scan", harness.directory.url("inbox/captions"), "--config", harness.configPath])
            #expect(unconfirmed.status == 3, "\(unconfirmed.output)")
            #expect(try await harness.jobs().isEmpty)
            #expect(try await world.outgoingPayments().isEmpty)
            #expect(world.provider.paidRequests == 0)
            #expect(world.provider.estimatesServed >= 1)
            #expect(world.provider.violations.isEmpty, "\(world.provider.violations)")
        }
    }

    @Test func maxSatsStopsQueueingAndAnInterruptedScanResumedDoesEveryFileExactlyOnce() async throws {
        try await Self.withArchive(estimateAvailable: true) { world, originals in
            let harness = world.harness
            let archive = harness.directory.url("inbox/captions")
            let price = Int64(world.provider.configuration.analyzePriceSats)
            let before = try await world.payerBalance()

            // 1. The whole archive with a budget for 20 images: 20 are queued and worked here (no daemon runs),
            //    the other 280 are left out.
            let limited = try ScanCLI.run(["scan", archive, "--yes", "--max-sats", "\(20 * price)", "--json", "--config", harness.configPath])
            #expect(limited.status == 0, "\(limited.output)")
            let plan = try ScanCLI.object(limited.output)
            #expect((plan["rules"] as? [[String: Any]])?.first?["price_source"] as? String == "provider_estimate")
            let outcome = try ScanCLI.lastObject(limited.output)
            let queued = try #require(outcome["queued"] as? [String: Any])
            #expect(queued["queued"] as? Int == 20)
            #expect(queued["left_for_limit"] as? Int == Self.archiveSize - 20)
            #expect((outcome["progress"] as? [String: Any])?["done"] as? Int == 20)
            #expect(try await world.outgoingPayments().count == 20)
            #expect(world.provider.challengesIssued == 20)

            // 2. One folder of 100 (it holds those 20), no limit, interrupted with Ctrl-C once some more are done.
            let folder = harness.directory.url("inbox/captions/archive/0")
            let interrupted = try ScanCLI.start(["scan", folder, "--yes", "--config", harness.configPath])
            try await waitUntil(timeout: .seconds(120), what: "some more done") {
                try await harness.jobs().filter { $0.state == .done }.count >= 40
            }
            kill(interrupted.processIdentifier, SIGINT)
            try await waitUntil(timeout: .seconds(60), what: "the scan to stop") { !interrupted.isRunning }
            #expect(interrupted.terminationStatus == 130)
            let afterInterrupt = try await harness.jobs().filter { $0.state == .done }.count
            #expect(afterInterrupt < 100, "the interrupt came too late to test a resume (\(afterInterrupt) done)")

            // 3. Run it again: it continues where it stopped and finishes; every file once, every payment once.
            let resumed = try ScanCLI.run(["scan", folder, "--yes", "--json", "--config", harness.configPath])
            #expect(resumed.status == 0, "\(resumed.output)")
            let inFolder = Set(originals.filter { $0.hasPrefix(folder + "/") })
            #expect(inFolder.count == 100)
            let jobs = try await harness.jobs()
            #expect(jobs.count == 100)
            #expect(jobs.allSatisfy { $0.state == .done })
            #expect(Set(jobs.map(\.path)) == inFolder)
            for original in inFolder {
                #expect(FileManager.default.fileExists(atPath: (original as NSString).deletingPathExtension + ".txt"))
            }
            #expect(try await world.outgoingPayments().count == 100)
            #expect(world.provider.paidRequests == 100)
            let spent = try await harness.store().spend(by: .rule).reduce(Int64(0)) { $0 + $1.amountMsat + $1.feeMsat }
            #expect(spent == before - (try await world.payerBalance()))
            #expect(spent == 100 * price * 1000)
            #expect(world.provider.violations.isEmpty, "\(world.provider.violations)")
        }
    }
}

/// Runs the `dropbolt` binary for these tests (stdin is not a terminal).
enum ScanCLI {
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BinarySmokeTests.binary)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BinarySmokeTests.binary)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// The first JSON object printed.
    static func object(_ output: String) throws -> [String: Any] {
        try objects(output).first ?? [:]
    }

    /// The last JSON object printed (the outcome, after the plan).
    static func lastObject(_ output: String) throws -> [String: Any] {
        try objects(output).last ?? [:]
    }

    /// Splits pretty-printed JSON objects that start at the beginning of a line.
    static func objects(_ output: String) throws -> [[String: Any]] {
        var result: [[String: Any]] = []
        var current = ""
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            current += line + "\n"
            if line == "}" {
                if let object = try JSONSerialization.jsonObject(with: Data(current.utf8)) as? [String: Any] {
                    result.append(object)
                }
                current = ""
            }
        }
        return result
    }
}
