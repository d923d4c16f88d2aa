import Foundation
import GRDB

/// A file dropbolt has seen in a watched folder, with the stat that lets a rescan skip re-hashing it.
///
/// Table `files`; one row per path.
public struct FileRecord: Sendable, Codable, Equatable, FetchableRecord, StoredDates, MutablePersistableRecord {
    /// The table name.
    public static let databaseTableName = "files"

    /// Row id; `nil` until inserted.
    public var id: Int64?
    /// Absolute path.
    public var path: String
    /// Size in bytes.
    public var size: Int64
    /// Modification time in nanoseconds since 1970.
    public var mtimeNanoseconds: Int64
    /// Inode number.
    public var inode: UInt64
    /// SHA-256 of the content, lowercase hex; `nil` until hashed.
    public var sha256: String?
    /// When dropbolt first saw the path.
    public var firstSeen: Date
    /// When dropbolt last saw the path.
    public var lastSeen: Date
    /// Whether the file was already there before the rules' baseline, so it is not "new".
    public var predatesRules: Bool

    /// Creates a record; `id` stays `nil` until ``didInsert(_:)``.
    public init(
        id: Int64? = nil, path: String, size: Int64, mtimeNanoseconds: Int64, inode: UInt64, sha256: String?,
        firstSeen: Date, lastSeen: Date, predatesRules: Bool = false
    ) {
        self.id = id
        self.path = path
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
        self.inode = inode
        self.sha256 = sha256
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.predatesRules = predatesRules
    }

    enum CodingKeys: String, CodingKey {
        case id, path, size
        case mtimeNanoseconds = "mtime_ns"
        case inode, sha256
        case firstSeen = "first_seen"
        case lastSeen = "last_seen"
        case predatesRules = "predates_rules"
    }

    /// The table's columns, for the query interface.
    public enum Columns {
        /// `id`
        public static let id = Column(CodingKeys.id)
        /// `path`
        public static let path = Column(CodingKeys.path)
        /// `size`
        public static let size = Column(CodingKeys.size)
        /// `mtime_ns`
        public static let mtimeNanoseconds = Column(CodingKeys.mtimeNanoseconds)
        /// `inode` (bit pattern as a signed integer)
        public static let inode = Column(CodingKeys.inode)
        /// `sha256`
        public static let sha256 = Column(CodingKeys.sha256)
        /// `first_seen`
        public static let firstSeen = Column(CodingKeys.firstSeen)
        /// `last_seen`
        public static let lastSeen = Column(CodingKeys.lastSeen)
        /// `predates_rules`
        public static let predatesRules = Column(CodingKeys.predatesRules)
    }

    /// Decodes a row; the inode is stored as its bit pattern because SQLite integers are signed.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(Int64.self, forKey: .id)
        path = try container.decode(String.self, forKey: .path)
        size = try container.decode(Int64.self, forKey: .size)
        mtimeNanoseconds = try container.decode(Int64.self, forKey: .mtimeNanoseconds)
        inode = UInt64(bitPattern: try container.decode(Int64.self, forKey: .inode))
        sha256 = try container.decodeIfPresent(String.self, forKey: .sha256)
        firstSeen = try container.decode(Date.self, forKey: .firstSeen)
        lastSeen = try container.decode(Date.self, forKey: .lastSeen)
        predatesRules = try container.decode(Bool.self, forKey: .predatesRules)
    }

    /// Encodes a row; see ``init(from:)`` for the inode.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encode(path, forKey: .path)
        try container.encode(size, forKey: .size)
        try container.encode(mtimeNanoseconds, forKey: .mtimeNanoseconds)
        try container.encode(Int64(bitPattern: inode), forKey: .inode)
        try container.encode(sha256, forKey: .sha256)
        try container.encode(firstSeen, forKey: .firstSeen)
        try container.encode(lastSeen, forKey: .lastSeen)
        try container.encode(predatesRules, forKey: .predatesRules)
    }

    /// Keeps the row id SQLite assigned.
    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
