import Glibc

/// Files seen changing, each waiting for its quiet period to pass with size, mtime and inode unchanged.
///
/// A file found by a scan and untouched for longer than the quiet period is ready at once; a file changing while
/// it waits starts its period again. Ready files collect in ``ready`` until the watcher hands them on.
struct Settler {
    /// A file waiting for its quiet period.
    private struct Pending {
        var status: FileStatus
        var lastChange: ContinuousClock.Instant
        var cause: FileReady.Cause
    }

    /// The quiet period (zero: every file is ready when seen).
    let settle: Duration
    private var pending: [String: Pending] = [:]
    /// Files that settled, in the order they did, not yet handed on.
    private(set) var ready: [FileReady] = []
    /// When to sweep next: a tenth of the quiet period after the next waiting file's period ends (nil when none
    /// waits). The margin lets files seen within it settle in the same sweep, so a folder's files found by one walk
    /// are handed on together and in path order, not split by microseconds of walking.
    private(set) var nextSweep: ContinuousClock.Instant?

    /// Creates a settler with a quiet period.
    init(settle: Duration) { self.settle = settle }

    /// How long after a file's quiet period ends its sweep runs (see ``nextSweep``).
    private var sweepMargin: Duration { settle / 10 }

    /// True when no file is waiting.
    var isIdle: Bool { pending.isEmpty }

    /// Starts or restarts the quiet period of a regular file, or makes it ready at once when no period is needed.
    /// Returns false when the file is left waiting.
    @discardableResult
    mutating func consider(
        _ path: String, _ status: FileStatus, cause: FileReady.Cause, now: ContinuousClock.Instant
    ) -> Bool {
        if cause != .event, let existing = pending[path], existing.status.sameContentStamp(as: status) {
            // Seen again by a scan or poll while settling, unchanged: keep its quiet period running.
            return false
        }
        if settle == .zero {
            pending.removeValue(forKey: path)
            ready.append(status.ready(path: path, cause: cause))
            return true
        }
        if cause != .event, pending[path] == nil, Self.isQuietSince(status, for: settle) {
            // Found by a scan and untouched for longer than the quiet period: already complete.
            ready.append(status.ready(path: path, cause: cause))
            return true
        }
        pending[path] = Pending(status: status, lastChange: now, cause: cause)
        let due = now + settle + sweepMargin
        if nextSweep.map({ due < $0 }) ?? true { nextSweep = due }
        return false
    }

    /// Makes ready the files whose quiet period passed unchanged (in path order, not the table's); restarts the
    /// others; drops vanished ones.
    mutating func sweep(now: ContinuousClock.Instant) {
        var earliest: ContinuousClock.Instant?
        var settled: [FileReady] = []
        for (path, entry) in pending {
            let due = entry.lastChange + settle
            guard due <= now else {
                let next = due + sweepMargin
                earliest = min(earliest ?? next, next)
                continue
            }
            guard let current = FileStatus.of(path, followLinks: true), current.kind == .regular else {
                pending.removeValue(forKey: path)
                continue
            }
            if current.sameContentStamp(as: entry.status) {
                pending.removeValue(forKey: path)
                settled.append(current.ready(path: path, cause: entry.cause))
            } else {
                pending[path] = Pending(status: current, lastChange: now, cause: entry.cause)
                let next = now + settle + sweepMargin
                earliest = min(earliest ?? next, next)
            }
        }
        ready.append(contentsOf: settled.sorted { $0.path < $1.path })
        nextSweep = earliest
    }

    /// Stops waiting for a file that was deleted or moved away.
    mutating func forget(_ path: String) { pending.removeValue(forKey: path) }

    /// Stops waiting for every file below `folder` (it was removed or moved away).
    mutating func forget(under folder: String) {
        let prefix = folder + "/"
        for key in pending.keys where key.hasPrefix(prefix) { pending.removeValue(forKey: key) }
    }

    /// Hands on the ready files, and their buffer with them.
    ///
    /// The settler starts a new, empty list rather than keeping the old one's capacity: the caller still holds that
    /// buffer, so keeping its capacity allocated a new one as large, at every hand-over. After a burst of 10,000
    /// renames each later batch of a few files came in a buffer sized for 10,000, and the batches waiting for the
    /// intake held 190 MB of address space between them (heaptrack).
    mutating func takeReady() -> [FileReady] {
        defer { ready = [] }
        return ready
    }

    /// True when neither mtime nor ctime (or only mtime: for a folder, entries change both together, and ctime
    /// also moves on chmod) is within `settle` of now.
    static func isQuietSince(_ status: FileStatus, for settle: Duration, mtimeOnly: Bool = false) -> Bool {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nowNanoseconds = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
        let settleNanoseconds =
            settle.components.seconds * 1_000_000_000 + settle.components.attoseconds / 1_000_000_000
        let changed = mtimeOnly ? status.mtimeNanoseconds : max(status.mtimeNanoseconds, status.ctimeNanoseconds)
        return changed + settleNanoseconds <= nowNanoseconds
    }
}
