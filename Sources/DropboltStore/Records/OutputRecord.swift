import Foundation
import GRDB

/// A file dropbolt wrote beside an original; such files are never treated as inputs and may be replaced by a
/// later output for the same original.
///
/// Table `outputs`; ``outputPath`` is unique.
public struct OutputRecord: Sendable, Codable, Equatable, FetchableRecord, StoredDates, MutablePersistableRecord {
    /// The table name.
    public static let databaseTableName = "outputs"

    /// Row id; `nil` until inserted.
    public var id: Int64?
    /// The job that produced the file.
    public var jobID: Int64
    /// Absolute path of the original image.
    public var originalPath: String
    /// Absolute path of the written file.
    public var outputPath: String
    /// SHA-256 of the written content, lowercase hex.
    public var sha256: String
    /// Size in bytes.
    public var size: Int64
    /// When the file was written.
    public var createdAt: Date

    /// Creates a record; `id` stays `nil` until ``didInsert(_:)``.
    public init(
        id: Int64? = nil, jobID: Int64, originalPath: String, outputPath: String, sha256: String, size: Int64,
        createdAt: Date
    ) {
        self.id = id
        self.jobID = jobID
        self.originalPath = originalPath
        self.outputPath = outputPath
        self.sha256 = sha256
        self.size = size
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id
        case jobID = "job_id"
        case originalPath = "original_path"
        case outputPath = "output_path"
        case sha256, size
        case createdAt = "created_at"
    }

    /// The table's columns, for the query interface.
    public enum Columns {
        /// `id`
        public static let id = Column(CodingKeys.id)
        /// `job_id`
        public static let jobID = Column(CodingKeys.jobID)
        /// `original_path`
        public static let originalPath = Column(CodingKeys.originalPath)
        /// `output_path`
        public static let outputPath = Column(CodingKeys.outputPath)
        /// `sha256`
        public static let sha256 = Column(CodingKeys.sha256)
        /// `size`
        public static let size = Column(CodingKeys.size)
        /// `created_at`
        public static let createdAt = Column(CodingKeys.createdAt)
    }

    /// Keeps the row id SQLite assigned.
    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
