import DropboltCore
import Foundation
import GRDB

/// One Lightning payment attempt for a job, keyed by its payment hash so that a hash is never paid twice.
///
/// Table `payments`; ``paymentHash`` is unique.
public struct PaymentRecord: Sendable, Codable, Equatable, FetchableRecord, StoredDates, MutablePersistableRecord {
    /// The table name.
    public static let databaseTableName = "payments"

    /// What is known about the payment's outcome.
    public enum Status: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        /// Committed to, outcome not known yet: look it up by hash, never pay again.
        case pending
        /// The wallet reports it paid, with a preimage.
        case succeeded
        /// The wallet reports it definitely failed; no money moved.
        case failed
    }

    /// Row id; `nil` until inserted.
    public var id: Int64?
    /// The job paying.
    public var jobID: Int64
    /// Payment hash, lowercase hex.
    public var paymentHash: String
    /// The BOLT11 invoice.
    public var invoice: String
    /// The invoice amount in millisatoshis.
    public var amountMsat: Int64
    /// The routing fee, once known, in millisatoshis.
    public var feeMsat: Int64?
    /// What is known about the outcome.
    public var status: Status
    /// The preimage, lowercase hex, once paid.
    public var preimage: String?
    /// When the payment was committed to (before the wallet was called).
    public var createdAt: Date
    /// When the outcome became known.
    public var settledAt: Date?
    /// The boot during which `paying` was committed (``BootInstant/bootID``), when known.
    public var bootID: String?
    /// `CLOCK_BOOTTIME` at that commit, in nanoseconds, when known.
    public var bootNanoseconds: Int64?
    /// ``Wallet/identity`` of the wallet the payment was committed to, when known.
    public var wallet: String?

    /// Creates a record; `id` stays `nil` until ``didInsert(_:)``.
    public init(
        id: Int64? = nil, jobID: Int64, paymentHash: String, invoice: String, amountMsat: Int64,
        feeMsat: Int64? = nil, status: Status = .pending, preimage: String? = nil, createdAt: Date,
        settledAt: Date? = nil, bootID: String? = nil, bootNanoseconds: Int64? = nil,
        wallet: String? = nil
    ) {
        self.id = id
        self.jobID = jobID
        self.paymentHash = paymentHash
        self.invoice = invoice
        self.amountMsat = amountMsat
        self.feeMsat = feeMsat
        self.status = status
        self.preimage = preimage
        self.createdAt = createdAt
        self.settledAt = settledAt
        self.bootID = bootID
        self.bootNanoseconds = bootNanoseconds
        self.wallet = wallet
    }

    enum CodingKeys: String, CodingKey {
        case id
        case jobID = "job_id"
        case paymentHash = "payment_hash"
        case invoice
        case amountMsat = "amount_msat"
        case feeMsat = "fee_msat"
        case status, preimage
        case createdAt = "created_at"
        case settledAt = "settled_at"
        case bootID = "boot_id"
        case bootNanoseconds = "boot_ns"
        case wallet
    }

    /// The table's columns, for the query interface.
    public enum Columns {
        /// `id`
        public static let id = Column(CodingKeys.id)
        /// `job_id`
        public static let jobID = Column(CodingKeys.jobID)
        /// `payment_hash`
        public static let paymentHash = Column(CodingKeys.paymentHash)
        /// `invoice`
        public static let invoice = Column(CodingKeys.invoice)
        /// `amount_msat`
        public static let amountMsat = Column(CodingKeys.amountMsat)
        /// `fee_msat`
        public static let feeMsat = Column(CodingKeys.feeMsat)
        /// `status`
        public static let status = Column(CodingKeys.status)
        /// `preimage`
        public static let preimage = Column(CodingKeys.preimage)
        /// `created_at`
        public static let createdAt = Column(CodingKeys.createdAt)
        /// `settled_at`
        public static let settledAt = Column(CodingKeys.settledAt)
    }

    /// Keeps the row id SQLite assigned.
    /// When `paying` was committed on the boot clock, if it was recorded.
    public var bootInstant: BootInstant? {
        guard let bootID, let bootNanoseconds else { return nil }
        return BootInstant(bootID: bootID, nanoseconds: bootNanoseconds)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
