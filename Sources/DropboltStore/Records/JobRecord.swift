import DropboltCore
import Foundation
import GRDB

/// One piece of work: one rule applied to one file's content, from intake to the written output.
///
/// Table `jobs`. A job's identity is (``rule``, ``path``, ``sha256``), enforced by a UNIQUE constraint. The payment
/// columns are filled as the job moves through ``JobState``; see DESIGN.md §5 for which state needs which.
public struct JobRecord: Sendable, Codable, Equatable, FetchableRecord, StoredDates, MutablePersistableRecord {
    /// The table name.
    public static let databaseTableName = "jobs"

    /// Row id; `nil` until inserted.
    public var id: Int64?
    /// Name of the rule (its file's stem).
    public var rule: String
    /// Absolute path of the original image.
    public var path: String
    /// SHA-256 of the original's content, lowercase hex.
    public var sha256: String
    /// Where the job is.
    public var state: JobState
    /// Why the job is `held`, `failed` or in `attention`.
    public var reason: String?
    /// A `held` job is not retried before this time.
    public var notBefore: Date?
    /// How many times a worker has started on this job.
    public var attempts: Int
    /// When the job was queued.
    public var createdAt: Date
    /// When the job last changed.
    public var updatedAt: Date
    /// The spooled request body, sent unchanged on the paid retry.
    public var requestPath: String?
    /// SHA-256 of the spooled request body, lowercase hex.
    public var requestSHA256: String?
    /// Payment hash of the invoice being paid, lowercase hex.
    public var paymentHash: String?
    /// The BOLT11 invoice being paid.
    public var invoice: String?
    /// The invoice amount in millisatoshis.
    public var amountMsat: Int64?
    /// The routing fee paid, in millisatoshis.
    public var feeMsat: Int64?
    /// The L402 token (macaroon) that goes with the invoice.
    public var credential: String?
    /// The spooled result.
    public var resultPath: String?
    /// The output file written beside the original.
    public var outputPath: String?
    /// A refund link from the provider's error body, kept for the user.
    public var refundURL: String?
    /// The typed cause of ``reason`` (decisions match on this, never on the text).
    public var reasonCode: JobReason.Code?
    /// Paid requests sent so far (counted before each is sent).
    public var paidRequests: Int
    /// The `dropbolt scan` run that queued or adopted this job, if any.
    public var scanID: Int64?

    /// Creates a job; the payment columns default to `nil`.
    public init(
        id: Int64? = nil, rule: String, path: String, sha256: String, state: JobState = .queued,
        reason: String? = nil, notBefore: Date? = nil, attempts: Int = 0, createdAt: Date, updatedAt: Date,
        requestPath: String? = nil, requestSHA256: String? = nil, paymentHash: String? = nil, invoice: String? = nil,
        amountMsat: Int64? = nil, feeMsat: Int64? = nil, credential: String? = nil, resultPath: String? = nil,
        outputPath: String? = nil, refundURL: String? = nil, reasonCode: JobReason.Code? = nil, paidRequests: Int = 0,
        scanID: Int64? = nil
    ) {
        self.id = id
        self.rule = rule
        self.path = path
        self.sha256 = sha256
        self.state = state
        self.reason = reason
        self.notBefore = notBefore
        self.attempts = attempts
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.requestPath = requestPath
        self.requestSHA256 = requestSHA256
        self.paymentHash = paymentHash
        self.invoice = invoice
        self.amountMsat = amountMsat
        self.feeMsat = feeMsat
        self.credential = credential
        self.resultPath = resultPath
        self.outputPath = outputPath
        self.refundURL = refundURL
        self.reasonCode = reasonCode
        self.paidRequests = paidRequests
        self.scanID = scanID
    }

    enum CodingKeys: String, CodingKey {
        case id, rule, path, sha256, state, reason
        case notBefore = "not_before"
        case attempts
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case requestPath = "request_path"
        case requestSHA256 = "request_sha256"
        case paymentHash = "payment_hash"
        case invoice
        case amountMsat = "amount_msat"
        case feeMsat = "fee_msat"
        case credential
        case resultPath = "result_path"
        case outputPath = "output_path"
        case refundURL = "refund_url"
        case reasonCode = "reason_code"
        case paidRequests = "paid_requests"
        case scanID = "scan_id"
    }

    /// The table's columns, for the query interface.
    public enum Columns {
        /// `id`
        public static let id = Column(CodingKeys.id)
        /// `rule`
        public static let rule = Column(CodingKeys.rule)
        /// `path`
        public static let path = Column(CodingKeys.path)
        /// `sha256`
        public static let sha256 = Column(CodingKeys.sha256)
        /// `state`
        public static let state = Column(CodingKeys.state)
        /// `reason`
        public static let reason = Column(CodingKeys.reason)
        /// `not_before`
        public static let notBefore = Column(CodingKeys.notBefore)
        /// `attempts`
        public static let attempts = Column(CodingKeys.attempts)
        /// `created_at`
        public static let createdAt = Column(CodingKeys.createdAt)
        /// `updated_at`
        public static let updatedAt = Column(CodingKeys.updatedAt)
        /// `request_path`
        public static let requestPath = Column(CodingKeys.requestPath)
        /// `request_sha256`
        public static let requestSHA256 = Column(CodingKeys.requestSHA256)
        /// `payment_hash`
        public static let paymentHash = Column(CodingKeys.paymentHash)
        /// `invoice`
        public static let invoice = Column(CodingKeys.invoice)
        /// `amount_msat`
        public static let amountMsat = Column(CodingKeys.amountMsat)
        /// `fee_msat`
        public static let feeMsat = Column(CodingKeys.feeMsat)
        /// `credential`
        public static let credential = Column(CodingKeys.credential)
        /// `result_path`
        public static let resultPath = Column(CodingKeys.resultPath)
        /// `output_path`
        public static let outputPath = Column(CodingKeys.outputPath)
        /// `refund_url`
        public static let refundURL = Column(CodingKeys.refundURL)
        /// `reason_code`
        public static let reasonCode = Column(CodingKeys.reasonCode)
        /// `paid_requests`
        public static let paidRequests = Column(CodingKeys.paidRequests)
        /// `scan_id`
        public static let scanID = Column(CodingKeys.scanID)
    }

    /// Keeps the row id SQLite assigned.
    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension JobReason.Code: DatabaseValueConvertible {}

extension JobRecord {
    /// Reads a row column by column (`Decodable` through GRDB's row decoder cost about 3% of a paid job's CPU):
    /// a NULL or wrong value in a required column throws, as the decoder did, and dates are read without ICU.
    public init(row: Row) throws {
        func date(_ column: CodingKeys) throws -> Date? {
            guard let text: String = try row.decode(forColumn: column.rawValue) else { return nil }
            guard let date = DatabaseTimestamp.date(from: text) else {
                throw DatabaseError(
                    resultCode: .SQLITE_MISMATCH, message: "jobs.\(column.rawValue) is not a date: \(text)")
            }
            return date
        }
        func required(_ value: Date?, _ column: CodingKeys) throws -> Date {
            guard let value else {
                throw DatabaseError(resultCode: .SQLITE_MISMATCH, message: "jobs.\(column.rawValue) is NULL")
            }
            return value
        }
        id = try row.decode(forColumn: CodingKeys.id.rawValue)
        rule = try row.decode(forColumn: CodingKeys.rule.rawValue)
        path = try row.decode(forColumn: CodingKeys.path.rawValue)
        sha256 = try row.decode(forColumn: CodingKeys.sha256.rawValue)
        state = try row.decode(forColumn: CodingKeys.state.rawValue)
        reason = try row.decode(forColumn: CodingKeys.reason.rawValue)
        notBefore = try date(.notBefore)
        attempts = try row.decode(forColumn: CodingKeys.attempts.rawValue)
        createdAt = try required(try date(.createdAt), .createdAt)
        updatedAt = try required(try date(.updatedAt), .updatedAt)
        requestPath = try row.decode(forColumn: CodingKeys.requestPath.rawValue)
        requestSHA256 = try row.decode(forColumn: CodingKeys.requestSHA256.rawValue)
        paymentHash = try row.decode(forColumn: CodingKeys.paymentHash.rawValue)
        invoice = try row.decode(forColumn: CodingKeys.invoice.rawValue)
        amountMsat = try row.decode(forColumn: CodingKeys.amountMsat.rawValue)
        feeMsat = try row.decode(forColumn: CodingKeys.feeMsat.rawValue)
        credential = try row.decode(forColumn: CodingKeys.credential.rawValue)
        resultPath = try row.decode(forColumn: CodingKeys.resultPath.rawValue)
        outputPath = try row.decode(forColumn: CodingKeys.outputPath.rawValue)
        refundURL = try row.decode(forColumn: CodingKeys.refundURL.rawValue)
        reasonCode = try row.decode(forColumn: CodingKeys.reasonCode.rawValue)
        paidRequests = try row.decode(forColumn: CodingKeys.paidRequests.rawValue)
        scanID = try row.decode(forColumn: CodingKeys.scanID.rawValue)
    }
}
