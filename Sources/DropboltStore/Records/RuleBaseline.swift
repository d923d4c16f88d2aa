import Foundation
import GRDB

/// The time from which a rule counts files as new; files that predate it are left alone.
///
/// Table `rule_baselines`; one row per rule name.
public struct RuleBaseline: Sendable, Codable, Equatable, FetchableRecord, StoredDates, PersistableRecord {
    /// The table name.
    public static let databaseTableName = "rule_baselines"

    /// Name of the rule.
    public var rule: String
    /// Files older than this are not new for the rule.
    public var since: Date

    /// Creates a baseline.
    public init(rule: String, since: Date) {
        self.rule = rule
        self.since = since
    }

    enum CodingKeys: String, CodingKey {
        case rule, since
    }

    /// The table's columns, for the query interface.
    public enum Columns {
        /// `rule`
        public static let rule = Column(CodingKeys.rule)
        /// `since`
        public static let since = Column(CodingKeys.since)
    }
}
