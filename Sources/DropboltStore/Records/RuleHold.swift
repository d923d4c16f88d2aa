import DropboltCore
import Foundation
import GRDB

/// A rule that pays nothing until a person releases it (a payment's fee went above the cap).
///
/// Table `rule_holds`; one row per held rule.
public struct RuleHold: Sendable, Codable, Equatable, FetchableRecord, StoredDates, PersistableRecord {
    /// The table name.
    public static let databaseTableName = "rule_holds"

    /// Name of the rule.
    public var rule: String
    /// Why, as a stored ``JobReason/Code`` raw value.
    public var reasonCode: String
    /// Why, in words.
    public var reason: String
    /// The payment that caused the hold.
    public var paymentHash: String?
    /// When the hold began.
    public var createdAt: Date

    /// Creates a hold.
    public init(rule: String, reason: JobReason, paymentHash: String?, createdAt: Date) {
        self.rule = rule
        self.reasonCode = reason.code.rawValue
        self.reason = reason.text
        self.paymentHash = paymentHash
        self.createdAt = createdAt
    }

    /// The typed reason its held jobs carry. The row itself is what holds the rule: a code this version does not know
    /// (written by a newer one) still holds it, under the one hold code there is.
    public var jobReason: JobReason {
        JobReason(JobReason.Code(rawValue: reasonCode) ?? .ruleHeldFeeAboveCap, reason)
    }

    enum CodingKeys: String, CodingKey {
        case rule, reason
        case reasonCode = "reason_code"
        case paymentHash = "payment_hash"
        case createdAt = "created_at"
    }
}
