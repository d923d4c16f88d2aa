import DropboltWatch
import Synchronization

/// The request bodies this process spooled, each with the file's stamp right after it was made durable: a paid
/// retry in the same run sends such a body without hashing it again. The stamp (device, inode, size, mtime and
/// ctime in nanoseconds) changes with any write, rename or chmod, so a file anyone touched is hashed as before.
///
/// A 5 MB image's body is 6.67 MB: its second SHA-256 pass was a tenth of the job's CPU. After a restart the memory
/// is empty and every spooled body is hashed before it is sent.
final class SpoolMemory: Sendable {
    private struct Entry {
        var sha256: String
        /// Device, inode, size, link count and the times in nanoseconds, right after the durable rename.
        var stamp: FileStatus
    }

    /// Enough for every worker's body between its spooling and its paid retry; past it, the oldest is forgotten
    /// (and hashed again when it is sent).
    static let capacity = 16

    private let entries = Mutex<[(path: String, entry: Entry)]>([])

    /// Creates an empty memory.
    init() {}

    /// Remembers the body just committed at `path` with SHA-256 `sha256`.
    func remember(path: String, sha256: String) {
        guard let stamp = FileStatus.of(path) else { return }
        entries.withLock { entries in
            entries.removeAll { $0.path == path }
            if entries.count >= Self.capacity { entries.removeFirst() }
            entries.append((path, Entry(sha256: sha256, stamp: stamp)))
        }
    }

    /// True when this process wrote `path` with SHA-256 `sha256` and the file's stamp has not changed since.
    func isUnchanged(path: String, sha256: String) -> Bool {
        guard let remembered = entries.withLock({ $0.first { $0.path == path }?.entry }), remembered.sha256 == sha256
        else { return false }
        return FileStatus.of(path) == remembered.stamp
    }
}
