import Crypto
import DropboltCore
import DropboltL402
import DropboltLightning
import DropboltSats4AI
import DropboltStore
import Foundation
import Logging

/// Everything the workers share.
struct PipelineContext: Sendable {
    let configuration: DropboltConfiguration
    let store: Store
    let ruleBook: RuleBook
    let provider: Sats4AIClient
    let wallet: (any Wallet)?
    let spool: Spool
    let logger: Logger
    /// How long a paid sats4ai token stays usable for the paid retry.
    var tokenValidity: TimeInterval = 600
    /// Largest original accepted (sats4ai publishes no limit; larger bodies only waste a quote).
    var maximumImageBytes = 40 << 20
    /// Latency histograms for `/metrics`.
    var metrics = DaemonMetrics()
    /// The network invoices must be for: `wallet.network`, or what the wallet reports at start.
    let walletNetwork: WalletNetwork
    /// The request bodies this run spooled, so a paid retry does not hash them again.
    let spoolMemory = SpoolMemory()
    /// Multiplies every hold and retry wait: 1 in the daemon; the in-process test harness shortens waits so
    /// retries come sooner. Deliberately not a config key (the waits are part of how dropbolt treats its peers).
    var waitScale: Double = 1

    /// Creates the context of one daemon or scan run.
    init(
        configuration: DropboltConfiguration, store: Store, ruleBook: RuleBook, provider: Sats4AIClient,
        wallet: (any Wallet)?, spool: Spool, logger: Logger
    ) {
        self.configuration = configuration
        self.store = store
        self.ruleBook = ruleBook
        self.provider = provider
        self.wallet = wallet
        self.spool = spool
        self.logger = logger
        walletNetwork = WalletNetwork(configured: configuration.wallet?.network)
    }

    /// The moment `seconds` from now, scaled by ``waitScale``.
    func later(_ seconds: TimeInterval) -> Date { Date().addingTimeInterval(seconds * waitScale) }
}

/// Takes one job through DESIGN §5's state machine, journaling each step before the next.
///
/// It never throws: every outcome lands in the job's row (a new state, or the same state with `not_before` and a
/// typed reason). Every transition is a compare-and-set on the state it leaves, so a job another process moved is
/// left alone. It never calls ``Wallet/pay(_:maxFee:)`` except right after committing `paying` in the same run,
/// so a job found in `paying` (after a crash or an unclear answer) is only ever looked up; and a job that still
/// carries a payment hash is looked up before it asks for a new invoice.
///
/// The steps live in `JobProcessor+Invoice.swift` (queued → paying), `JobProcessor+Payment.swift` (paying → paid)
/// and `JobProcessor+Result.swift` (paid → fetched → done).
struct JobProcessor: Sendable {
    let context: PipelineContext

    var store: Store { context.store }

    /// Takes `job` one step (or several) further. Returns how long this process should leave the job alone when the
    /// step failed with an error (a store or file error): the job's `not_before` says so too, unless that write
    /// failed as well, and then only this keeps the dispatcher from taking the job again at once, in a loop.
    @discardableResult
    func run(_ job: JobRecord) async -> Duration? {
        var logger = context.logger
        logger[metadataKey: "job.id"] = "\(job.id ?? 0)"
        logger[metadataKey: "rule.name"] = "\(job.rule)"
        logger[metadataKey: "file.path"] = "\(job.path)"
        do {
            switch job.state {
            case .queued, .held, .invoiced:
                // `invoiced` after a crash: nothing was paid, and the token may be stale; start again — after
                // making sure the invoice it carries was not paid by a run whose `paying` commit was lost.
                if try await resolveEarlierPayment(job, logger: logger) { return nil }
                try await start(job, logger: logger)
            case .paying:
                try await resolvePaying(job, logger: logger)
            case .paid:
                try await fetch(job, logger: logger)
            case .fetched:
                try await writeOutput(job, logger: logger)
            case .done, .failed, .attention:
                return nil
            }
        } catch let error as StoreError where error == .stateConflict {
            logger.notice("job moved by another process; leaving it", metadata: ["error": "\(error)"])
        } catch {
            // A store or file error: leave the job where it is and look again later; nothing is lost.
            logger.error("job step failed; will retry", metadata: ["error": "\(error)"])
            let failedPause = Duration.seconds(15 * context.waitScale)
            guard let id = job.id, let current = try? await store.job(id: id) else { return failedPause }
            guard !current.state.isTerminal else { return nil }
            // Writing a spooled result is free and idempotent, so it is tried again soon.
            let wait: TimeInterval = current.state == .fetched || current.state == .paid ? 5 : 15
            try? await store.deferJob(
                jobID: id, in: current.state, until: context.later(wait),
                reason: JobReason(.internalError, "internal error: \(error)"), at: Date())
            return .seconds(wait * context.waitScale)
        }
        return nil
    }

    // MARK: Recording outcomes

    func hold(_ id: Int64, from state: JobState, _ reason: JobReason, seconds: TimeInterval) async throws {
        try await store.recordStopped(
            jobID: id, from: state, state: .held, reason: reason, notBefore: context.later(seconds),
            at: Date())
    }

    func fail(_ id: Int64, from state: JobState, _ reason: JobReason, _ logger: Logger) async throws {
        logger.warning("job failed", metadata: ["reason": "\(reason)"])
        try await store.recordStopped(jobID: id, from: state, state: .failed, reason: reason, at: Date())
    }

    func attention(
        _ id: Int64, from state: JobState, _ reason: JobReason, _ logger: Logger, refund: String? = nil
    ) async throws {
        logger.error("job needs attention", metadata: ["reason": "\(reason)"])
        try await store.recordStopped(
            jobID: id, from: state, state: .attention, reason: reason, refundURL: refund, at: Date())
    }

    func defer_(_ id: Int64, in state: JobState, seconds: TimeInterval, _ reason: JobReason) async throws {
        try await store.deferJob(
            jobID: id, in: state, until: context.later(seconds), reason: reason, at: Date())
    }

    func backoff(_ attempts: Int) -> TimeInterval {
        min(600, 5 * pow(2, Double(min(attempts, 7))))
    }

    func rule(named name: String, enabledOnly: Bool) -> Rule? {
        context.ruleBook.ruleSet.rules.first { $0.name == name && (!enabledOnly || $0.enabled) }
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String { Hex.string(Array(SHA256.hash(data: bytes))) }

    /// What the "job done" line says besides rule and file: sats paid (amount + fee), seconds since queued, output.
    static func outcomeMetadata(_ job: JobRecord, output: String, now: Date = Date()) -> Logger.Metadata {
        let msat = (job.amountMsat ?? 0).addingSaturating(job.feeMsat ?? 0)
        return [
            "output.path": "\(output)", "job.sats": "\(Double(msat) / 1000)",
            "job.seconds": "\(String(format: "%.1f", now.timeIntervalSince(job.createdAt)))",
        ]
    }
}
