import AsyncHTTPClient
import DropboltCore
import DropboltLightning
import DropboltStore
import DropboltTesting
import DropboltWatch
import Foundation
import Logging
import Testing

@testable import DropboltEngine

/// A small tmpfs mounted over a test folder (root only; the tests that need one are skipped where `mount` is not
/// allowed). Unmounted by ``unmount()`` or when the test's folder is removed after it.
struct ScratchMount {
    let path: String

    /// True where this process may mount a tmpfs (root in a sandbox that allows it).
    static let available: Bool = {
        let probe = NSTemporaryDirectory() + "dropbolt-mount-probe-\(getpid())"
        try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard run(["-t", "tmpfs", "-o", "size=16k", "tmpfs", probe]) else { return false }
        _ = runUmount(probe)
        return true
    }()

    /// Mounts a tmpfs of `kilobytes` at `path` (created if needed).
    init(at path: String, kilobytes: Int) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard Self.run(["-t", "tmpfs", "-o", "size=\(kilobytes)k,mode=0755", "tmpfs", path]) else {
            throw CocoaError(.fileWriteNoPermission)
        }
        self.path = path
    }

    /// Makes the mount read-only (`true`) or writable again.
    func setReadOnly(_ readOnly: Bool) -> Bool {
        Self.run(["-o", readOnly ? "remount,ro" : "remount,rw", path])
    }

    func unmount() { _ = Self.runUmount(path) }

    private static func run(_ arguments: [String]) -> Bool { execute("/bin/mount", arguments) }
    private static func runUmount(_ path: String) -> Bool { execute("/bin/umount", [path]) }

    private static func execute(_ tool: String, _ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}

/// Issue 8's fault matrix: each fault ends with a clear reason and nothing lost (no payment without a result, no
/// second payment).
@Suite(.serialized)
struct FaultMatrixTests {
    @Test(.enabled(if: ScratchMount.available, "needs a tmpfs mount (root)"))
    func aReadOnlyOutputFolderIsHeldBeforeAnyInvoiceAndResumesWhenWritable() async throws {
        try await PaidPathTests.withWorld { world in
            let harness = world.harness
            let mount = try ScratchMount(at: harness.directory.url("inbox/captions"), kilobytes: 256)
            defer { mount.unmount() }
            // The image is in place and its folder read-only before the daemon starts: its start-up scan queues it.
            let path = try PaidPathTests.dropImage(harness, "inbox/captions/readonly.png")
            #expect(mount.setReadOnly(true))
            try await harness.withDaemon(wallet: world.wallet) { _ in
                let held = try await harness.waitForJob(path, state: .held)
                #expect(held.reasonCode == .outputUnwritable)
                #expect(held.reason?.contains("Read-only file system") == true, "\(held.reason ?? "")")
                #expect(world.provider.challengesIssued == 0)
                #expect(try await world.outgoingPayments().isEmpty)
                #expect(mount.setReadOnly(false))
                try await harness.waitForJob(path, state: .done)
            }
            #expect(try await world.outgoingPayments().count == 1)
            #expect(world.provider.violations.isEmpty, "\(world.provider.violations)")
        }
    }

    @Test(.enabled(if: ScratchMount.available, "needs a tmpfs mount (root)"))
    func aFullOutputDiskKeepsThePaidResultUntilThereIsRoom() async throws {
        try await PaidPathTests.withWorld { world in
            let harness = world.harness
            let mount = try ScratchMount(at: harness.directory.url("inbox/captions"), kilobytes: 64)
            defer { mount.unmount() }
            let path = try PaidPathTests.dropImage(harness, "inbox/captions/full.png")
            // Fill the disk: the caption cannot be written once it is paid for.
            let filler = mount.path + "/.filler"
            _ = FileManager.default.createFile(atPath: filler, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
            while (try? handle.write(contentsOf: Data(count: 4096))) != nil {}
            try? handle.close()
            try await harness.withDaemon(wallet: world.wallet) { _ in
                try await waitUntil(timeout: .seconds(90), pollEvery: .milliseconds(100), what: "a failed output write") {
                    try await harness.jobs().first { $0.path == path && $0.state == .fetched && $0.reasonCode == .internalError } != nil
                }
                let stuck = try #require(try await harness.jobs().first { $0.path == path })
                #expect(stuck.reason?.contains("No space left") == true, "\(stuck.reason ?? "")")
                #expect(try await world.outgoingPayments().count == 1)
                try FileManager.default.removeItem(atPath: filler)
                try await harness.waitForJob(path, state: .done)
            }
            #expect(try await world.outgoingPayments().count == 1)
            #expect(world.provider.paidRequests == 1)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: mount.path).filter { $0.contains(".dropbolt-") }
            #expect(leftovers.isEmpty, "\(leftovers)")
        }
    }

    /// Fills `mount` until the file system refuses more; returns the filler's path.
    private static func fill(_ mount: ScratchMount) throws -> String {
        let filler = mount.path + "/.filler"
        _ = FileManager.default.createFile(atPath: filler, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
        while (try? handle.write(contentsOf: Data(count: 1024))) != nil {}
        try? handle.close()
        return filler
    }

    @Test(.enabled(if: ScratchMount.available, "needs a tmpfs mount (root)"))
    func aFullStateDiskPaysNothingBeforeAndLosesNothingAfterPayment() async throws {
        try await PaidPathTests.withWorld { world in
            let harness = world.harness
            let spool = try ScratchMount(at: try harness.configuration().stateFolder + "/spool", kilobytes: 64)
            defer { spool.unmount() }
            try await harness.withDaemon(wallet: world.wallet) { _ in
                // Full before anything is sent: the request body cannot be spooled, so nothing is asked or paid.
                var filler = try Self.fill(spool)
                let path = try PaidPathTests.dropImage(harness, "inbox/captions/statefull.png")
                try await waitUntil(timeout: .seconds(30), pollEvery: .milliseconds(100), what: "the spool write to fail") {
                    try await harness.jobs().first { $0.path == path && $0.reasonCode == .internalError } != nil
                }
                #expect(world.provider.challengesIssued == 0)
                #expect(try await world.outgoingPayments().isEmpty)
                // Room again; the disk fills up while the paid request is with the provider.
                world.provider.holdPaidRequests()
                try FileManager.default.removeItem(atPath: filler)
                try await waitUntil(timeout: .seconds(60), pollEvery: .milliseconds(100), what: "the paid request sent") {
                    try await harness.jobs().first { $0.path == path && $0.state == .paid && $0.paidRequests == 1 } != nil
                }
                filler = try Self.fill(spool)
                world.provider.releasePaidRequests()
                let done = try await harness.waitForJob(path, state: .done)
                let output = try #require(done.outputPath)
                #expect(try String(contentsOfFile: output, encoding: .utf8).hasPrefix("A test caption"))
            }
            #expect(try await world.outgoingPayments().count == 1)
            #expect(world.provider.paidRequests == 1)
            #expect(world.provider.violations.isEmpty, "\(world.provider.violations)")
        }
    }

    @Test func aWalletThatIsDownHoldsJobsWithoutPayingAndTheyResumeWhenItIsBack() async throws {
        try await PaidPathTests.withWorld { world in
            let harness = world.harness
            let down = LNbitsWallet(url: "http://127.0.0.1:9", adminKey: "k", httpClient: .failingFast, timeout: .seconds(5))
            let path = try PaidPathTests.dropImage(harness, "inbox/captions/walletdown.png")
            try await harness.withDaemon(wallet: down) { _ in
                let held = try await harness.waitForJob(path, state: .held)
                #expect(held.reasonCode == .walletUnavailable)
            }
            #expect(try await world.outgoingPayments().isEmpty)
            let store = try harness.store()
            #expect(try await store.spend(by: .rule).isEmpty)
            try await harness.withDaemon(wallet: world.wallet) { _ in
                try await harness.waitForJob(path, state: .done, timeout: .seconds(120))
            }
            #expect(try await world.outgoingPayments().count == 1)
            #expect(world.provider.violations.isEmpty, "\(world.provider.violations)")
        }
    }

    @Test func aSymlinkLoopInAWatchedFolderIsNotFollowedAndFilesBesideItAreFound() async throws {
        let harness = try DaemonHarness()
        defer { harness.directory.remove() }
        try harness.directory.makeFolder("inbox/products/a")
        try FileManager.default.createSymbolicLink(
            atPath: harness.directory.url("inbox/products/a/loop"), withDestinationPath: harness.directory.url("inbox/products"))
        try FileManager.default.createSymbolicLink(
            atPath: harness.directory.url("inbox/products/self"), withDestinationPath: "self")
        try await harness.withDaemon { _ in
            let path = try PaidPathTests.dropImage(harness, "inbox/products/a/beside.png")
            let jobs = try await harness.waitForJobs(1)
            #expect(jobs.map(\.path) == [path])
        }
    }
}

/// The database locked by another process: new files are recorded once it is free again, not an hour later.
@Suite(.serialized)
struct DatabaseLockedTests {
    @Test func filesArrivingWhileAnotherProcessLocksTheDatabaseAreQueuedWhenItIsReleased() async throws {
        let harness = try DaemonHarness(rescanMinutes: 0)
        defer { harness.directory.remove() }
        let records = LogRecords()
        try await harness.withDaemon(logRecords: records) { _ in
            let database = try harness.configuration().stateFolder + "/" + Store.databaseFileName
            let locker = Process()
            locker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            locker.arguments = [
                "python3", "-c",
                "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1],isolation_level=None,timeout=30)\n"
                    + "c.execute('BEGIN EXCLUSIVE')\nprint('locked',flush=True)\nsys.stdin.read()\nc.execute('COMMIT')",
                database,
            ]
            let output = Pipe()
            let release = Pipe()
            locker.standardOutput = output
            locker.standardInput = release
            try locker.run()
            #expect(output.fileHandleForReading.availableData.starts(with: Data("locked".utf8)))
            let path = try PaidPathTests.dropImage(harness, "inbox/products/locked.png")
            // The lock is held until the batch has failed on it (SQLite's 5 s busy timeout), however slow the
            // machine: end of file on its standard input commits.
            try await waitUntil(timeout: .seconds(30), what: "the batch to fail on the lock") {
                records.all.contains { $0.message.hasPrefix("could not record new files; scanning again in 1.0 s") }
            }
            #expect(try await harness.jobs().isEmpty)
            try release.fileHandleForWriting.close()
            locker.waitUntilExit()
            #expect(locker.terminationStatus == 0)
            // The rescan 1 s later (5 s scaled by the harness) records it; well before any periodic rescan (none
            // is configured here).
            let jobs = try await harness.waitForJobs(1, timeout: .seconds(40))
            #expect(jobs.map(\.path) == [path])
        }
    }
}

/// Names the file system allows but a careless tool would not: non-UTF-8, very long paths and names; and a
/// provider whose host does not resolve.
@Suite(.serialized)
struct AwkwardNamesTests {
    @Test func aNonUTF8NameIsReportedNotSilentlyDroppedAndTheFilesBesideItAreQueued() async throws {
        let harness = try DaemonHarness()
        defer { harness.directory.remove() }
        // "café.png" in Latin-1: the é is the single byte 0xE9, which is not UTF-8.
        let raw = Array(harness.inbox.utf8) + Array("/caf".utf8) + [0xE9] + Array(".png".utf8) + [0]
        let descriptor = raw.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) }
        }
        #expect(descriptor >= 0)
        let png = TestPNG.make(seed: [0xE9])
        _ = png.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        let beside = try PaidPathTests.dropImage(harness, "inbox/products/plain.png")
        let records = LogRecords()
        try await harness.withDaemon(logRecords: records) { _ in
            let jobs = try await harness.waitForJobs(1)
            #expect(jobs.map(\.path) == [beside])
        }
        let warning = records.all.first { $0.message.contains("not valid UTF-8") }
        #expect(warning?.metadata["file.path"] == harness.inbox + "/caf\\xe9.png", "\(records.messages)")
    }

    @Test func aThousandCharacterPathIsQueuedAndAnOutputNameTooLongFailsBeforeAnyInvoice() async throws {
        // The deep file's job then asks the (closed) provider; a short timeout keeps the clean stop short.
        let harness = try DaemonHarness(providerURL: "http://127.0.0.1:9\n  timeout_seconds: 3")
        defer { harness.directory.remove() }
        let deep = (0..<4).map { String(repeating: Character(String($0)), count: 240) }.joined(separator: "/")
        let deepFile = try PaidPathTests.dropImage(harness, "inbox/captions/\(deep)/deep.png")
        #expect(deepFile.count > 1000)
        // 248 + ".png" is a legal name; its caption "{stem}.txt" would not be (252 > 250).
        let longStem = String(repeating: "n", count: 248)
        let longFile = try PaidPathTests.dropImage(harness, "inbox/captions/\(longStem).png")
        try await harness.withDaemon(processJobs: true) { _ in
            let failed = try await harness.waitForJob(longFile, state: .failed)
            #expect(failed.reasonCode == .outputNameTooLong)
            #expect(failed.invoice == nil)
            let jobs = try await harness.waitForJobs(2)
            #expect(jobs.contains { $0.path == deepFile })
        }
    }

    @Test func aProviderHostThatDoesNotResolveHoldsTheJobUnpaid() async throws {
        // AsyncHTTPClient retries a failed connection until the request's deadline, so the provider timeout (here
        // 3 s) is what bounds a name that does not resolve.
        let harness = try DaemonHarness(providerURL: "https://dropbolt-test.invalid\n  timeout_seconds: 3")
        defer { harness.directory.remove() }
        let path = try PaidPathTests.dropImage(harness, "inbox/captions/dns.png")
        try await harness.withDaemon(processJobs: true) { _ in
            var seen: JobRecord?
            try await waitUntil(timeout: .seconds(60), pollEvery: .milliseconds(200), what: "the job to be held") {
                seen = try await harness.jobs().first { $0.path == path && $0.state != .queued }
                return seen != nil
            }
            let held = try #require(seen)
            #expect(held.state == .held, "\(held.state) \(held.reason ?? "")")
            #expect(held.reasonCode == .providerUnreachable, "\(held.reason ?? "")")
            #expect(held.invoice == nil)
        }
    }
}

/// The rules folder deleted under a running daemon: it keeps running with no rules, says why, and picks the rules
/// up again when the folder is back.
@Suite(.serialized)
struct RulesFolderDeletedTests {
    @Test func theDaemonSurvivesItsRulesFolderVanishingAndReloadsWhenItReturns() async throws {
        let harness = try DaemonHarness()
        defer { harness.directory.remove() }
        let records = LogRecords()
        try await harness.withDaemon(logRecords: records) { _ in
            let first = try PaidPathTests.dropImage(harness, "inbox/products/first.png")
            _ = try await harness.waitForJobs(1)
            try FileManager.default.removeItem(atPath: harness.directory.url("rules"))
            try await waitUntil(timeout: .seconds(10), what: "the missing rules folder reported") {
                records.all.contains { ($0.metadata["error"] ?? "").contains("the rules folder does not exist") }
            }
            let before = records.all.count
            try harness.directory.write("rules/products.yaml", contents: DaemonHarness.productsRule)
            // No SIGHUP: the folder's return is noticed on its own. A rule skips files that predate it, so drop the
            // next image only once the rule is back.
            try await waitUntil(timeout: .seconds(10), what: "the rules reloaded") {
                records.all.dropFirst(before).contains { $0.message == "rules loaded" && $0.metadata["rules.enabled"] == "products" }
            }
            let later = try PaidPathTests.dropImage(harness, "inbox/products/later.png")
            let jobs = try await harness.waitForJobs(2, timeout: .seconds(30))
            #expect(Set(jobs.map(\.path)).isSuperset(of: [first, later]))
        }
    }
}
