import Foundation
import GRDB

/// How `dropbolt spend` groups the ledger.
public enum SpendGrouping: String, Sendable, CaseIterable {
    /// One row per local calendar day.
    case day
    /// One row per local calendar month.
    case month
    /// One row per rule.
    case rule
}

/// One group of spending: what was paid to payees and in fees.
public struct SpendRow: Sendable, Codable, Equatable {
    /// The day (`yyyy-MM-dd`), month (`yyyy-MM`) or rule name.
    public var key: String
    /// Paid to payees, in msat.
    public var amountMsat: Int64
    /// Routing fees, in msat.
    public var feeMsat: Int64
    /// Number of payments.
    public var payments: Int
}

/// One job as `dropbolt history` shows it.
public struct HistoryRow: Sendable, Codable, Equatable {
    /// The job id.
    public var id: Int64
    /// The rule.
    public var rule: String
    /// The original.
    public var path: String
    /// Its state.
    public var state: JobState
    /// Why it waits or failed.
    public var reason: String?
    /// Paid to the payee, msat (nil when nothing was paid).
    public var amountMsat: Int64?
    /// Fee, msat.
    public var feeMsat: Int64?
    /// The output written.
    public var outputPath: String?
    /// The payment hash (public: it identifies the invoice, proves nothing).
    public var paymentHash: String?
    /// Queued at.
    public var createdAt: Date
    /// Last change.
    public var updatedAt: Date
}

extension Store {
    /// Spend and fees grouped by day, month or rule, newest (or by name) first. Only settled payments count;
    /// reservations are not spend.
    public func spend(by grouping: SpendGrouping, since start: Date? = nil) async throws -> [SpendRow] {
        try await read("sum spend") { db in
            let key: String
            let order: String
            switch grouping {
            case .day:
                key = "strftime('%Y-%m-%d', created_at, 'localtime')"
                order = "key DESC"
            case .month:
                key = "strftime('%Y-%m', created_at, 'localtime')"
                order = "key DESC"
            case .rule:
                key = "rule"
                order = "key"
            }
            var sql = """
                SELECT \(key) AS key,
                COALESCE(SUM(CASE kind WHEN 'spend' THEN amount_msat ELSE 0 END), 0) AS amount,
                COALESCE(SUM(CASE kind WHEN 'fee' THEN amount_msat ELSE 0 END), 0) AS fee,
                COUNT(DISTINCT CASE kind WHEN 'spend' THEN payment_id END) AS payments
                FROM ledger WHERE kind IN ('spend', 'fee')
                """
            var arguments: StatementArguments = []
            if let start {
                sql += " AND created_at >= ?"
                arguments += [start.databaseText]
            }
            sql += " GROUP BY key ORDER BY \(order)"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                SpendRow(key: $0["key"], amountMsat: $0["amount"], feeMsat: $0["fee"], payments: $0["payments"])
            }
        }
    }

    /// Total spend plus fees since `start` (all rules, or one), in msat.
    public func spentTotal(since start: Date, rule: String? = nil) async throws -> Int64 {
        try await read("sum spend") { db in try Self.spent(db, since: start, rule: rule) }
    }

    /// Everything reserved for payments in flight (all rules, or one), in msat.
    public func reservedTotal(rule: String? = nil) async throws -> Int64 {
        try await read("sum reservations") { db in try Self.liveReservations(db, rule: rule) }
    }

    /// Jobs with their payments, newest first.
    public func history(rule: String?, since start: Date?, states: Set<JobState>?, limit: Int) async throws
        -> [HistoryRow]
    {
        try await read("list history") { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let rule {
                conditions.append("jobs.rule = ?")
                arguments += [rule]
            }
            if let start {
                conditions.append("jobs.created_at >= ?")
                arguments += [start.databaseText]
            }
            if let states, !states.isEmpty {
                conditions.append("jobs.state IN (\(states.map { _ in "?" }.joined(separator: ",")))")
                for state in states.sorted(by: { $0.rawValue < $1.rawValue }) { arguments += [state] }
            }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let sql = """
                SELECT jobs.id, jobs.rule, jobs.path, jobs.state, jobs.reason, jobs.output_path, jobs.created_at,
                jobs.updated_at, p.amount_msat AS paid_amount, p.fee_msat AS paid_fee, p.payment_hash AS paid_hash
                FROM jobs LEFT JOIN payments p ON p.job_id = jobs.id AND p.status = 'succeeded'
                \(whereClause) ORDER BY jobs.id DESC LIMIT ?
                """
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                HistoryRow(
                    id: row["id"], rule: row["rule"], path: row["path"], state: row["state"], reason: row["reason"],
                    amountMsat: row["paid_amount"], feeMsat: row["paid_fee"], outputPath: row["output_path"],
                    paymentHash: row["paid_hash"], createdAt: row.storedDate("created_at") ?? .distantPast,
                    updatedAt: row.storedDate("updated_at") ?? .distantPast)
            }
        }
    }

    /// Every succeeded payment (for reconciling against the wallet's own record).
    public func succeededPayments() async throws -> [PaymentRecord] {
        try await read("list payments") { db in
            try PaymentRecord.filter(PaymentRecord.Columns.status == PaymentRecord.Status.succeeded)
                .order(PaymentRecord.Columns.id).fetchAll(db)
        }
    }
}
