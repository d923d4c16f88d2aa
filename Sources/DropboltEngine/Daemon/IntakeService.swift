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

    func run() async throws {
        let intake = try await Intake(store: store, ruleBook: ruleBook, logger: logger)
        for await event in watcher.events.cancelOnGracefulShutdown() {
            switch event {
            case .ready(let files):
                do {
                    for job in try await intake.process(files) {
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
                        "could not record new files; scanning again in 5 s",
                        metadata: ["error": "\(error)", "files.count": "\(files.count)"])
                    try? await Task.sleep(for: .seconds(5))
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
