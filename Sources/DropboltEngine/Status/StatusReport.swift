import DropboltCore
import DropboltStore
import Foundation

/// What `dropbolt status` shows: the mode, the queue and job counts, and the rules in force.
public struct StatusReport: Codable, Sendable {
    /// One job waiting in the queue.
    public struct QueuedJob: Codable, Sendable {
        /// The job's id (what `dropbolt retry` takes).
        public var id: Int64
        /// The rule that made it.
        public var rule: String
        /// The original file.
        public var path: String
        /// Its state (`queued`, `held`, …).
        public var state: String
        /// Why it waits, when it does.
        public var reason: String?
        /// The typed cause of ``reason`` (`quote_only`, `paid_answer_lost`, …), for scripts.
        public var reasonCode: String?
        /// A refund link the provider offered for a paid request that failed.
        public var refundURL: String?
        /// When it was queued.
        public var createdAt: Date
    }

    /// The rule files and what became of them.
    public struct RulesSummary: Codable, Sendable {
        /// Rules that are loaded and enabled.
        public var enabled: [String]
        /// Rules that loaded with `enabled: false`.
        public var disabled: [String]
        /// One line per broken rule file (that rule is off): `file:line:column: key: message`.
        public var problems: [String]
        /// Rules that pay nothing until released (`dropbolt rules release NAME`), with why.
        public var held: [HeldRule] = []
    }

    /// A rule held after a payment cost more in fees than `wallet.max_fee_sats`.
    public struct HeldRule: Codable, Sendable {
        /// The rule.
        public var rule: String
        /// The typed cause (`rule_held_fee_above_cap`).
        public var reasonCode: String
        /// Why, with the payment and the fee.
        public var reason: String
        /// Since when.
        public var since: Date
    }

    /// Spend so far against every limit, in msat.
    public struct Budget: Codable, Sendable {
        /// One limit and what counts against it.
        public struct Line: Codable, Sendable {
            /// `daily`, `monthly`, or `rule <name> daily`.
            public var limit: String
            /// Spent (amounts and fees) in the window.
            public var spentMsat: Int64
            /// The limit.
            public var limitMsat: Int64
        }
        /// Today's and this month's lines, then each rule with a daily limit.
        public var lines: [Line]
        /// Reserved for payments in flight (counts against every limit until settled).
        public var reservedMsat: Int64
    }

    /// The configuration file in use.
    public var config: String
    /// The state folder (database and spool).
    public var stateFolder: String
    /// `quote-only` without a wallet, else `pay via <kind>`.
    public var mode: String
    /// False when no daemon has run with this state folder yet.
    public var databaseExists: Bool
    /// Number of jobs in each state.
    public var jobs: [String: Int]
    /// Files known to the store.
    public var files: Int
    /// The newest waiting jobs (queued or held), at most 50.
    public var queue: [QueuedJob]
    /// Jobs where money moved but no result came (never retried automatically), with refund links.
    public var attention: [QueuedJob]
    /// The newest failed jobs (at most 20) with their reasons; `dropbolt retry` re-queues them.
    public var failed: [QueuedJob]
    /// Spend against the limits.
    public var budget: Budget?
    /// The rules.
    public var rules: RulesSummary

    /// Reads the store (read-only) and the rules folder.
    ///
    /// - Throws: ``StoreError`` when the database exists but cannot be read.
    public static func load(configuration: DropboltConfiguration) async throws -> StatusReport {
        guard FileManager.default.fileExists(atPath: configuration.stateFolder + "/" + Store.databaseFileName) else {
            return empty(configuration: configuration, databaseExists: false)
        }
        return try await load(configuration: configuration, store: Store.openReadOnly(stateFolder: configuration.stateFolder))
    }

    /// The parts that need no database: config, mode and the rules in force.
    private static func empty(configuration: DropboltConfiguration, databaseExists: Bool) -> StatusReport {
        let ruleSet = RuleBook.loadRules(configuration: configuration)
        return StatusReport(
            config: configuration.configFile,
            stateFolder: configuration.stateFolder,
            mode: configuration.wallet.map { "pay via \($0.kind.rawValue)" } ?? "quote-only",
            databaseExists: databaseExists,
            jobs: Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0.rawValue, 0) }),
            files: 0,
            queue: [],
            attention: [],
            failed: [],
            budget: nil,
            rules: RulesSummary(
                enabled: ruleSet.rules.filter(\.enabled).map(\.name),
                disabled: ruleSet.rules.filter { !$0.enabled }.map(\.name),
                problems: ruleSet.problems.map(\.description)))
    }

    /// The report from a store already open (the daemon's status page).
    static func load(configuration: DropboltConfiguration, store: Store) async throws -> StatusReport {
        var report = empty(configuration: configuration, databaseExists: true)
        let ruleSet = RuleBook.loadRules(configuration: configuration)
        for (state, count) in try await store.jobCounts() { report.jobs[state.rawValue] = count }
        report.files = try await store.fileCount()
        report.rules.held = try await store.ruleHolds().map {
            HeldRule(rule: $0.rule, reasonCode: $0.reasonCode, reason: $0.reason, since: $0.createdAt)
        }
        let entry = { (job: JobRecord) in
            QueuedJob(
                id: job.id ?? 0, rule: job.rule, path: job.path, state: job.state.rawValue,
                reason: [job.reason, job.refundURL.map { "refund: \($0)" }].compactMap { $0 }.joined(separator: "; "),
                reasonCode: job.reasonCode?.rawValue, refundURL: job.refundURL, createdAt: job.createdAt)
        }
        report.queue = try await store.jobs(in: [.queued, .held, .invoiced, .paying, .paid, .fetched], limit: 50).map(entry)
        report.attention = try await store.jobs(in: [.attention], limit: 1000).map(entry)
        report.failed = try await store.jobs(in: [.failed], limit: 20).map(entry)
        let limits = BudgetCalendar.limits(for: nil, budget: configuration.budget, now: Date())
        var lines = [
            Budget.Line(
                limit: "daily", spentMsat: try await store.spentTotal(since: limits.dayStart), limitMsat: limits.dailyMsat),
            Budget.Line(
                limit: "monthly", spentMsat: try await store.spentTotal(since: limits.monthStart),
                limitMsat: limits.monthlyMsat),
        ]
        for rule in ruleSet.rules {
            guard let daily = rule.dailySats else { continue }
            lines.append(
                Budget.Line(
                    limit: "rule \(rule.name) daily",
                    spentMsat: try await store.spentTotal(since: limits.dayStart, rule: rule.name),
                    limitMsat: daily * 1000))
        }
        report.budget = Budget(lines: lines, reservedMsat: try await store.reservedTotal())
        return report
    }

    /// The report as the terminal shows it.
    public func renderText() -> String {
        var lines: [String] = []
        lines.append("config:  \(config)")
        lines.append("state:   \(stateFolder)")
        lines.append("mode:    \(mode)")
        let enabledList = rules.enabled.isEmpty ? "none" : rules.enabled.joined(separator: ", ")
        lines.append("rules:   \(enabledList)" + (rules.disabled.isEmpty ? "" : " (disabled: \(rules.disabled.joined(separator: ", ")))"))
        for problem in rules.problems { lines.append("  broken: \(problem)") }
        for hold in rules.held { lines.append("  held: \(hold.reason) [\(hold.reasonCode)]") }
        guard databaseExists else {
            lines.append("jobs:    none yet (no daemon has run with this state folder)")
            return lines.joined(separator: "\n")
        }
        let counts = JobState.allCases.compactMap { state -> String? in
            let count = jobs[state.rawValue] ?? 0
            return count > 0 ? "\(state.rawValue) \(count)" : nil
        }
        lines.append("files:   \(files) known")
        lines.append("jobs:    " + (counts.isEmpty ? "none" : counts.joined(separator: ", ")))
        if let budget {
            for line in budget.lines {
                lines.append("spend:   \(line.limit) \(line.spentMsat / 1000) of \(line.limitMsat / 1000) sats")
            }
            if budget.reservedMsat > 0 { lines.append("spend:   \(budget.reservedMsat / 1000) sats reserved for payments in flight") }
        }
        for (title, jobs) in [
            ("needs attention (money moved, no result):", attention), ("queue (newest first):", queue),
            ("failed (newest first; dropbolt retry re-queues):", failed),
        ]
        where !jobs.isEmpty {
            lines.append(title)
            for job in jobs {
                let code = job.reasonCode.map { " [\($0)]" } ?? ""
                let reason = job.reason.flatMap { $0.isEmpty ? nil : " — \($0)\(code)" } ?? ""
                lines.append("  #\(job.id) \(job.state) \(job.rule) \(job.path)\(reason)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
