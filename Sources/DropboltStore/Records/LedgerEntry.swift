import Foundation
import GRDB

/// One movement of money against a rule's budget, written in the same transaction as the job's state change.
///
/// Table `ledger`. Budget sums add `reserve`, `spend` and `fee` rows and subtract `release` rows.
public struct LedgerEntry: Sendable, Codable, Equatable, FetchableRecord, StoredDates, MutablePersistableRecord {
    /// The table name.
    public static let databaseTableName = "ledger"

    /// Row id; `nil` until inserted.
    public var id: Int64?
    /// The job the money is for.
    public var jobID: Int64
    /// The payment, when the row follows one.
    public var paymentID: Int64?
    /// The job's rule, copied so budget sums per rule need no join.
    public var rule: String
    /// What the row records.
    public var kind: LedgerKind
    /// The amount in millisatoshis, never negative.
    public var amountMsat: Int64
    /// When the row was written.
    public var createdAt: Date

    /// Creates a record; `id` stays `nil` until ``didInsert(_:)``.
    public init(
        id: Int64? = nil, jobID: Int64, paymentID: Int64? = nil, rule: String, kind: LedgerKind, amountMsat: Int64,
        createdAt: Date
    ) {
        self.id = id
        self.jobID = jobID
        self.paymentID = paymentID
        self.rule = rule
        self.kind = kind
        self.amountMsat = amountMsat
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id
        case jobID = "job_id"
        case paymentID = "payment_id"
        case rule, kind
        case amountMsat = "amount_msat"
        case createdAt = "created_at"
    }

    /// The table's columns, for the query interface.
    public enum Columns {
        /// `id`
        public static let id = Column(CodingKeys.id)
        /// `job_id`
        public static let jobID = Column(CodingKeys.jobID)
        /// `payment_id`
        public static let paymentID = Column(CodingKeys.paymentID)
        /// `rule`
        public static let rule = Column(CodingKeys.rule)
        /// `kind`
        public static let kind = Column(CodingKeys.kind)
        /// `amount_msat`
        public static let amountMsat = Column(CodingKeys.amountMsat)
        /// `created_at`
        public static let createdAt = Column(CodingKeys.createdAt)
    }

    /// Keeps the row id SQLite assigned.
    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
