import DropboltCore
import DropboltTesting
import Foundation
import GRDB
import Testing

@testable import DropboltStore

/// The reads every job makes find their rows through an index on what they look for, so a job costs the same with
/// a hundred jobs in the state as with a hundred thousand finished or waiting ones.
struct JobQueryPlanTests {
    private static func plan(_ store: Store, _ sql: String, _ arguments: StatementArguments) async throws -> String {
        try await store.reader.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments)
                .map { String($0["detail"] as String? ?? "") }
                .joined(separator: "; ")
        }
    }

    @Test func anEarlierOutputIsFoundByRuleAndContent() async throws {
        let dir = try TemporaryDirectory(prefix: "plan")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let plan = try await Self.plan(store, Store.earlierOutputSQL, ["edit", String(repeating: "a", count: 64), 1])
        // Before v10 SQLite walked every `done` job through the index on state.
        #expect(plan.contains("USING INDEX jobs_on_rule_sha256 (rule=? AND sha256=?)"), "\(plan)")
        #expect(!plan.contains("jobs_on_state"), "\(plan)")
    }

    @Test(arguments: [(0, false), (3, false), (2, true)])
    func runnableJobsAreTwoIndexRanges(busy: Int, scan: Bool) async throws {
        let dir = try TemporaryDirectory(prefix: "plan")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let values: [Int64] = (scan ? [7] : []) + (0..<busy).map { Int64($0) }
        let filter = StatementArguments(values)
        let plan = try await Self.plan(
            store, Store.runnableJobsSQL(excluding: busy, scan: scan),
            filter + [8] + ["2026-12-06 10:00:00.000"] + filter + [8, 8])
        // Before v11: the index on state, and every waiting job's row read to check `not_before`. Now each range is
        // read in its index's order (no sort of the jobs table's rows, only of the few found).
        #expect(plan.contains("SEARCH jobs USING INDEX jobs_runnable (not_before=?)"), "\(plan)")
        #expect(plan.contains("SEARCH jobs USING INDEX jobs_runnable (not_before<?)"), "\(plan)")
        #expect(!plan.contains("SCAN jobs") && !plan.contains("jobs_on_state"), "\(plan)")
    }

    @Test func runnableJobsAreTheOnesWithNoWaitOrAWaitOver() async throws {
        let dir = try TemporaryDirectory(prefix: "runnable")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let now = testDate(10_000)
        let ids = try await store.recordIntake((1...8).map { IntakeFile.fixture($0) }, at: testDate(0)).compactMap(\.id)
        let reason = JobReason(.rateLimited, "test")
        // 1, 5: queued; 2: a retry due now; 3: held for later; 4: held, due long ago; 6: done; 7: busy; 8: held until
        // exactly now (due).
        try await store.deferJob(jobID: ids[1], in: .queued, until: now.addingTimeInterval(-1), reason: reason, at: now)
        try await store.recordStopped(
            jobID: ids[2], from: .queued, state: .held, reason: reason, notBefore: now.addingTimeInterval(60), at: now)
        try await store.recordStopped(
            jobID: ids[3], from: .queued, state: .held, reason: reason, notBefore: testDate(1), at: now)
        try await store.recordStopped(jobID: ids[5], from: .queued, state: .done, reason: reason, at: now)
        try await store.recordStopped(
            jobID: ids[7], from: .queued, state: .held, reason: reason, notBefore: now, at: now)

        let all = try await store.runnableJobs(now: now, excluding: [ids[6]], limit: 10).compactMap(\.id)
        #expect(all == [ids[0], ids[1], ids[3], ids[4], ids[7]])
        // Two at most: the oldest of the unwaited (1) and of the due, longest due first (4, then 2).
        #expect(try await store.runnableJobs(now: now, excluding: [], limit: 2).compactMap(\.id) == [ids[0], ids[1]])
        #expect(try await store.runnableJobs(now: now, excluding: [ids[0]], limit: 1).compactMap(\.id) == [ids[3]])
        // Later, the held job is due too; a scan's filter keeps to its own jobs.
        let later = try await store.runnableJobs(now: now.addingTimeInterval(61), excluding: [], limit: 10)
        #expect(later.compactMap(\.id) == [0, 1, 2, 3, 4, 6, 7].map { ids[$0] })
        let scan = try await store.beginScan(paths: ["/photos"], rule: nil, maxMsat: nil, estimateMsat: nil, at: now)
        #expect(try await store.queueForScan([.fixture(5), .fixture(3), .fixture(9)], scan: scan, at: now) == 3)
        let scanned = try await store.runnableJobs(now: now, excluding: [], limit: 10, scan: scan).compactMap(\.id)
        #expect(scanned.count == 2 && scanned.first == ids[4], "\(scanned)")
    }
}
