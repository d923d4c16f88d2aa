/// A file that has settled: no events for the quiet period and the same size and mtime on two looks.
///
/// The watcher hands these to the intake, which hashes the content and turns each one into jobs.
public struct FileReady: Sendable, Hashable {
    /// How the watcher learned about the file.
    public enum Cause: String, Sendable, Hashable {
        /// An inotify event (close after write, moved in, hard or symbolic link created).
        case event
        /// A reconcile scan (start-up, overflow recovery, periodic rescan, a new folder).
        case scan
        /// A polling pass (network mounts, inotify off, watch limit reached).
        case poll
    }

    /// Absolute path of the file (the link's own path when it is a symbolic link).
    public var path: String
    /// Size in bytes.
    public var size: Int64
    /// Modification time in nanoseconds since the epoch.
    public var mtimeNanoseconds: Int64
    /// Status change time in nanoseconds since the epoch (a rename or copy into the folder sets it).
    public var ctimeNanoseconds: Int64
    /// Inode number, so a replaced file is seen as changed even with equal size and mtime.
    public var inode: UInt64
    /// How the watcher learned about the file.
    public var cause: Cause

    /// Creates a ready-file value.
    public init(
        path: String, size: Int64, mtimeNanoseconds: Int64, ctimeNanoseconds: Int64, inode: UInt64, cause: Cause
    ) {
        self.path = path
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
        self.ctimeNanoseconds = ctimeNanoseconds
        self.inode = inode
        self.cause = cause
    }
}
