import Glibc

/// The parts of `stat(2)` the watcher compares to decide whether a file is still changing (and the engine, to see
/// whether a spooled body is untouched since it wrote it).
package struct FileStatus: Equatable, Sendable {
    enum Kind { case regular, directory, symbolicLink, other }

    var kind: Kind
    var size: Int64
    var mtimeNanoseconds: Int64
    var ctimeNanoseconds: Int64
    var inode: UInt64
    var device: UInt64
    var linkCount: UInt64

    init(_ raw: stat) {
        switch raw.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symbolicLink
        default: kind = .other
        }
        size = Int64(raw.st_size)
        mtimeNanoseconds = Int64(raw.st_mtim.tv_sec) * 1_000_000_000 + Int64(raw.st_mtim.tv_nsec)
        ctimeNanoseconds = Int64(raw.st_ctim.tv_sec) * 1_000_000_000 + Int64(raw.st_ctim.tv_nsec)
        inode = UInt64(raw.st_ino)
        device = UInt64(raw.st_dev)
        linkCount = UInt64(raw.st_nlink)
    }

    /// `lstat` of `path`; nil when it does not exist (or cannot be read).
    package static func of(_ path: String, followLinks: Bool = false) -> FileStatus? {
        var raw = stat()
        let result = followLinks ? stat(path, &raw) : lstat(path, &raw)
        return result == 0 ? FileStatus(raw) : nil
    }

    /// `fstatat` of `name` in the open folder `folderDescriptor`, not following links.
    static func of(name: UnsafePointer<CChar>, in folderDescriptor: Int32) -> FileStatus? {
        var raw = stat()
        return fstatat(folderDescriptor, name, &raw, AT_SYMLINK_NOFOLLOW) == 0 ? FileStatus(raw) : nil
    }

    /// True when a settled file would look the same: size, mtime and inode unchanged.
    func sameContentStamp(as other: FileStatus) -> Bool {
        size == other.size && mtimeNanoseconds == other.mtimeNanoseconds && inode == other.inode
    }

    func ready(path: String, cause: FileReady.Cause) -> FileReady {
        FileReady(
            path: path, size: size, mtimeNanoseconds: mtimeNanoseconds, ctimeNanoseconds: ctimeNanoseconds,
            inode: inode, cause: cause)
    }
}
