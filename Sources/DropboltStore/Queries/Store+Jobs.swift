import DropboltCore
import Foundation
import GRDB

extension Store {
    /// The number of jobs in each state; every state is present, with 0 when it has no jobs.
    /// - Throws: ``StoreError/queryFailed``.
    public func jobCounts() async throws -> [JobState: Int] {
        try await read("count jobs by state") { db in
            var counts = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0, 0) })
            let rows = try Row.fetchCursor(db, sql: "SELECT state, COUNT(*) FROM jobs GROUP BY state")
            while let row = try rows.next() {
                // The CHECK constraint keeps unknown states out, so a failed conversion cannot happen.
                if let state = JobState(rawValue: row[0]) { counts[state] = row[1] }
            }
            return counts
        }
    }

    /// The states of those of `ids` that are not finished (not `done`, `failed` or `attention`); ids of finished or
    /// unknown jobs are absent.
    ///
    /// For the spool sweeper, which asks only about the jobs whose files it found: loading every waiting job instead
    /// held 7.9 MB of rows for a backlog of 10,000 (heaptrack), growing with the backlog.
    /// - Throws: ``StoreError/queryFailed``.
    public func unfinishedJobStates(ids: [Int64]) async throws -> [Int64: JobState] {
        try await read("read job states") { db in
            var states: [Int64: JobState] = [:]
            try Self.inChunks(ids) { marks, arguments in
                let rows = try Row.fetchCursor(
                    db, sql: "SELECT id, state FROM jobs WHERE id IN (\(marks))", arguments: arguments)
                while let row = try rows.next() {
                    guard let state = JobState(rawValue: row[1]), !state.isTerminal else { continue }
                    states[row[0]] = state
                }
            }
            return states
        }
    }

    /// The folders where outputs may be being written: those of the originals of jobs in `paid` (an output written
    /// straight from the durable answer) or `fetched` (from the spooled result). Outputs always go beside their
    /// original, and a crash in the middle of writing one leaves its temp file there.
    /// - Throws: ``StoreError/queryFailed``.
    public func outputFoldersBeingWritten() async throws -> Set<String> {
        try await read("list output folders") { db in
            let paths = try String.fetchCursor(db, sql: "SELECT path FROM jobs WHERE state IN ('paid', 'fetched')")
            var folders: Set<String> = []
            while let path = try paths.next() { folders.insert(PathNames.folder(of: path)) }
            return folders
        }
    }

    /// The ids of every job in `states`, newest first: for commands that act on each job by id, without loading
    /// the rows (a whole row is ~800 bytes; `retry --failed` loaded up to a million of them).
    /// - Throws: ``StoreError/queryFailed``.
    public func jobIDs(in states: Set<JobState>) async throws -> [Int64] {
        try await read("list job ids") { db in
            return try Int64.fetchAll(
                db, sql: "SELECT id FROM jobs WHERE state IN (\(Self.placeholders(states.count))) ORDER BY id DESC",
                arguments: StatementArguments(states.map(\.rawValue).sorted()))
        }
    }

    /// `count` SQL parameter marks for an `IN (...)` list: `?, ?, ?`.
    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    /// Runs `body` for each run of up to 500 of `values`, with that run's parameter marks and arguments: a few
    /// hundred per statement stays far below SQLite's limit on bound variables.
    static func inChunks<Value: DatabaseValueConvertible>(
        _ values: [Value], _ body: (_ marks: String, _ arguments: StatementArguments) throws -> Void
    ) throws {
        for start in stride(from: 0, to: values.count, by: 500) {
            let chunk = values[start..<min(start + 500, values.count)]
            try body(placeholders(chunk.count), StatementArguments(chunk))
        }
    }

    /// Jobs, newest first (by creation order).
    ///
    /// - Parameters:
    ///   - states: Only jobs in these states; `nil` for all.
    ///   - limit: At most this many jobs.
    /// - Throws: ``StoreError/queryFailed``.
    public func jobs(in states: Set<JobState>?, limit: Int) async throws -> [JobRecord] {
        try await read("list jobs") { db in
            var request = JobRecord.all()
            if let states {
                request = request.filter(states.contains(JobRecord.Columns.state))
            }
            return try request.order(JobRecord.Columns.id.desc).limit(limit).fetchAll(db)
        }
    }

    /// The job with row id `id`, if any.
    /// - Throws: ``StoreError/queryFailed``.
    public func job(id: Int64) async throws -> JobRecord? {
        try await read("read job \(id)") { db in try JobRecord.fetchOne(db, id: id) }
    }

    /// The total number of jobs.
    /// - Throws: ``StoreError/queryFailed``.
    public func jobCount() async throws -> Int {
        try await read("count jobs") { db in try JobRecord.fetchCount(db) }
    }
}
