import CInotifyTools
import Glibc

/// The inotify watches the watcher holds: the folder each watch descriptor stands for, and under which root.
///
/// Owned by the watcher's thread (every libinotifytools call happens there).
struct WatchTable {
    /// One watched folder.
    struct Entry {
        /// The folder's path as walked (not resolved).
        var path: String
        /// Index of the root the folder belongs to (-1 for a control folder).
        var root: Int
        /// A rules or config folder: its events reload rules instead of queueing files.
        var isControl: Bool
    }

    /// What adding a watch did.
    enum Outcome: Equatable {
        /// The folder is watched (or already was).
        case watched
        /// The configured or kernel watch limit is reached: the root must be polled instead.
        case limitReached
        /// The folder is gone, unreadable or not a folder any more; nothing to watch.
        case vanished(Errno)
        /// Another failure, worth a warning.
        case failed(Errno)
    }

    private var entries: [Int32: Entry] = [:]

    /// Number of watches held.
    var count: Int { entries.count }

    /// The folder a watch descriptor stands for.
    func entry(_ watch: Int32) -> Entry? { entries[watch] }

    /// True when `folder` is watched as a control folder.
    func watchesControl(_ folder: String) -> Bool {
        entries.values.contains { $0.isControl && $0.path == folder }
    }

    /// Forgets a watch the kernel dropped (`IN_IGNORED`).
    mutating func forget(_ watch: Int32) { entries.removeValue(forKey: watch) }

    /// Forgets every watch (the inotify instance was closed).
    mutating func removeAll() { entries.removeAll() }

    /// Watches `folder` for files under root `root`, unless `limit` watches are held already.
    mutating func add(_ folder: String, root: Int, inotifyDescriptor: Int32, limit: Int?) -> Outcome {
        if let limit, entries.count >= limit, !entries.values.contains(where: { $0.path == folder }) {
            return .limitReached
        }
        switch InotifyLibrary.watch(folder: folder, inotifyDescriptor: inotifyDescriptor) {
        case .success(let watch):
            entries[watch] = Entry(path: folder, root: root, isControl: false)
            return .watched
        case .failure(let error) where error.rawValue == ENOSPC:
            return .limitReached
        case .failure(let error) where [ENOENT, EACCES, ENOTDIR].contains(error.rawValue):
            return .vanished(error)
        case .failure(let error):
            return .failed(error)
        }
    }

    /// Watches a control folder; a failure is left to the control poll.
    mutating func addControl(_ folder: String, inotifyDescriptor: Int32) {
        if case .success(let watch) = InotifyLibrary.watch(folder: folder, inotifyDescriptor: inotifyDescriptor) {
            entries[watch] = Entry(path: folder, root: -1, isControl: true)
        }
    }

    /// Removes the watches of `path` and every folder below it (control folders stay).
    mutating func remove(under path: String) {
        let prefix = path + "/"
        for (watch, folder) in entries where !folder.isControl && (folder.path == path || folder.path.hasPrefix(prefix))
        {
            InotifyLibrary.removeWatch(watch)
            entries.removeValue(forKey: watch)
        }
    }
}
