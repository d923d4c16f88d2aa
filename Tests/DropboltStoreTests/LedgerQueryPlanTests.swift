import DropboltTesting
import Foundation
import GRDB
import Testing

@testable import DropboltStore

/// The spend sums a payment waits for read an index that holds only spend and fee entries, so their cost follows
/// the window's spend, not the whole ledger.
struct LedgerQueryPlanTests {
    @Test(arguments: [false, true])
    func spendSumsReadOnlyTheirPartialIndex(perRule: Bool) async throws {
        let dir = try TemporaryDirectory(prefix: "plan")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let arguments: StatementArguments = perRule ? ["2026-01-01 00:00:00.000", "edit"] : ["2026-01-01 00:00:00.000"]
        let plan = try await store.reader.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + Store.spentSQL(perRule: perRule), arguments: arguments)
                .map { String($0["detail"] as String? ?? "") }
                .joined(separator: "; ")
        }
        let index = perRule ? "ledger_spend_by_rule" : "ledger_spend_by_time"
        #expect(plan.contains("USING COVERING INDEX \(index)") || plan.contains("USING INDEX \(index)"), "\(plan)")
    }
}
