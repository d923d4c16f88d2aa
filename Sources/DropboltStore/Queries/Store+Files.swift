import DropboltCore
import Foundation
import GRDB

extension Store {
    /// The known files that are one of `paths` or inside one of them (absolute paths), for `dropbolt scan`.
    public func loadFileIndex(under paths: [String]) async throws -> FileIndex {
        try await read("load the file index") { db in
            var index = FileIndex()
            for folder in Self.outermost(paths) {
                let range = Self.pathRange(folder)
                try Self.fileIndex(
                    db, into: &index,
                    sql: "SELECT path, size, mtime_ns, inode, sha256 FROM files WHERE path >= ? AND path < ?",
                    arguments: [range.lower, range.upper]
                ) { PathNames.isAtOrInside($0, folder) }
            }
            return index
        }
    }

    /// What is known about exactly `paths` (those never recorded are absent): the intake's lookup for one batch.
    ///
    /// Keeping the whole index in memory instead held 25 MB for an archive of 100,000 files from the first new file
    /// on, for as long as the daemon ran (heaptrack).
    /// - Throws: ``StoreError/queryFailed``.
    public func loadFileIndex(paths: [String]) async throws -> FileIndex {
        try await read("look up files") { db in
            var index = FileIndex()
            try Self.inChunks(paths) { marks, arguments in
                let sql = "SELECT path, size, mtime_ns, inode, sha256 FROM files WHERE path IN (\(marks))"
                try Self.fileIndex(db, into: &index, sql: sql, arguments: arguments) { _ in true }
            }
            return index
        }
    }

    /// Adds to `index` the rows of `sql` (path, size, mtime_ns, inode, sha256) whose path `keep` accepts.
    private static func fileIndex(
        _ db: Database, into index: inout FileIndex, sql: String, arguments: StatementArguments,
        keep: (String) -> Bool
    ) throws {
        let rows = try Row.fetchCursor(db.makeStatement(sql: sql), arguments: arguments)
        while let row = try rows.next() {
            let path: String = row[0]
            guard keep(path) else { continue }
            index[path] = KnownFile(
                size: row[1], mtimeNanoseconds: row[2], inode: UInt64(bitPattern: row[3]), sha256: row[4])
        }
    }

    /// Records a batch of settled files and queues a job per file and rule, in one write transaction.
    ///
    /// Each file is upserted by path: a known path gets the new stat, hash, `last_seen` and `predates_rules`
    /// (the caller's latest judgement); a new one also gets `first_seen`. For each of the file's ``IntakeFile/rules``
    /// a `queued` job is inserted unless a job with the same (rule, path, sha256) exists, whatever its state, so
    /// intake can be repeated safely after a restart or a rescan.
    ///
    /// ```swift
    /// let created = try await store.recordIntake([file], at: Date())
    /// for job in created { pipeline.enqueue(job) }
    /// ```
    /// - Parameters:
    ///   - files: The batch; it may name a path more than once (the last entry's stat wins).
    ///   - now: The time written to `first_seen`, `last_seen`, `created_at` and `updated_at`.
    /// - Returns: Only the jobs this call created, in insertion order, with their ids.
    /// - Throws: ``StoreError/queryFailed``; nothing of the batch is stored then.
    public func recordIntake(_ files: [IntakeFile], at now: Date) async throws -> [JobRecord] {
        try await write("record \(files.count) intake files") { db in try Self.recordIntake(db, files, at: now) }
    }

    /// ``recordIntake(_:at:)`` inside a write transaction the caller holds.
    static func recordIntake(_ db: Database, _ files: [IntakeFile], at now: Date) throws -> [JobRecord] {
        let upsertFile = try db.cachedStatement(
            sql: """
                INSERT INTO files (path, size, mtime_ns, inode, sha256, first_seen, last_seen, predates_rules)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (path) DO UPDATE SET
                    size = excluded.size, mtime_ns = excluded.mtime_ns, inode = excluded.inode,
                    sha256 = excluded.sha256, last_seen = excluded.last_seen,
                    predates_rules = excluded.predates_rules
                """)
        let insertJob = try db.cachedStatement(
            sql: """
                INSERT INTO jobs (rule, path, sha256, state, attempts, created_at, updated_at)
                VALUES (?, ?, ?, ?, 0, ?, ?)
                ON CONFLICT (rule, path, sha256) DO NOTHING
                """)
        // Converted once: formatting a Date is the costliest part of binding.
        let time = now.databaseText.databaseValue
        let queued = JobState.queued.databaseValue
        var created: [JobRecord] = []
        for file in files {
            let sha256 = file.sha256.lowercased()
            try upsertFile.execute(arguments: [
                file.path, file.size, file.mtimeNanoseconds, Int64(bitPattern: file.inode), sha256, time, time,
                file.predatesRules,
            ])
            for rule in file.rules {
                try insertJob.execute(arguments: [rule, file.path, sha256, queued, time, time])
                guard db.changesCount > 0 else { continue }
                created.append(
                    JobRecord(
                        id: db.lastInsertedRowID, rule: rule, path: file.path, sha256: sha256, createdAt: now,
                        updatedAt: now))
            }
        }
        return created
    }

    /// Updates a known file's stat when its content is unchanged (a touch, a copy over itself).
    ///
    /// - Returns: Whether `path` was known; an unknown path is left unrecorded.
    /// - Throws: ``StoreError/queryFailed``.
    @discardableResult
    public func updateFileStat(
        path: String, size: Int64, mtimeNanoseconds: Int64, inode: UInt64, at now: Date
    ) async throws -> Bool {
        try await write("update the stat of \(path)") { db in
            try db.execute(
                sql: "UPDATE files SET size = ?, mtime_ns = ?, inode = ?, last_seen = ? WHERE path = ?",
                arguments: [size, mtimeNanoseconds, Int64(bitPattern: inode), now.databaseText, path])
            return db.changesCount > 0
        }
    }

    /// The stored record for `path`, if any.
    /// - Throws: ``StoreError/queryFailed``.
    public func file(path: String) async throws -> FileRecord? {
        try await read("read the file \(path)") { db in
            try FileRecord.filter(FileRecord.Columns.path == path).fetchOne(db)
        }
    }

    /// How many paths the store knows.
    /// - Throws: ``StoreError/queryFailed``.
    public func fileCount() async throws -> Int {
        try await read("count files") { db in try FileRecord.fetchCount(db) }
    }
}
