import DropboltTesting
import Foundation
import GRDB
import Testing

@testable import DropboltStore

/// The reads every job makes find their rows through an index on what they look for, so a job costs the same with
/// a hundred finished jobs in the history as with a hundred thousand.
struct JobQueryPlanTests {
    @Test func anEarlierOutputIsFoundByRuleAndContent() async throws {
        let dir = try TemporaryDirectory(prefix: "plan")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let plan = try await store.reader.read { db in
            let arguments: StatementArguments = ["edit", String(repeating: "a", count: 64), 1]
            return try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + Store.earlierOutputSQL, arguments: arguments)
            .map { String($0["detail"] as String? ?? "") }
            .joined(separator: "; ")
        }
        // Before v10 SQLite walked every `done` job through jobs_on_state.
        #expect(plan.contains("USING INDEX jobs_on_rule_sha256 (rule=? AND sha256=?)"), "\(plan)")
        #expect(!plan.contains("jobs_on_state"), "\(plan)")
    }
}
