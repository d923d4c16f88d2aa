import DropboltCore
import Foundation
import GRDB

/// The ledger's sums and rows: spend and fees in a window, live reservations, and the rows each transition writes
/// in its own transaction (DESIGN §5 rule 7).
extension Store {
    /// Spend plus fees since `start`, for one rule or all.
    ///
    /// Whole quarter-hours come from the running totals (`spend_by_quarter`, `rule_spend_by_quarter`, migration
    /// v9), so the cost follows the window's length, not how many payments it holds: at most 96 rows for a day and
    /// ~3,000 for a month. Only the part of a quarter-hour before the first whole one is read from the ledger; it is
    /// empty when `start` is on a quarter-hour, as every local midnight is (time zones are offset from UTC by whole
    /// quarter-hours).
    static func spent(_ db: Database, since start: Date, rule: String?) throws -> Int64 {
        let startMilliseconds = DatabaseTimestamp.milliseconds(of: start)
        let firstQuarter = SpendQuarter.first(atOrAfter: startMilliseconds)
        let whole =
            if let rule {
                try db.cachedInt64(quarterSumSQL(perRule: true), [rule, firstQuarter])
            } else {
                try db.cachedInt64(quarterSumSQL(perRule: false), [firstQuarter])
            }
        let boundary = SpendQuarter.startMilliseconds(of: firstQuarter)
        guard boundary > startMilliseconds else { return whole }
        var arguments: StatementArguments = [
            start.databaseText, DatabaseTimestamp.string(fromMilliseconds: boundary),
        ]
        if let rule { arguments += [rule] }
        return checkedSum(whole, try db.cachedInt64(spentSQL(perRule: rule != nil), arguments))
    }

    /// The sum of whole quarter-hours from a first one, for ``spent(_:since:rule:)``: arguments (rule,) quarter.
    static func quarterSumSQL(perRule: Bool) -> String {
        perRule
            ? "SELECT COALESCE(SUM(amount_msat), 0) FROM rule_spend_by_quarter WHERE rule = ? AND quarter >= ?"
            : "SELECT COALESCE(SUM(amount_msat), 0) FROM spend_by_quarter WHERE quarter >= ?"
    }

    /// The ledger query behind the part of ``spent(_:since:rule:)`` before the first whole quarter-hour. Its
    /// `kind IN ('spend', 'fee')` is written exactly as the partial indexes `ledger_spend_by_time` and
    /// `ledger_spend_by_rule` say it (migration v8), so SQLite reads a range of them.
    static func spentSQL(perRule: Bool) -> String {
        "SELECT COALESCE(SUM(amount_msat), 0) FROM ledger WHERE kind IN ('spend', 'fee') AND created_at >= ?"
            + " AND created_at < ?" + (perRule ? " AND rule = ?" : "")
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
    /// Spend and fee rows are added to their quarter-hour's running totals by the `ledger_spend_totals` trigger
    /// (migration v9), in the same statement, whoever writes the row.
    static func append(
        _ db: Database, jobID: Int64, paymentID: Int64?, rule: String, kind: LedgerKind, amountMsat: Int64, at now: Date
    ) throws {
        try db.executeCached(
            "INSERT INTO ledger (job_id, payment_id, rule, kind, amount_msat, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [jobID, paymentID, rule, kind, amountMsat, now.databaseText])
    }
}

/// Quarter-hours since 1970 (UTC), the unit of the spend totals: quarter `q` holds the instants from `q × 900 s`
/// up to, not including, `(q + 1) × 900 s`. The v9 trigger computes the same quarter from a row's `created_at`.
enum SpendQuarter {
    /// Milliseconds in a quarter-hour.
    static let milliseconds: Int64 = 900_000

    /// The quarter that holds the instant `milliseconds` after 1970 (rounding down, also before 1970).
    static func containing(_ instant: Int64) -> Int64 {
        let quarter = instant / milliseconds
        return instant % milliseconds < 0 ? quarter - 1 : quarter
    }

    /// The first quarter that starts at or after the instant.
    static func first(atOrAfter instant: Int64) -> Int64 {
        let quarter = containing(instant)
        return startMilliseconds(of: quarter) == instant ? quarter : quarter + 1
    }

    /// Milliseconds after 1970 at which `quarter` starts.
    static func startMilliseconds(of quarter: Int64) -> Int64 { quarter * milliseconds }
}
