import AsyncHTTPClient
import DropboltCore
import DropboltSats4AI
import DropboltStore
import DropboltWatch
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// What a scan would do: counts by rule, the price of each rule, the estimate against the limits.
public struct ScanPreview: Sendable {
    /// The plan (items to queue and counts).
    public var plan: ScanPlan
    /// The price of one job per rule that has something to pay for.
    public var prices: [String: ScanPrice]
    /// What is left of each limit.
    public var budget: ScanBudget
    /// The paths scanned, absolute.
    public var paths: [String]
    /// The rule the scan is restricted to.
    public var rule: String?

    /// Sum of count × price over the rules whose price is known, in msat.
    public var estimateMsat: Int64 {
        plan.rules.reduce(Int64(0)) { total, entry in
            let (product, overflow) = Int64(entry.value.toPay).multipliedReportingOverflow(by: prices[entry.key]?.msat ?? 0)
            return overflow ? .max : total.addingSaturating(product)
        }
    }

    /// Rules with files to pay for but no price.
    public var unpricedRules: [String] {
        plan.rules.filter { $0.value.toPay > 0 && prices[$0.key]?.msat == nil }.map(\.key).sorted()
    }
}

/// What queueing did.
public struct ScanQueued: Sendable, Equatable, Encodable {
    /// The scan's id (its jobs carry it).
    public var scan: Int64
    /// Jobs that now belong to the scan (new and adopted).
    public var queued: Int
    /// Files left out because `--max-sats` would have been passed.
    public var leftForLimit: Int
    /// Files that vanished or could not be read while being hashed.
    public var unreadable: Int
    /// True when queueing was interrupted (Ctrl-C); running the same scan again continues.
    public var interrupted: Bool
}

/// `dropbolt scan`: counts and prices what is already in watched folders, queues it, and works or follows it.
///
/// Queueing goes straight into the database. A running daemon picks the jobs up within a second (its pipeline
/// polls the queue), so the scan only follows them; with no daemon, ``work(scan:wallet:follow:)`` runs the
/// pipeline in this process for the scan's jobs only, holding the daemon lock so no daemon starts beside it.
public final class ScanSession: Sendable {
    /// The configuration.
    public let configuration: DropboltConfiguration
    /// The rules in force.
    public let rules: RuleSet
    /// The store (read-write).
    public let store: Store
    private let logger: Logger

    /// Opens the store of `configuration` and loads its rules.
    /// - Throws: ``StoreError`` when the state folder or database cannot be opened.
    public init(configuration: DropboltConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.rules = RuleBook.loadRules(configuration: configuration)
        self.store = try Store.open(stateFolder: configuration.stateFolder)
        self.logger = logger
    }

    /// Counts, prices and compares against the limits; sends only free requests, pays nothing.
    /// - Throws: ``ScanError`` (a path no rule watches, an unknown rule), ``StoreError``.
    public func prepare(paths: [String], rule: String?, httpClient: HTTPClient) async throws -> ScanPreview {
        let absolute = paths.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        for path in absolute where !FileManager.default.fileExists(atPath: path) {
            throw ScanError("\(path) does not exist")
        }
        // Only what the scan looks up: the files and jobs under the paths, and the finished content of its rules.
        let names = Set(ScanPlan.selectedRules(rules, only: rule).map(\.name))
        let plan = try ScanPlan.make(
            paths: absolute, rules: rules, only: rule, index: try await store.loadFileIndex(under: absolute),
            jobs: try await store.jobStates(under: absolute, rules: names),
            doneContent: try await store.doneContent(rules: names))
        let provider = Sats4AIClient(
            baseURL: configuration.provider.url, httpClient: httpClient,
            timeout: .seconds(configuration.provider.timeoutSeconds))
        var prices: [String: ScanPrice] = [:]
        let involved = rules.rules.filter { (plan.rules[$0.name]?.toPay ?? 0) > 0 }
        for rule in involved {
            let sample = plan.items.first { $0.rule == rule.name && !$0.duplicate }?.file.path
            prices[rule.name] = await ScanQuote.price(rule: rule, sample: sample, provider: provider)
        }
        let budget = try await ScanQuote.budget(
            rules: rules.rules.filter { plan.rules[$0.name] != nil }, configuration: configuration, store: store,
            now: Date())
        return ScanPreview(plan: plan, prices: prices, budget: budget, paths: absolute, rule: rule)
    }

    /// Hashes what is new and queues it in batches for a new scan run, oldest path first.
    ///
    /// - Parameters:
    ///   - maxMsat: stop before the running estimate would pass it (duplicates count nothing); the configured
    ///     limits remain the hard caps on what is paid.
    ///   - shouldStop: polled between files; true stops queueing (what is queued stays queued).
    ///   - progress: called after each batch with the number queued so far.
    /// - Throws: ``ScanError`` when `maxMsat` is set and a rule's price is unknown; ``StoreError``.
    public func queue(
        _ preview: ScanPreview, maxMsat: Int64?, shouldStop: @Sendable () -> Bool,
        progress: @Sendable (Int) -> Void = { _ in }
    ) async throws -> ScanQueued {
        if maxMsat != nil, let unpriced = preview.unpricedRules.first {
            throw ScanError(
                "--max-sats needs a price, and none is known for rule '\(unpriced)' "
                    + "(\(preview.prices[unpriced]?.problem ?? "no answer")); try again later or leave --max-sats out")
        }
        let scan = try await store.beginScan(
            paths: preview.paths, rule: preview.rule, maxMsat: maxMsat, estimateMsat: preview.estimateMsat, at: Date())
        var result = ScanQueued(scan: scan, queued: 0, leftForLimit: 0, unreadable: 0, interrupted: false)
        var committed: Int64 = 0
        var batch: [IntakeFile] = []
        func flush() async throws {
            guard !batch.isEmpty else { return }
            result.queued += try await store.queueForScan(batch, scan: scan, at: Date())
            batch.removeAll(keepingCapacity: true)
            progress(result.queued)
        }
        for (index, item) in preview.plan.items.enumerated() {
            if shouldStop() {
                result.interrupted = true
                break
            }
            let price = item.duplicate ? 0 : (preview.prices[item.rule]?.msat ?? 0)
            if let maxMsat, committed.addingSaturating(price) > maxMsat {
                result.leftForLimit = preview.plan.items[index...].filter { !$0.duplicate }.count
                break
            }
            guard let sha = item.knownSHA256 ?? FileHasher.sha256(ofFileAt: item.file.path) else {
                result.unreadable += 1
                continue
            }
            committed = committed.addingSaturating(price)
            batch.append(
                IntakeFile(
                    path: item.file.path, size: item.file.size, mtimeNanoseconds: item.file.mtimeNanoseconds,
                    inode: item.file.inode, sha256: sha, rules: [item.rule]))
            if batch.count >= 256 { try await flush() }
        }
        try await flush()
        return result
    }

    /// The scan's progress now.
    public func progress(scan: Int64) async throws -> ScanProgress {
        try await store.scanProgress(scan)
    }

    /// Works the scan's jobs in this process (no daemon is running) until `follow` returns, or SIGINT/SIGTERM: then
    /// no new payment starts and requests already paid for finish, as in a daemon's clean stop.
    ///
    /// - Parameter lock: the daemon lock, held by the caller for as long as this runs.
    public func work(scan: Int64, lock: StateFolderLock, follow: @escaping @Sendable () async -> Void) async throws {
        let httpClient = Daemon.makeHTTPClient()
        do {
            let wallet = try configuration.wallet.map {
                try WalletFactory.make(
                    $0, httpClient: httpClient, environment: ProcessInfo.processInfo.environment, logger: logger)
            }
            let ruleBook = RuleBook(configuration: configuration)
            let context = PipelineContext(
                configuration: configuration, store: store, ruleBook: ruleBook,
                provider: Sats4AIClient(
                    baseURL: configuration.provider.url, httpClient: httpClient,
                    timeout: .seconds(configuration.provider.timeoutSeconds)),
                wallet: wallet, spool: try Spool(stateFolder: configuration.stateFolder), logger: logger)
            var group = ServiceGroupConfiguration(
                services: [
                    .init(
                        service: PipelineService(context: context, workers: configuration.workers, scan: scan),
                        serviceName: "pipeline"),
                    .init(service: FollowService(follow: follow), successTerminationBehavior: .gracefullyShutdownGroup,
                        serviceName: "follow"),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            group.maximumGracefulShutdownDuration = Daemon.stopGrace(for: configuration)
            try await ServiceGroup(configuration: group).run()
            withExtendedLifetime(lock) {}
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }
}

/// Runs the scan's follower; its return ends the group (gracefully: paid requests finish).
private struct FollowService: Service {
    let follow: @Sendable () async -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown { await follow() }
    }
}
