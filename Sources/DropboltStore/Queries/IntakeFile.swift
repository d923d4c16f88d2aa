/// A settled, hashed file handed to ``Store/recordIntake(_:at:)``, with the rules that should get a job for it.
public struct IntakeFile: Sendable, Equatable {
    /// Absolute path.
    public var path: String
    /// Size in bytes.
    public var size: Int64
    /// Modification time in nanoseconds since 1970.
    public var mtimeNanoseconds: Int64
    /// Inode number.
    public var inode: UInt64
    /// SHA-256 of the content, hex (stored lowercase).
    public var sha256: String
    /// Whether the file predates the rules' baselines (recorded, but not new).
    public var predatesRules: Bool
    /// Names of the rules that should get a `queued` job for this content; may be empty.
    public var rules: [String]

    /// Creates a value.
    public init(
        path: String, size: Int64, mtimeNanoseconds: Int64, inode: UInt64, sha256: String, predatesRules: Bool = false,
        rules: [String]
    ) {
        self.path = path
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
        self.inode = inode
        self.sha256 = sha256
        self.predatesRules = predatesRules
        self.rules = rules
    }
}
