/// A one-off listing of the files under a folder, with the watcher's own rules for what a file is (no symbolic
/// links to folders, ignored folder and file names skipped, names that are not UTF-8 reported).
///
/// ```swift
/// let listing = FolderWalk.files(under: "/srv/photos", recursive: true) { ruleBook.accepts($0) }
/// ```
public enum FolderWalk {
    /// What a walk found.
    public struct Listing: Sendable {
        /// Regular files the filter accepted (cause ``FileReady/Cause/scan``), in walk order.
        public var files: [FileReady]
        /// Names that are not valid UTF-8 (bytes written `\xNN`): they cannot be processed and are reported.
        public var unreadableNames: [String]
    }

    /// Lists the regular files under `folder` that `accepts` takes (symbolic links are not followed: a scan only
    /// counts what is really there).
    ///
    /// - Parameters:
    ///   - folder: an absolute path; a file path lists just that file.
    ///   - recursive: also walk subfolders.
    ///   - accepts: the path filter, applied before any `stat`.
    public static func files(under folder: String, recursive: Bool, accepts: (String) -> Bool) -> Listing {
        var listing = Listing(files: [], unreadableNames: [])
        if let status = FileStatus.of(folder, followLinks: false), status.kind == .regular {
            if accepts(folder) { listing.files.append(ready(folder, status)) }
            return listing
        }
        var pending = [folder.count > 1 && folder.hasSuffix("/") ? String(folder.dropLast()) : folder]
        while let next = pending.popLast() {
            let found = DirectoryScanner.list(next, accepts: accepts)
            listing.unreadableNames += found.unreadableNames
            for entry in found.files where entry.status.kind == .regular {
                listing.files.append(ready(entry.path, entry.status))
            }
            if recursive { pending += found.folders.reversed() }
        }
        return listing
    }

    private static func ready(_ path: String, _ status: FileStatus) -> FileReady {
        FileReady(
            path: path, size: status.size, mtimeNanoseconds: status.mtimeNanoseconds,
            ctimeNanoseconds: status.ctimeNanoseconds, inode: status.inode, cause: .scan)
    }
}
