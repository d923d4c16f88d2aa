import AsyncHTTPClient
import DropboltCore
import DropboltLightning
import DropboltStore
import DropboltTesting
import DropboltWatch
import Foundation
import Logging
import ServiceLifecycle
import Testing

@testable import DropboltEngine

/// A temp folder with a config, rule files and inboxes, and a real daemon (real inotify, real SQLite) on it.
struct DaemonHarness {
    let directory: TemporaryDirectory
    let configPath: String

    static let productsRule = """
        watch: inbox/products
        action: edit
        prompt: Remove the background
        format: png
        output: "{stem}.nobg.{format}"
        """

    static let captionsRule = """
        watch: inbox/captions
        action: analyze
        output: "{stem}.txt"
        """

    /// Writes `dropbolt.yaml` (with `extraConfig` appended) and the rule files, and makes the inboxes.
    init(
        settleSeconds: Double = 0.3, rescanMinutes: Double = 0, extraConfig: String = "",
        providerURL: String = "http://127.0.0.1:9",
        rules: [String: String] = ["products": productsRule, "captions": captionsRule]
    ) throws {
        directory = try TemporaryDirectory(prefix: "daemon")
        try directory.makeFolder("inbox/products")
        try directory.makeFolder("inbox/captions")
        try directory.makeFolder("rules")
        for (name, text) in rules { try directory.write("rules/\(name).yaml", contents: text) }
        configPath = try directory.write(
            "dropbolt.yaml",
            contents: """
                rules: rules
                state: state
                provider:
                  url: \(providerURL)
                settle_seconds: \(settleSeconds)
                rescan_minutes: \(rescanMinutes)
                \(extraConfig)
                """)
    }

    var inbox: String { directory.url("inbox/products") }

    func configuration() throws -> DropboltConfiguration {
        try DropboltConfiguration.load(path: configPath, environment: [:])
    }

    /// Starts the daemon and waits until its start-up reconcile finished (every folder watched).
    ///
    /// Without `wallet` the pipeline does not run (the harness tests watching and queueing); with one, jobs are
    /// quoted, paid and fetched from the config's provider (a loopback fake).
    func start(
        once: Bool = false, wallet: (any Wallet)? = nil, processJobs: Bool? = nil, logRecords: LogRecords? = nil
    ) async throws -> RunningDaemon {
        let logger =
            logRecords.map { records in Logger(label: "test") { _ in InMemoryLogHandler(records: records) } }
            ?? Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        var options = Daemon.Options(once: once, handleSignals: false, processJobs: processJobs ?? (wallet != nil))
        // Holds and retries a fifth as long: a test waits 4 s, not 20, for a folder to become writable again.
        options.waitScale = 0.2
        let daemon = Daemon(configuration: try configuration(), options: options, logger: logger)
        let parts = try await daemon.makeServiceGroup(httpClient: HTTPClient.failingFast, wallet: wallet)
        let group = parts.group
        let lock = parts.lock
        let task = Task {
            try await group.run()
            withExtendedLifetime(lock) {}
        }
        let running = RunningDaemon(task: task, group: group, watcher: parts.watcher)
        if !once {
            try await waitUntil(timeout: .seconds(30), what: "start-up reconcile") {
                parts.watcher.completedReconciles >= 1
            }
        }
        return running
    }

    /// Runs `body` against a started daemon and always stops it, so a failing test never leaves a watcher
    /// holding inotify for the tests after it.
    func withDaemon(
        wallet: (any Wallet)? = nil, processJobs: Bool? = nil, logRecords: LogRecords? = nil,
        _ body: (RunningDaemon) async throws -> Void
    ) async throws {
        let daemon = try await start(wallet: wallet, processJobs: processJobs, logRecords: logRecords)
        do {
            try await body(daemon)
        } catch {
            try? await daemon.stop()
            throw error
        }
        try await daemon.stop()
    }

    /// Every job in the store, oldest first (empty before the first daemon created the database).
    func jobs() async throws -> [JobRecord] {
        let configuration = try configuration()
        guard FileManager.default.fileExists(atPath: configuration.stateFolder + "/" + Store.databaseFileName) else {
            return []
        }
        let store = try Store.openReadOnly(stateFolder: configuration.stateFolder)
        return try await store.jobs(in: nil, limit: 1_000_000).reversed()
    }

    /// The store, read-only (for spend and payments).
    func store() throws -> Store {
        try Store.openReadOnly(stateFolder: try configuration().stateFolder)
    }

    /// Waits until the job for `path` is in `state`; returns it.
    @discardableResult
    func waitForJob(
        _ path: String, state: JobState, timeout: Duration = .seconds(90)
    ) async throws -> JobRecord {
        var found: JobRecord?
        try await waitUntil(timeout: timeout, pollEvery: .milliseconds(100), what: "\(path) in state \(state)") {
            found = try await jobs().first { $0.path == path && $0.state == state }
            return found != nil
        }
        return found!
    }

    /// Waits until exactly `count` jobs exist (fails at once if there are more).
    @discardableResult
    func waitForJobs(_ count: Int, timeout: Duration = .seconds(30)) async throws -> [JobRecord] {
        var latest: [JobRecord] = []
        try await waitUntil(timeout: timeout, pollEvery: .milliseconds(50), what: "\(count) jobs") {
            latest = try await jobs()
            #expect(latest.count <= count, "more jobs than expected: \(latest.map(\.path))")
            return latest.count >= count
        }
        return latest
    }
}

/// A daemon running in a task; `stop()` shuts it down gracefully and waits.
struct RunningDaemon {
    let task: Task<Void, any Error>
    let group: ServiceGroup
    let watcher: Watcher

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}
