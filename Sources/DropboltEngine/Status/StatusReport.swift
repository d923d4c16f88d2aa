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
    /// The rules.
    public var rules: RulesSummary

    /// Reads the store (read-only) and the rules folder.
    ///
    /// - Throws: ``StoreError`` when the database exists but cannot be read.
    public static func load(configuration: DropboltConfiguration) async throws -> StatusReport {
        let ruleSet = RuleBook.loadRules(configuration: configuration)
        var report = StatusReport(
            config: configuration.configFile,
            stateFolder: configuration.stateFolder,
            mode: configuration.wallet.map { "pay via \($0.kind.rawValue)" } ?? "quote-only",
            databaseExists: false,
            jobs: Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0.rawValue, 0) }),
            files: 0,
            queue: [],
            rules: RulesSummary(
                enabled: ruleSet.rules.filter(\.enabled).map(\.name),
                disabled: ruleSet.rules.filter { !$0.enabled }.map(\.name),
                problems: ruleSet.problems.map(\.description)))
        guard FileManager.default.fileExists(atPath: configuration.stateFolder + "/" + Store.databaseFileName) else {
            return report
        }
        let store = try Store.openReadOnly(stateFolder: configuration.stateFolder)
        report.databaseExists = true
        for (state, count) in try await store.jobCounts() { report.jobs[state.rawValue] = count }
        report.files = try await store.fileCount()
        report.queue = try await store.jobs(in: [.queued, .held], limit: 50).map {
            QueuedJob(
                id: $0.id ?? 0, rule: $0.rule, path: $0.path, state: $0.state.rawValue, reason: $0.reason,
                createdAt: $0.createdAt)
        }
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
        if !queue.isEmpty {
            lines.append("queue (newest first):")
            for job in queue {
                let reason = job.reason.map { " — \($0)" } ?? ""
                lines.append("  #\(job.id) \(job.state) \(job.rule) \(job.path)\(reason)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
