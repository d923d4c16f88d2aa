import DropboltCore
import DropboltStore
import DropboltWatch
import Logging
import ServiceLifecycle
import UnixSignals

/// Consumes the watcher's events: settled files become jobs, rule-folder changes reload the rules.
struct IntakeService: Service {
    let watcher: Watcher
    let store: Store
    let ruleBook: RuleBook
    let logger: Logger
    /// Called once, after the start-up reconcile's files are recorded (systemd's `READY=1`).
    var onFirstReconcile: (@Sendable (ScanSummary) -> Void)?
    /// Where detection lag is recorded.
    var metrics: DaemonMetrics?
    /// Rung when jobs were queued, so the pipeline starts them at once.
    var newWork: WorkSignal?
    /// Seconds to wait before rescanning after a batch could not be recorded (scaled down in tests).
    var retryPauseSeconds: Double = 5
    /// Called after a batch of at least ``largeBatchFiles`` files: by default it gives the heap's free memory back
    /// to the system. A burst of files (an archive's first scan, 10,000 files dropped at once) leaves most of what
    /// it allocated free but resident; given back batch by batch, the 100,000-file first scan peaked at 69 instead
    /// of 86 MB and a 10,000-file burst ended at 45-54 instead of 52-64 MB, for no measurable scan time.
    var giveBackMemory: @Sendable () -> Void = { ProcessMemory.giveBackFreeMemory() }

    /// The batch size after which ``giveBackMemory`` runs (a scan reports ~512 files at a time; events come a few
    /// at a time).
    static let largeBatchFiles = 256

    func run() async throws {
        let intake = try await Intake(store: store, ruleBook: ruleBook, logger: logger, metrics: metrics)
        var announced = false
        for await event in watcher.events.cancelOnGracefulShutdown() {
            switch event {
            case .ready(let files):
                do {
                    let queued = try await intake.process(files)
                    if files.count >= Self.largeBatchFiles { giveBackMemory() }
                    if !queued.isEmpty { newWork?.ring() }
                    for job in queued {
                        logger.info(
                            "job queued",
                            metadata: [
                                "job.id": "\(job.id ?? 0)", "rule.name": "\(job.rule)", "file.path": "\(job.path)",
                            ])
                    }
                } catch {
                    // Typically the database is locked by another process or the disk is full: the batch's stamps
                    // were forgotten, so a rescan offers these files again. Ask for one soon rather than waiting
                    // for the periodic rescan (an hour by default); the pause also keeps a busy database from
                    // being retried in a tight loop.
                    logger.error(
                        "could not record new files; scanning again in \(retryPauseSeconds) s",
                        metadata: ["error": "\(error)", "files.count": "\(files.count)"])
                    try? await Task.sleep(for: .seconds(retryPauseSeconds))
                    watcher.requestRescan()
                }
            case .controlChanged(let path):
                let previous = ruleBook.ruleSet.watchFolders
                let rules = ruleBook.reload()
                logger.info("rules folder changed; rules reloaded", metadata: ["file.path": "\(path)"])
                logRules(rules, logger: logger)
                do { try await intake.adoptBaselines(for: rules) } catch {
                    logger.error("could not record rule baselines", metadata: ["error": "\(error)"])
                }
                if rules.watchFolders != previous { watcher.update(roots: rules.watchFolders) }
            case .folderStamps(let stamps):
                do { try await intake.keepFolderStamps(stamps) } catch {
                    logger.warning("could not keep folder stamps; the next start lists every folder", metadata: ["error": "\(error)"])
                }
            case .reconciled(let summary):
                if !announced {
                    announced = true
                    onFirstReconcile?(summary)
                }
                logger.info(
                    "reconcile scan finished",
                    metadata: [
                        "scan.reason": "\(summary.reason.rawValue)", "scan.folders": "\(summary.folders)",
                        "scan.files": "\(summary.files)", "scan.watches": "\(summary.watches)",
                        "scan.unchanged_folders": "\(summary.unchangedFolders)",
                    ])
            }
        }
    }
}

/// Reloads the rules on `SIGHUP`, through the watcher's stream so the intake stays the only consumer.
struct ReloadSignalService: Service {
    let watcher: Watcher

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            watcher.requestReload(reason: "SIGHUP")
        }
    }
}

/// Speaks systemd's notify protocol: `STOPPING=1` the moment a stop begins (with more time asked for, since paid
/// requests are let finish), and `WATCHDOG=1` while the watcher thread is alive.
///
/// Listed last in the group, so it is the first told to stop; the watchdog keeps answering from a task of its own
/// until the whole group has ended.
struct SystemdNotifyService: Service {
    let notifier: SystemdNotifier
    let watcher: Watcher
    /// How long a clean stop may take (``Daemon/stopGrace(for:)``).
    let stopGrace: Duration

    func run() async throws {
        try? await gracefulShutdown()
        let microseconds = stopGrace.components.seconds * 1_000_000 + 5_000_000
        notifier.send("STOPPING=1\nEXTEND_TIMEOUT_USEC=\(microseconds)\nSTATUS=stopping: finishing paid requests")
    }

    /// Sends `WATCHDOG=1` every half interval while ``Watcher/heartbeat`` moves; returns when cancelled.
    static func keepWatchdog(notifier: SystemdNotifier, watcher: Watcher) async {
        guard let interval = notifier.watchdogInterval else { return }
        var lastBeat = -1
        while !Task.isCancelled {
            let beat = watcher.heartbeat
            // A stuck watcher thread stops the pings, and systemd restarts the service.
            if beat != lastBeat { notifier.send("WATCHDOG=1") }
            lastBeat = beat
            try? await Task.sleep(for: interval / 2)
        }
    }
}
