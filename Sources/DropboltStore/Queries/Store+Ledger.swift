import DropboltCore
import Foundation
import GRDB

/// The ledger's sums and rows: spend and fees in a window, live reservations, and the rows each transition writes
/// in its own transaction (DESIGN §5 rule 7).
extension Store {
    /// Spend plus fees since `start`, for one rule or all.
    static func spent(_ db: Database, since start: Date, rule: String?) throws -> Int64 {
        var arguments: StatementArguments = [start.databaseText]
        if let rule { arguments += [rule] }
        return try db.cachedInt64(spentSQL(perRule: rule != nil), arguments)
    }

    /// The query behind ``spent(_:since:rule:)``. Its `kind IN ('spend', 'fee')` is written exactly as the partial
    /// indexes `ledger_spend_by_time` and `ledger_spend_by_rule` say it (migration v8), so SQLite uses them.
    static func spentSQL(perRule: Bool) -> String {
        "SELECT COALESCE(SUM(amount_msat), 0) FROM ledger WHERE kind IN ('spend', 'fee') AND created_at >= ?"
            + (perRule ? " AND rule = ?" : "")
    }

    /// Reserved and not yet released, for one rule or all (from `reservations`, which holds only live ones).
    static func liveReservations(_ db: Database, rule: String?) throws -> Int64 {
        if let rule {
            return try db.cachedInt64("SELECT COALESCE(SUM(amount_msat), 0) FROM reservations WHERE rule = ?", [rule])
        }
        return try db.cachedInt64("SELECT COALESCE(SUM(amount_msat), 0) FROM reservations")
    }

    /// Writes a `reserve` to the ledger and the live reservation beside it.
    static func reserve(
        _ db: Database, jobID: Int64, paymentID: Int64?, rule: String, amountMsat: Int64, at now: Date
    ) throws {
        try append(db, jobID: jobID, paymentID: paymentID, rule: rule, kind: .reserve, amountMsat: amountMsat, at: now)
        try db.executeCached(
            "INSERT INTO reservations (job_id, rule, amount_msat) VALUES (?, ?, ?)", [jobID, rule, amountMsat])
    }

    /// Writes a `release` for whatever the job still has reserved.
    static func releaseReservation(_ db: Database, jobID: Int64, rule: String, at now: Date) throws {
        let live = try db.cachedInt64(
            """
            SELECT COALESCE(SUM(CASE kind WHEN 'reserve' THEN amount_msat ELSE -amount_msat END), 0)
            FROM ledger WHERE job_id = ? AND kind IN ('reserve', 'release')
            """,
            [jobID])
        try db.executeCached("DELETE FROM reservations WHERE job_id = ?", [jobID])
        guard live > 0 else { return }
        try append(db, jobID: jobID, paymentID: nil, rule: rule, kind: .release, amountMsat: live, at: now)
    }

    /// Appends one ledger row (through the statement cache; the record type's encoder cost more than the insert).
    static func append(
        _ db: Database, jobID: Int64, paymentID: Int64?, rule: String, kind: LedgerKind, amountMsat: Int64, at now: Date
    ) throws {
        try db.executeCached(
            "INSERT INTO ledger (job_id, payment_id, rule, kind, amount_msat, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [jobID, paymentID, rule, kind, amountMsat, now.databaseText])
    }
}
