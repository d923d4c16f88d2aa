import DropboltCore
import DropboltStore
import DropboltWatch
import Foundation
import Glibc
import Logging

/// Turns settled files into `queued` jobs, exactly once per (rule, path, content).
///
/// It keeps the files table's stat in memory (``FileIndex``), so a reconcile of an unchanged tree costs one lookup per
/// file and never re-hashes. A file whose size, mtime or inode changed is hashed; equal content only refreshes the
/// stat. New content becomes one job per matching rule, in the same transaction as the file row.
///
/// A rule applies to files that arrived after it existed: files whose ctime is older than the rule's baseline
/// (the rule file's mtime when first seen) are recorded as known but not queued, so adding a rule to an old
/// archive never starts spending on its own.
final class Intake {
    private let store: Store
    private let ruleBook: RuleBook
    private let logger: Logger
    /// Files too large to send, as last seen: they are not recorded in the store, and remembering them here keeps
    /// the warning to one per change instead of one per rescan.
    private var tooLarge = FileIndex()
    private var baselines: [String: Int64] = [:]
    /// False once a batch failed to commit since the last folder stamps; stamps are then not kept, since they
    /// would let the next start skip folders whose files were never recorded.
    private var everyBatchRecorded = true
    /// Where the detection lag of each queued file is recorded.
    private let metrics: DaemonMetrics?

    init(store: Store, ruleBook: RuleBook, logger: Logger, metrics: DaemonMetrics? = nil) async throws {
        self.store = store
        self.ruleBook = ruleBook
        self.logger = logger
        self.metrics = metrics
        try await adoptBaselines(for: ruleBook.ruleSet)
    }

    /// Keeps the folder stamps of a finished reconcile when every file it reported was recorded.
    func keepFolderStamps(_ stamps: [FolderStamp]) async throws {
        defer { everyBatchRecorded = true }
        guard everyBatchRecorded else {
            try await store.clearFolderStamps()
            return
        }
        try await store.replaceFolderStamps(stamps, fingerprint: RuleBook.fingerprint(of: ruleBook.ruleSet))
    }

    /// Records a baseline for rules seen for the first time and loads the stored ones.
    func adoptBaselines(for rules: RuleSet) async throws {
        for rule in rules.rules where baselines[rule.name] == nil {
            // The store keeps dates to the millisecond; round down so a file written in the same kernel clock
            // tick as the rule file (same timestamp) still counts as arriving after it.
            let modified = (Self.modificationDate(of: rule.sourceFile) ?? Date()).timeIntervalSince1970
            let since = Date(timeIntervalSince1970: (modified * 1000).rounded(.down) / 1000 - 0.001)
            let stored = try await store.setRuleBaselineIfAbsent(rule: rule.name, since: since)
            baselines[rule.name] = Int64((stored.timeIntervalSince1970 * 1_000_000_000).rounded(.down))
        }
    }

    /// Hashes what changed and commits the batch; returns the jobs it created.
    func process(_ files: [FileReady]) async throws -> [JobRecord] {
        do {
            return try await record(files)
        } catch {
            everyBatchRecorded = false
            throw error
        }
    }

    private func record(_ files: [FileReady]) async throws -> [JobRecord] {
        // Only the batch's own files are looked up (a batch is at most a few hundred), so memory does not grow
        // with the archive; the store has every stamp this process recorded.
        var index = try await store.loadFileIndex(paths: files.map(\.path))
        for file in files where index[file.path] == nil {
            if let known = tooLarge[file.path] { index[file.path] = known }
        }
        let rules = ruleBook.ruleSet
        var intake: [IntakeFile] = []
        for file in files {
            let known = index[file.path]
            if let known, known.size == file.size, known.mtimeNanoseconds == file.mtimeNanoseconds,
                known.inode == file.inode
            {
                continue
            }
            let matching = rules.ruleNames(matching: file.path)
            guard !matching.isEmpty else { continue }
            // Checked before hashing: a 50 GB video named .jpg must not cost a full read, and would never be sent.
            guard file.size <= Self.maximumOriginalBytes else {
                logger.warning(
                    "file too large to send; not queued",
                    metadata: ["file.path": "\(file.path)", "file.size": "\(file.size)"])
                let stamp = KnownFile(
                    size: file.size, mtimeNanoseconds: file.mtimeNanoseconds, inode: file.inode, sha256: nil)
                index[file.path] = stamp
                tooLarge[file.path] = stamp
                continue
            }
            guard let sha256 = FileHasher.sha256(ofFileAt: file.path) else { continue }
            let stamp = KnownFile(
                size: file.size, mtimeNanoseconds: file.mtimeNanoseconds, inode: file.inode, sha256: sha256)
            if let known, known.sha256 == sha256 {
                try await store.updateFileStat(
                    path: file.path, size: file.size, mtimeNanoseconds: file.mtimeNanoseconds, inode: file.inode,
                    at: Date())
                index[file.path] = stamp
                continue
            }
            let applicable = matching.filter { file.ctimeNanoseconds >= (baselines[$0] ?? 0) }
            index[file.path] = stamp
            tooLarge[file.path] = nil
            intake.append(
                IntakeFile(
                    path: file.path, size: file.size, mtimeNanoseconds: file.mtimeNanoseconds, inode: file.inode,
                    sha256: sha256, predatesRules: applicable.isEmpty, rules: applicable))
        }
        guard !intake.isEmpty else { return [] }
        // If this throws, nothing of the batch was recorded: the store still has the old stamps, so the next scan
        // offers these files again.
        let now = Date()
        let created = try await store.recordIntake(intake, at: now)
        if let metrics {
            for file in intake where !file.rules.isEmpty {
                metrics.observe(.detectionLag, seconds: now.timeIntervalSince1970 - Double(file.mtimeNanoseconds) / 1e9)
            }
        }
        return created
    }

    /// The largest original dropbolt sends (the pipeline refuses larger ones too).
    static let maximumOriginalBytes: Int64 = 40 << 20

    private static func modificationDate(of path: String) -> Date? {
        var raw = stat()
        guard stat(path, &raw) == 0 else { return nil }
        return Date(
            timeIntervalSince1970: TimeInterval(raw.st_mtim.tv_sec) + TimeInterval(raw.st_mtim.tv_nsec) / 1e9)
    }
}
