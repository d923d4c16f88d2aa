/// What the store remembers about a path, so a rescan can tell an unchanged file without hashing it again.
public struct KnownFile: Sendable, Equatable {
    /// Size in bytes.
    public var size: Int64
    /// Modification time in nanoseconds since 1970.
    public var mtimeNanoseconds: Int64
    /// Inode number.
    public var inode: UInt64
    /// SHA-256 of the content, lowercase hex; `nil` if never hashed.
    public var sha256: String?

    /// Creates a value.
    public init(size: Int64, mtimeNanoseconds: Int64, inode: UInt64, sha256: String?) {
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
        self.inode = inode
        self.sha256 = sha256
    }
}
