/// A folder as a complete reconcile saw it; an unchanged folder need not be listed again at start-up.
///
/// A folder's mtime changes whenever an entry is created, renamed in or out, or deleted, so an unchanged mtime
/// (and inode) means the same names. It does not change when a file is rewritten in place; the periodic and
/// overflow rescans, which never use stamps, catch those.
public struct FolderStamp: Sendable, Hashable {
    /// Absolute path.
    public var path: String
    /// The folder it is in; nil for a watched root.
    public var parent: String?
    /// The folder's mtime, nanoseconds since the epoch.
    public var mtimeNanoseconds: Int64
    /// The folder's inode.
    public var inode: UInt64
    /// True when it may be skipped next time: it had been quiet for a while when listed (a change in the same
    /// clock tick as the listing would not move the mtime) and none of its files were still settling.
    public var skippable: Bool

    /// Creates a stamp.
    public init(path: String, parent: String?, mtimeNanoseconds: Int64, inode: UInt64, skippable: Bool) {
        self.path = path
        self.parent = parent
        self.mtimeNanoseconds = mtimeNanoseconds
        self.inode = inode
        self.skippable = skippable
    }
}
