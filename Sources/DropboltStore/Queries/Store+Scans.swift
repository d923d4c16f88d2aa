import DropboltCore
import Foundation
import GRDB

/// What a `dropbolt scan` run has achieved so far.
public struct ScanProgress: Sendable, Equatable {
    /// Jobs of the scan by state.
    public var counts: [JobState: Int]
    /// Amounts and routing fees paid for the scan's jobs, in msat.
    public var spentMsat: Int64
    /// The earliest `not_before` among the scan's held jobs (when the next of them is retried), if any.
    public var nextRetry: Date?
    /// Held jobs by reason code (budget, quote-only, provider…), to say why work is waiting.
    public var heldReasons: [JobReason.Code: Int]

    /// Creates a value.
    public init(counts: [JobState: Int], spentMsat: Int64, nextRetry: Date?, heldReasons: [JobReason.Code: Int]) {
        self.counts = counts
        self.spentMsat = spentMsat
        self.nextRetry = nextRetry
        self.heldReasons = heldReasons
    }

    /// Every job of the scan.
    public var total: Int { counts.values.reduce(0, +) }
    /// Jobs in `done`, `failed` or `attention`.
    public var finished: Int { (counts[.done] ?? 0) + (counts[.failed] ?? 0) + (counts[.attention] ?? 0) }
}

/// A job's identity and state, for planning a scan without reading whole rows.
public struct JobKey: Sendable, Hashable {
    /// The rule.
    public var rule: String
    /// The original's path.
    public var path: String
    /// The content's SHA-256, lowercase hex.
    public var sha256: String

    /// Creates a key.
    public init(rule: String, path: String, sha256: String) {
        self.rule = rule
        self.path = path
        self.sha256 = sha256
    }
}

extension Store {
    /// Records a new scan run and returns its id.
    /// - Throws: ``StoreError/queryFailed``.
    public func beginScan(paths: [String], rule: String?, maxMsat: Int64?, estimateMsat: Int64?, at now: Date)
        async throws -> Int64
    {
        try await write("record a scan") { db in
            try db.execute(
                sql: "INSERT INTO scans (paths, rule, max_msat, estimate_msat, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [paths.joined(separator: "\n"), rule, maxMsat, estimateMsat, now.databaseText])
            return db.lastInsertedRowID
        }
    }

    /// Queues a batch for a scan: like ``recordIntake(_:at:)``, and every unfinished job of the batch's (rule, path,
    /// content) — new, or queued earlier and never finished — now belongs to `scan`. Finished jobs are left alone.
    /// - Returns: How many of the batch's jobs belong to the scan after the call (new and adopted).
    /// - Throws: ``StoreError/queryFailed``; nothing of the batch is stored then.
    public func queueForScan(_ files: [IntakeFile], scan: Int64, at now: Date) async throws -> Int {
        try await write("queue \(files.count) files for scan \(scan)") { db in
            _ = try Self.recordIntake(db, files, at: now)
            let adopt = try db.cachedStatement(
                sql: """
                    UPDATE jobs SET scan_id = ? WHERE rule = ? AND path = ? AND sha256 = ?
                    AND state NOT IN ('done', 'failed', 'attention')
                    """)
            var adopted = 0
            for file in files {
                for rule in file.rules {
                    try adopt.execute(arguments: [scan, rule, file.path, file.sha256.lowercased()])
                    adopted += db.changesCount
                }
            }
            return adopted
        }
    }

    /// The identity and state of every job of `rules` whose original is one of `paths` or inside one of them (for
    /// `dropbolt scan` to tell new work from done work without hashing). Only what the scan can look up is loaded:
    /// with 100,000 jobs elsewhere in the history, loading every job made a scan of 400 files peak at 87 MB.
    /// - Throws: ``StoreError/queryFailed``.
    public func jobStates(under paths: [String], rules: Set<String>) async throws -> [JobKey: JobState] {
        try await read("list job states") { db in
            var result: [JobKey: JobState] = [:]
            for rule in rules.sorted() {
                for folder in Self.outermost(paths) {
                    // A range of the (rule, path, sha256) index, then only what is really at or inside `folder`.
                    let range = Self.pathRange(folder)
                    let rows = try Row.fetchCursor(
                        db.cachedStatement(
                            sql: "SELECT path, sha256, state FROM jobs WHERE rule = ? AND path >= ? AND path < ?"),
                        arguments: [rule, range.lower, range.upper])
                    while let row = try rows.next() {
                        let path: String = row[0]
                        guard PathNames.isAtOrInside(path, folder), let state = JobState(rawValue: row[2]) else {
                            continue
                        }
                        result[JobKey(rule: rule, path: path, sha256: row[1])] = state
                    }
                }
            }
            return result
        }
    }

    /// Every content finished under one of `rules`, anywhere, as `rule + "\u{0}" + sha256`: a file with that content
    /// is a duplicate (`on_duplicate`).
    /// - Throws: ``StoreError/queryFailed``.
    public func doneContent(rules: Set<String>) async throws -> Set<String> {
        try await read("list finished content") { db in
            var result: Set<String> = []
            for rule in rules.sorted() {
                // No DISTINCT: the set removes repeats, and SQLite would sort every row to do it.
                let rows = try Row.fetchCursor(
                    db.cachedStatement(sql: "SELECT sha256 FROM jobs WHERE rule = ? AND state = 'done'"),
                    arguments: [rule])
                while let row = try rows.next() {
                    let sha256: String = row[0]
                    result.insert(rule + "\u{0}" + sha256)
                }
            }
            return result
        }
    }

    /// The paths of `paths` (absolute) that are not inside another of them, normalized.
    static func outermost(_ paths: [String]) -> [String] {
        let folders = Set(paths.map(PathNames.normalized))
        return folders.filter { folder in
            !folders.contains { $0 != folder && PathNames.isAtOrInside(folder, $0) }
        }.sorted()
    }

    /// Paths from `lower` (included) to `upper` (excluded) hold `folder` and everything inside it, and also some
    /// siblings (`a b`, `a.x` sort between `a` and `a/`): keep only what `PathNames.isAtOrInside` accepts.
    static func pathRange(_ folder: String) -> (lower: String, upper: String) {
        folder == "/" ? ("/", "0") : (folder, folder + "0")  // '0' is the character after '/'
    }

    /// Progress of a scan: its jobs by state, what was paid for them, and why the held ones wait.
    /// - Throws: ``StoreError/queryFailed``.
    public func scanProgress(_ scan: Int64) async throws -> ScanProgress {
        try await read("read the progress of scan \(scan)") { db in
            var counts: [JobState: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT state, COUNT(*) FROM jobs WHERE scan_id = ? GROUP BY state", arguments: [scan])
            {
                if let state = JobState(rawValue: row[0]) { counts[state] = row[1] }
            }
            var reasons: [JobReason.Code: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql: "SELECT reason_code, COUNT(*) FROM jobs WHERE scan_id = ? AND state = 'held' GROUP BY reason_code",
                arguments: [scan])
            {
                if let text: String = row[0], let code = JobReason.Code(rawValue: text) { reasons[code] = row[1] }
            }
            let spent =
                try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT COALESCE(SUM(ledger.amount_msat), 0) FROM ledger JOIN jobs ON jobs.id = ledger.job_id
                        WHERE jobs.scan_id = ? AND ledger.kind IN ('spend', 'fee')
                        """,
                    arguments: [scan]) ?? 0
            let next = try String.fetchOne(
                db, sql: "SELECT MIN(not_before) FROM jobs WHERE scan_id = ? AND state = 'held'", arguments: [scan])
            return ScanProgress(
                counts: counts, spentMsat: spent, nextRetry: next.flatMap(DatabaseTimestamp.date(from:)),
                heldReasons: reasons)
        }
    }
}

/// A `dropbolt scan` run as recorded.
public struct ScanRecord: Sendable, Equatable {
    /// The scan's id.
    public var id: Int64
    /// The paths it scanned.
    public var paths: [String]
    /// The rule it was restricted to.
    public var rule: String?
    /// When it started.
    public var createdAt: Date
}

extension Store {
    /// The most recent scan run, if any.
    /// - Throws: ``StoreError/queryFailed``.
    public func latestScan() async throws -> ScanRecord? {
        try await read("read the latest scan") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, paths, rule, created_at FROM scans ORDER BY id DESC LIMIT 1")
            else { return nil }
            let paths: String = row["paths"]
            return ScanRecord(
                id: row["id"], paths: paths.split(separator: "\n").map(String.init), rule: row["rule"],
                createdAt: row.storedDate("created_at") ?? .distantPast)
        }
    }

    /// Proves the database takes writes now (the status endpoint's `/healthz`): one small durable-enough write.
    /// - Throws: ``StoreError/queryFailed`` when it cannot be written (disk full, read-only, locked too long).
    public func recordHealthCheck(at now: Date) async throws {
        try await write("record a health check") { db in
            try db.execute(
                sql: "INSERT INTO settings (key, value) VALUES ('health_check', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                arguments: [now.databaseText])
        }
    }
}
