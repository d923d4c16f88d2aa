import DropboltCore
import Foundation
import Logging

/// Watches folders for new and changed files and reports each one once it has settled.
///
/// One dedicated thread owns libinotifytools (global C state, blocking calls), walks the folders itself, watches
/// each folder, scans new folders right after watching them, recovers from queue overflow by rebuilding and
/// rescanning, and falls back to polling where inotify cannot help. Events are hints; scans are the truth.
///
/// ```swift
/// let watcher = Watcher(configuration: .init(roots: [WatchFolder(path: "/srv/inbox", recursive: true)]), logger: logger)
/// watcher.start()
/// for await event in watcher.events {
///     if case .ready(let files) = event { … }
/// }
/// ```
///
/// Only one watcher per process uses inotify at a time (the library is process-global); a second one waits
/// until the first stops.
public final class Watcher: Sendable {
    /// Everything the watcher reports. There must be exactly one consumer; it ends after ``stop()``.
    public let events: AsyncStream<WatchEvent>

    private let shared: WatcherShared
    private let configuration: WatcherConfiguration
    private let logger: Logger

    /// Creates a stopped watcher.
    public init(configuration: WatcherConfiguration, logger: Logger) {
        let (stream, continuation) = AsyncStream.makeStream(of: WatchEvent.self, bufferingPolicy: .unbounded)
        self.events = stream
        self.shared = WatcherShared(continuation: continuation)
        self.configuration = configuration
        self.logger = logger
    }

    /// Starts the watcher thread; the first event it sends is the start-up reconcile (files first, then
    /// ``WatchEvent/reconciled(_:)``).
    public func start() {
        let loop = WatchLoopBox(configuration: configuration, shared: shared, logger: logger)
        let thread = Thread { loop.run() }
        thread.name = "dropbolt-watch"
        thread.start()
    }

    /// Asks the thread to stop; ``events`` finishes once it has let go of inotify.
    public func stop() {
        shared.stop()
    }

    /// Replaces the watched roots (after a rule reload): watches are rebuilt and everything is rescanned.
    public func update(roots: [WatchFolder]) {
        shared.replaceRoots(roots)
    }

    /// Sends ``WatchEvent/controlChanged(path:)`` to the consumer, as a change in a control folder would
    /// (`SIGHUP` uses this to reload the rules).
    public func requestReload(reason: String) {
        shared.yield(.controlChanged(path: reason))
    }

    /// Stops (or resumes) reading inotify events while everything else goes on, so the kernel queue fills up
    /// and overflows. For tests and benchmarks of the overflow path; a running daemon never calls it.
    public func pauseReading(_ paused: Bool) {
        shared.setReadingPaused(paused)
    }

    /// How many reconcile scans of every root have finished (the start-up one is the first); every folder was
    /// watched by the time it counts.
    public var completedReconciles: Int { shared.reconciles }

    /// The summary of the latest finished reconcile scan.
    public var lastReconcile: ScanSummary? { shared.lastSummary }

    /// How many times the watcher thread went round its loop; it wakes at least once a second, so a number that
    /// stops moving means the thread is stuck (the systemd watchdog uses this).
    public var heartbeat: Int { shared.turns }

    /// How many times the kernel queue overflowed and the watcher rebuilt and rescanned.
    public var overflowRecoveries: Int { shared.overflows }

    /// Asks for a reconcile scan of every root.
    public func requestRescan() {
        shared.requestRescan()
    }
}

/// Carries the loop's construction onto its thread, so the non-Sendable loop is created and used only there.
private struct WatchLoopBox: Sendable {
    let configuration: WatcherConfiguration
    let shared: WatcherShared
    let logger: Logger

    func run() {
        WatchLoop(configuration: configuration, shared: shared, logger: logger).run()
    }
}
