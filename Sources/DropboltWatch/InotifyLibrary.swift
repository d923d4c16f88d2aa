import CInotifyTools
import Glibc
import Synchronization

/// The one process-wide handle on libinotifytools.
///
/// The library keeps its descriptor, watch trees and error code in C globals, so two owners in one process would
/// corrupt each other. A watcher thread holds ``ownership`` for as long as it uses the library; a second watcher
/// in the same process waits for the first to stop.
enum InotifyLibrary {
    static let ownership = Mutex<Void>(())

    /// Events we ask for on every folder. Files: close-after-write and moved-in mean complete; CREATE only for
    /// links (no CLOSE_WRITE ever comes for them). Folders: created, moved, deleted. IN_ONLYDIR guards against a
    /// folder replaced by a file between the walk and the watch.
    static let folderMask: Int32 = Int32(
        bitPattern: UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) | UInt32(IN_MOVED_FROM) | UInt32(IN_CREATE)
            | UInt32(IN_DELETE) | UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF) | UInt32(IN_ONLYDIR))

    /// Starts (or restarts) the library, marks its descriptor close-on-exec (the library does not) and returns
    /// that descriptor, or nil when inotify could not be started.
    static func initialize() -> Int32? {
        let before = inotifyDescriptors()
        guard inotifytools_initialize() != 0 else { return nil }
        let added = inotifyDescriptors().subtracting(before)
        guard let descriptor = added.first, added.count == 1 else { return nil }
        _ = fcntl(descriptor, F_SETFD, fcntl(descriptor, F_GETFD) | FD_CLOEXEC)
        return descriptor
    }

    /// Closes the descriptor and frees every watch.
    static func cleanup() {
        inotifytools_cleanup()
    }

    /// Adds a watch on `folder` through the library; returns the watch descriptor or the errno.
    ///
    /// The library's own `inotifytools_wd_from_filename` returns a dead descriptor once a folder was deleted and
    /// made again under the same name (its trees keep stale entries). Adding the same inode twice returns the
    /// existing descriptor, so asking the kernel again on the library's descriptor gives the live one.
    static func watch(folder: String, inotifyDescriptor: Int32) -> Result<Int32, Errno> {
        guard inotifytools_watch_file(folder, folderMask) != 0 else {
            return .failure(Errno(rawValue: inotifytools_error()))
        }
        let descriptor = inotify_add_watch(inotifyDescriptor, folder, UInt32(bitPattern: folderMask))
        return descriptor > 0 ? .success(descriptor) : .failure(Errno(rawValue: errno))
    }

    /// Removes a watch that the kernel still has (after `IN_IGNORED` it is already gone).
    static func removeWatch(_ descriptor: Int32) {
        _ = inotifytools_remove_watch_by_wd(descriptor)
    }

    /// The next event already read or readable, without waiting; nil when there is none (or on error).
    ///
    /// `inotifytools_next_events(0, 1)` is the library's non-blocking form (`next_event(0)` would block forever),
    /// and one event at a time avoids its busy-spin with `num_events > 1`. Waiting is done with `poll(2)` on the
    /// descriptor, so deadlines below a second (settle, shutdown) are met.
    static func nextEventNow() -> UnsafeMutablePointer<inotify_event>? {
        inotifytools_next_events(0, 1)
    }

    /// The library's last error (an errno value, 0 for none).
    static var lastError: Int32 { inotifytools_error() }

    /// The library does not expose its descriptor; the inotify descriptors of this process, from /proc.
    private static func inotifyDescriptors() -> Set<Int32> {
        var found: Set<Int32> = []
        guard let folder = opendir("/proc/self/fd") else { return found }
        defer { closedir(folder) }
        var target = [CChar](repeating: 0, count: 64)
        while let entry = readdir(folder) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            guard let descriptor = Int32(name) else { continue }
            let count = readlink("/proc/self/fd/" + name, &target, target.count - 1)
            guard count > 0 else { continue }
                        let link = String(decoding: target[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if link == "anon_inode:inotify" { found.insert(descriptor) }
        }
        return found
    }
}

/// An errno value with its C message, for log metadata.
struct Errno: Error, Equatable, CustomStringConvertible {
    var rawValue: Int32
    var description: String { String(cString: strerror(rawValue)) + " (errno \(rawValue))" }
}
