import DropboltCore
import Foundation
import GRDB

extension Store {
    /// How often a job of a held rule looks again whether the hold was released (`dropbolt rules release` also
    /// wakes them at once).
    public static let ruleHoldRecheck: TimeInterval = 600

    /// Holds `rule`: nothing more is paid for it until ``releaseRuleHold(rule:at:)``. The first hold is kept
    /// (it names the payment that caused it).
    /// - Throws: ``StoreError/queryFailed``.
    public func holdRule(_ rule: String, reason: JobReason, paymentHash: String?, at now: Date) async throws {
        try await durableWrite("hold rule \(rule)") { db in
            try Self.hold(db, rule: rule, reason: reason, paymentHash: paymentHash, at: now)
        }
    }

    /// Writes the hold on `rule` unless one is there already (the first names the payment that caused it).
    static func hold(_ db: Database, rule: String, reason: JobReason, paymentHash: String?, at now: Date) throws {
        guard try RuleHold.fetchOne(db, rule: rule) == nil else { return }
        try RuleHold(rule: rule, reason: reason, paymentHash: paymentHash, createdAt: now).insert(db)
    }

    /// The held rules, oldest first.
    /// - Throws: ``StoreError/queryFailed``.
    public func ruleHolds() async throws -> [RuleHold] {
        try await read("read rule holds") { db in
            try RuleHold.order(Column("created_at"), Column("rule")).fetchAll(db)
        }
    }

    /// The hold on `rule`, if any.
    /// - Throws: ``StoreError/queryFailed``.
    public func ruleHold(_ rule: String) async throws -> RuleHold? {
        try await read("read the hold of rule \(rule)") { db in try RuleHold.fetchOne(db, rule: rule) }
    }

    /// Releases `rule` and wakes its jobs held by it. Returns whether there was a hold and how many jobs woke.
    /// - Throws: ``StoreError/queryFailed``.
    public func releaseRuleHold(rule: String, at now: Date) async throws -> (released: Bool, jobsWoken: Int) {
        try await durableWrite("release rule \(rule)") { db in
            let released = try RuleHold.deleteOne(db, key: rule)
            try db.execute(
                sql: "UPDATE jobs SET not_before = NULL, updated_at = ? WHERE rule = ? AND state = 'held' AND reason_code = ?",
                arguments: [now.databaseText, rule, JobReason.Code.ruleHeldFeeAboveCap.rawValue])
            return (released, db.changesCount)
        }
    }
}
