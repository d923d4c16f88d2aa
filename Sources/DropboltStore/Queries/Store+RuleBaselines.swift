import Foundation
import GRDB

extension Store {
    /// Every rule's baseline: rule name → the time from which it counts files as new.
    /// - Throws: ``StoreError/queryFailed``.
    public func ruleBaselines() async throws -> [String: Date] {
        try await read("read rule baselines") { db in
            let baselines = try RuleBaseline.fetchAll(db)
            return Dictionary(uniqueKeysWithValues: baselines.map { ($0.rule, $0.since) })
        }
    }

    /// Stores `since` as `rule`'s baseline unless it has one, and returns the stored baseline.
    ///
    /// The first value wins so that editing or reloading a rule never makes old files look new.
    /// - Returns: The baseline now stored for `rule` (the earlier one if there was one).
    /// - Throws: ``StoreError/queryFailed``.
    public func setRuleBaselineIfAbsent(rule: String, since: Date) async throws -> Date {
        try await write("set the baseline of rule \(rule)") { db in
            try db.execute(
                sql: "INSERT INTO rule_baselines (rule, since) VALUES (?, ?) ON CONFLICT (rule) DO NOTHING",
                arguments: [rule, DatabaseTimestamp.string(from: since)])
            // Inside this transaction the row exists now, either ours or the earlier one.
            let stored = try String.fetchOne(db, sql: "SELECT since FROM rule_baselines WHERE rule = ?", arguments: [rule])
            return stored.flatMap(DatabaseTimestamp.date(from:)) ?? since
        }
    }
}
