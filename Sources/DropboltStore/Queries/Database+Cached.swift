import GRDB

/// The store's per-job statements go through each connection's statement cache: prepared once per connection
/// instead of at every call. Preparing costs SQLite's parser and GRDB's authorizer, which runs once per column read
/// (23 for `jobs`); under `perf`, statement preparation was about a tenth of a paid job's CPU.
extension Database {
    /// Executes `sql` (one statement) from the statement cache.
    func executeCached(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// The single integer `sql` selects (NULL and no row read as 0), from the statement cache.
    func cachedInt64(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws -> Int64 {
        try Int64.fetchOne(cachedStatement(sql: sql), arguments: arguments) ?? 0
    }
}

extension JobRecord {
    /// The job with row id `id`, from the statement cache.
    static func fetchOne(_ db: Database, id: Int64) throws -> JobRecord? {
        try fetchOne(db.cachedStatement(sql: "SELECT * FROM jobs WHERE id = ?"), arguments: [id])
    }
}

extension PaymentRecord {
    /// The payment with `paymentHash`, from the statement cache.
    static func fetchOne(_ db: Database, paymentHash: String) throws -> PaymentRecord? {
        try fetchOne(db.cachedStatement(sql: "SELECT * FROM payments WHERE payment_hash = ?"), arguments: [paymentHash])
    }
}

extension RuleHold {
    /// The hold on `rule`, if any, from the statement cache.
    static func fetchOne(_ db: Database, rule: String) throws -> RuleHold? {
        try fetchOne(db.cachedStatement(sql: "SELECT * FROM rule_holds WHERE rule = ?"), arguments: [rule])
    }
}
