import Glibc
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
        var stamp: Stamp
    }

    private struct Stamp: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var mtime: Int64
        var ctime: Int64

        init?(path: String) {
            var raw = stat()
            guard stat(path, &raw) == 0 else { return nil }
            device = UInt64(raw.st_dev)
            inode = UInt64(raw.st_ino)
            size = Int64(raw.st_size)
            mtime = Int64(raw.st_mtim.tv_sec) * 1_000_000_000 + Int64(raw.st_mtim.tv_nsec)
            ctime = Int64(raw.st_ctim.tv_sec) * 1_000_000_000 + Int64(raw.st_ctim.tv_nsec)
        }
    }

    /// Enough for every worker's body between its spooling and its paid retry; past it, the oldest is forgotten
    /// (and hashed again when it is sent).
    static let capacity = 16

    private let entries = Mutex<[(path: String, entry: Entry)]>([])

    /// Creates an empty memory.
    init() {}

    /// Remembers the body just committed at `path` with SHA-256 `sha256`.
    func remember(path: String, sha256: String) {
        guard let stamp = Stamp(path: path) else { return }
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
        return Stamp(path: path) == remembered.stamp
    }
}
