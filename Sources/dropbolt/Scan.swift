import ArgumentParser
import AsyncHTTPClient
import DropboltCore
import DropboltEngine
import DropboltStore
import Foundation
import Glibc
import Logging
import Synchronization
import UnixSignals

/// `dropbolt scan`: queue what is already in watched folders (an archive), after a count, a quote and a yes.
struct Scan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Count, quote and queue the images already in watched folders, then follow them to the end.",
        discussion: """
            Files already done under a rule are not counted again, and the same content done before follows the \
            rule's on_duplicate. The price comes from the provider's free estimate, or else from a first invoice \
            (asked for, never paid). Jobs go straight into the queue: a running daemon works them and the scan \
            follows; with no daemon, the scan works its own jobs (and only those) and stops cleanly on Ctrl-C. \
            Running the same scan again continues where it stopped.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Files or folders inside (or containing) the rules' watched folders.")
    var paths: [String]

    @Option(name: .long, help: "Only this rule.")
    var rule: String?

    @Flag(name: .long, help: "Count and quote only; queue and pay nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Queue without asking (needed when standard input is not a terminal).")
    var yes = false

    @Option(name: .long, help: "Stop queueing before the estimate passes this many sats.")
    var maxSats: Int64?

    @Flag(name: .long, help: "Print JSON: the plan, then the outcome.")
    var json = false

    /// Exit status when confirmation is needed and there is no terminal to ask on.
    static let needsConfirmation: Int32 = 3

    func validate() throws {
        if let maxSats, maxSats <= 0 || Millisatoshi(exactlySats: maxSats) == nil {
            throw ValidationError("--max-sats must be a positive number of sats, at most 21,000,000 BTC")
        }
    }

    func run() async throws {
        let configuration = try global.loadConfiguration()
        if global.logLevel == nil && ProcessInfo.processInfo.environment["LOG_LEVEL"] == nil {
            setenv("LOG_LEVEL", "warning", 1)  // the progress display is the output; job lines go to the log
        }
        let logger = global.bootstrapLogging()
        let session: ScanSession
        let preview: ScanPreview
        do {
            session = try ScanSession(configuration: configuration, logger: logger)
            preview = try await session.prepare(paths: paths, rule: rule, httpClient: .shared)
        } catch {
            printError("dropbolt: \(error)")
            throw ExitCode(1)
        }
        let report = ScanReport(preview: preview, maxSats: maxSats)
        if json { print(try encodeJSON(report)) } else { print(report.text(wallet: configuration.wallet != nil)) }
        guard !dryRun else { return }
        guard !preview.plan.items.isEmpty else {
            if !json { print("nothing to queue.") }
            return
        }
        guard configuration.wallet != nil else {
            printError(
                "dropbolt: no wallet is configured, so nothing can be paid: a scan can only count and quote "
                    + "(--dry-run). Add a wallet section to \(configuration.configFile) to process these files.")
            throw ExitCode(1)
        }
        if !yes {
            guard isatty(STDIN_FILENO) == 1 else {
                printError("dropbolt: standard input is not a terminal; pass --yes to queue without asking")
                throw ExitCode(Self.needsConfirmation)
            }
            FileHandle.standardError.write(Data("Queue \(preview.plan.items.count) jobs for \(report.estimateText)? [y/N] ".utf8))
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased().trimmingCharacters(in: .whitespaces)) else {
                print("nothing queued.")
                return
            }
        }
        try await queueAndFollow(session: session, preview: preview, configuration: configuration)
    }

    private func queueAndFollow(session: ScanSession, preview: ScanPreview, configuration: DropboltConfiguration)
        async throws
    {
        let display = ProgressDisplay(json: json)
        // Ctrl-C while queueing stops queueing; what is queued stays queued and a new scan continues.
        let interrupted = StopFlag()
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        let watcher = Task {
            for await _ in signals {
                interrupted.set()
                break
            }
        }
        let daemon = StateFolderLock.holder(stateFolder: configuration.stateFolder)
        let lock = daemon == nil ? try? StateFolderLock.acquire(stateFolder: configuration.stateFolder) : nil
        let queued: ScanQueued
        do {
            queued = try await session.queue(
                preview, maxMsat: maxSats.flatMap { Millisatoshi(exactlySats: $0)?.rawValue },
                shouldStop: { interrupted.isSet },
                progress: { count in display.queueing(count, of: preview.plan.items.count) })
        } catch {
            watcher.cancel()
            printError("dropbolt: \(error)")
            throw ExitCode(1)
        }
        display.queued(queued)
        let start = ContinuousClock.now
        let follow: @Sendable () async -> ScanProgress? = {
            var last: ScanProgress?
            while !Task.isCancelled {
                guard let progress = try? await session.progress(scan: queued.scan) else { break }
                last = progress
                display.progress(progress, since: start)
                if ScanFollowing.isSettled(progress, now: Date()) { break }
                try? await Task.sleep(for: .seconds(1))
            }
            return last
        }
        let finalProgress: ScanProgress?
        if queued.interrupted {
            watcher.cancel()
            finalProgress = try? await session.progress(scan: queued.scan)
        } else if let lock {
            // No daemon: work the scan's jobs here. The service group takes over SIGINT/SIGTERM (clean stop).
            watcher.cancel()
            let result = Mutex<ScanProgress?>(nil)
            do {
                try await session.work(scan: queued.scan, lock: lock) {
                    let progress = await follow()
                    result.withLock { $0 = progress }
                }
            } catch {
                printError("dropbolt: \(error)")
                throw ExitCode(1)
            }
            finalProgress = try? await session.progress(scan: queued.scan)
        } else {
            if !json {
                print("a daemon (pid \(daemon.map(String.init) ?? "?")) is running: it works the queue; following (Ctrl-C stops following, not the jobs)")
            }
            let following = Task { await follow() }
            let stopper = Task {
                while !interrupted.isSet && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(200)) }
                following.cancel()
            }
            _ = await following.value
            stopper.cancel()
            watcher.cancel()
            finalProgress = try? await session.progress(scan: queued.scan)
        }
        // Ctrl-C while following (or a clean stop of the scan's own pipeline) leaves work unfinished.
        let stoppedEarly = queued.interrupted || finalProgress.map { !ScanFollowing.isSettled($0, now: Date()) } ?? true
        display.finish(finalProgress, queued: queued, stoppedEarly: stoppedEarly)
        if json { print(try encodeJSON(ScanOutcome(queued: queued, progress: finalProgress.map(ScanOutcome.Progress.init)))) }
        if stoppedEarly { throw ExitCode(130) }
        if let finalProgress, (finalProgress.counts[.failed] ?? 0) + (finalProgress.counts[.attention] ?? 0) > 0 {
            throw ExitCode(1)
        }
    }
}

/// When following a scan can stop.
enum ScanFollowing {
    /// Every job finished, or everything left is held for more than a minute (a limit, quote-only, an unreachable
    /// provider with a long backoff): waiting on would only hang; the daemon resumes them.
    static func isSettled(_ progress: ScanProgress, now: Date) -> Bool {
        if progress.finished == progress.total { return true }
        let held = progress.counts[.held] ?? 0
        guard held == progress.total - progress.finished else { return false }
        return (progress.nextRetry ?? .distantFuture) > now.addingTimeInterval(60)
    }
}

/// A flag set from a signal task and read by the queueing loop.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    /// Whether ``set()`` was called.
    var isSet: Bool { value.load(ordering: .relaxed) }
    /// Sets the flag.
    func set() { value.store(true, ordering: .relaxed) }
}
