/// A folder the watcher must watch, and whether its subfolders count.
public struct WatchFolder: Sendable, Hashable {
    /// Absolute path without a trailing slash.
    public var path: String
    /// Whether files in subfolders are inputs too.
    public var recursive: Bool

    /// Creates a watch folder entry.
    public init(path: String, recursive: Bool) {
        self.path = path
        self.recursive = recursive
    }
}
