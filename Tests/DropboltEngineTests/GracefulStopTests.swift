import DropboltCore
import DropboltEngine
import DropboltStore
import DropboltTesting
import Foundation
import Glibc
import Synchronization
import Testing

/// A datagram socket standing in for systemd's notify socket: collects every message the daemon sends.
final class NotifySocket: Sendable {
    let path: String
    private let descriptor: Int32
    private let received = Mutex<[String]>([])

    init(path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard descriptor >= 0, bound == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
    }

    deinit { close(descriptor) }

    /// Every message so far, oldest first (reads what has arrived since the last call).
    var messages: [String] {
        received.withLock { list in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = recv(descriptor, &buffer, buffer.count, 0)
                guard count > 0 else { break }
                list.append(String(decoding: buffer[0..<count], as: UTF8.self))
            }
            return list
        }
    }

    /// Index of the first message containing `line` as one of its lines.
    func index(of line: String) -> Int? {
        messages.firstIndex { $0.split(separator: "\n").contains { $0.hasPrefix(line) } }
    }
}

@Suite struct SystemdNotifierTests {
    @Test func sendsDatagramsToAPathSocketAndReadsTheWatchdogSettings() throws {
        let directory = try TemporaryDirectory(prefix: "notify")
        defer { directory.remove() }
        let listener = try NotifySocket(path: directory.url("notify.sock"))
        let notifier = try #require(
            SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "4000000"]))
        #expect(notifier.watchdogInterval == .seconds(4))
        #expect(notifier.send("READY=1\nSTATUS=ok"))
        #expect(listener.messages == ["READY=1\nSTATUS=ok"])
    }

    @Test func aWatchdogMeantForAnotherProcessIsIgnoredAndNoSocketMeansNoNotifier() {
        let notifier = SystemdNotifier(
            environment: ["NOTIFY_SOCKET": "/run/x.sock", "WATCHDOG_USEC": "1000", "WATCHDOG_PID": "1"], processID: 42)
        #expect(notifier != nil && notifier?.watchdogInterval == nil)
        #expect(SystemdNotifier(environment: [:]) == nil)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": "relative.sock"]) == nil)
    }

    @Test func abstractSocketNamesAreAddressedWithALeadingNul() throws {
        let name = "dropbolt-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = [UInt8(0)] + Array(name.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        try #require(bound == 0)
        let notifier = try #require(SystemdNotifier(environment: ["NOTIFY_SOCKET": "@" + name]))
        #expect(notifier.send("WATCHDOG=1"))
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        #expect(count > 0 && String(decoding: buffer[0..<max(count, 0)], as: UTF8.self) == "WATCHDOG=1")
    }
}

/// A clean stop (SIGTERM from systemd) while a paid request is in flight: the daemon says READY=1 once watching,
/// STOPPING=1 (asking for more time) when the stop begins, waits for the provider longer than the 30 s that used
/// to cut the request short, writes the output, and exits 0 with exactly one payment.
@Suite(.serialized)
struct GracefulStopTests {
    @Test func aStopDuringAPaidRequestWaitsForItAndWritesTheOutput() async throws {
        try await CrashTests.withRig { rig in
            let harness = rig.harness
            let before = try await rig.world.payerBalance()
            let socket = try NotifySocket(path: harness.directory.url("notify.sock"))
            let daemon = try CrashTests.DaemonProcess(
                harness, name: "daemon", environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "2000000"])
            try await waitUntil(timeout: .seconds(30), what: "READY=1") { socket.index(of: "READY=1") != nil }
            try await waitUntil(timeout: .seconds(10), what: "a watchdog ping") { socket.index(of: "WATCHDOG=1") != nil }
            rig.world.provider.holdPaidRequests()
            let path = try PaidPathTests.dropImage(harness, "inbox/products/stop.png")
            try await waitUntil(timeout: .seconds(60), what: "the paid request to be held") {
                rig.world.provider.heldRequestCount == 1
            }
            kill(daemon.process.processIdentifier, SIGTERM)
            try await waitUntil(timeout: .seconds(10), what: "STOPPING=1") { socket.index(of: "STOPPING=1") != nil }
            let stopping = try #require(socket.messages.first { $0.hasPrefix("STOPPING=1") })
            #expect(stopping.contains("EXTEND_TIMEOUT_USEC="))
            #expect(try #require(socket.index(of: "READY=1")) < (socket.index(of: "STOPPING=1") ?? 0))
            // A stop never cuts a paid request short: watched for 3 s, the daemon is still running and the request
            // still in flight. (How long it may wait, wallet + 2 × provider timeout + 15 s, is DeployTests' check.)
            let watched = ContinuousClock.now
            while ContinuousClock.now - watched < .seconds(3) {
                #expect(daemon.process.isRunning, "the daemon gave up on a paid request")
                #expect(rig.world.provider.heldRequestCount == 1)
                guard daemon.process.isRunning else { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            rig.world.provider.releasePaidRequests()
            try await waitUntil(timeout: .seconds(30), what: "the daemon to exit") { !daemon.process.isRunning }
            #expect(daemon.process.terminationStatus == 0)
            try await CrashTests.expectExactlyOnce(
                rig, path: path, output: harness.inbox + "/stop.nobg.png", balanceBefore: before)
        }
    }

    /// A stop that begins while the unpaid request is out: the 402 that comes back afterwards is recorded and nothing
    /// is paid (the stop would otherwise wait for a payment and a paid request); the next start asks again and pays
    /// exactly once.
    @Test func aStopDuringTheQuotePaysNothingAndTheNextStartFinishesTheJob() async throws {
        try await CrashTests.withRig(holdingQuotes: true) { rig in
            let harness = rig.harness
            let quotes = rig.proxy
            let before = try await rig.world.payerBalance()
            quotes.hold()
            let daemon = try CrashTests.DaemonProcess(harness, name: "daemon")
            try await daemon.waitUntilWatching()
            let path = try PaidPathTests.dropImage(harness, "inbox/products/quote.png")
            try await waitUntil(timeout: .seconds(60), what: "the unpaid request to be held") { quotes.heldCount == 1 }
            kill(daemon.process.processIdentifier, SIGTERM)
            try await waitUntil(timeout: .seconds(10), what: "the stop to reach the pipeline") {
                daemon.log.split(separator: "\n").contains {
                    $0.contains("Triggering graceful shutdown for service") && $0.contains("pipeline")
                }
            }
            quotes.release()
            try await waitUntil(timeout: .seconds(30), what: "the daemon to exit") { !daemon.process.isRunning }
            #expect(daemon.process.terminationStatus == 0)
            let stopped = try #require(try await harness.jobs().first, "\(daemon.log)")
            #expect(stopped.state == .invoiced, "\(daemon.log)")
            #expect(stopped.reasonCode == .stopping)
            #expect(stopped.invoice != nil)
            #expect(try await rig.world.outgoingPayments().isEmpty)
            #expect(try await rig.world.payerBalance() == before)

            let again = try CrashTests.DaemonProcess(harness, name: "again")
            try await CrashTests.expectExactlyOnce(
                rig, path: path, output: harness.inbox + "/quote.nobg.png", balanceBefore: before)
            kill(again.process.processIdentifier, SIGTERM)
            try await waitUntil(timeout: .seconds(30), what: "the second daemon to exit") { !again.process.isRunning }
        }
    }
}
