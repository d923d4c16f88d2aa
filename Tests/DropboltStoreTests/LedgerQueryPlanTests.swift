import DropboltTesting
import Foundation
import GRDB
import Testing

@testable import DropboltStore

/// The spend sums a payment waits for read the quarter-hour totals by their keys, and the ledger only through an
/// index that holds only spend and fee entries, for the part of a quarter before the first whole one.
struct LedgerQueryPlanTests {
    @Test(arguments: [false, true])
    func spendSumsReadOnlyTheirPartialIndex(perRule: Bool) async throws {
        let dir = try TemporaryDirectory(prefix: "plan")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let window: StatementArguments = ["2026-01-01 00:00:00.001", "2026-01-01 00:15:00.000"]
        let arguments: StatementArguments = perRule ? window + ["edit"] : window
        let plan = try await store.reader.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + Store.spentSQL(perRule: perRule), arguments: arguments)
                .map { String($0["detail"] as String? ?? "") }
                .joined(separator: "; ")
        }
        let index = perRule ? "ledger_spend_by_rule" : "ledger_spend_by_time"
        #expect(plan.contains("USING COVERING INDEX \(index)") || plan.contains("USING INDEX \(index)"), "\(plan)")
    }

    @Test(arguments: [false, true])
    func quarterTotalsAreReadByTheirKeys(perRule: Bool) async throws {
        let dir = try TemporaryDirectory(prefix: "plan")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let arguments: StatementArguments = perRule ? ["edit", 1] : [1]
        let plan = try await store.reader.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + Store.quarterSumSQL(perRule: perRule), arguments: arguments)
                .map { String($0["detail"] as String? ?? "") }
                .joined(separator: "; ")
        }
        #expect(plan.contains("SEARCH") && plan.contains("PRIMARY KEY"), "\(plan)")
    }
}
