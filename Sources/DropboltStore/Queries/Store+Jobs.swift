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
