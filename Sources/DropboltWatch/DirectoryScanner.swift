import DropboltCore
import Glibc

/// Walks a folder tree with `openat`/`readdir`/`fstatat`, the way the watcher needs it.
///
/// It never follows symbolic links to folders (that is how loops and escapes from a root happen), skips the
/// default-ignored folder names, and tolerates entries that vanish mid-walk (rsync temp files): an `ENOENT` on one
/// entry never aborts the rest of the folder, unlike `inotifytools_watch_recursively`.
struct DirectoryScanner {
    /// One regular file (or a link to one) found by the walk.
    struct Entry {
        var path: String
        var status: FileStatus
    }

    /// Lists the files directly in `folder` and its subfolders' paths.
    ///
    /// - Parameters:
    ///   - folder: absolute path without a trailing slash.
    ///   - accepts: file-name filter applied before any `stat` call, so non-candidates cost one `readdir` entry.
    static func list(
        _ folder: String,
        accepts: (String) -> Bool
    ) -> (files: [Entry], folders: [String]) {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return ([], []) }
        guard let stream = fdopendir(descriptor) else {
            close(descriptor)
            return ([], [])
        }
        defer { closedir(stream) }
        var files: [Entry] = []
        var folders: [String] = []
        let prefix = folder == "/" ? "/" : folder + "/"
        while let entry = readdir(stream) {
            let type = entry.pointee.d_type
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            switch Int32(type) {
            case Int32(DT_DIR):
                if !IgnoreList.isIgnoredFolderName(name) { folders.append(prefix + name) }
            case Int32(DT_REG), Int32(DT_LNK), Int32(DT_UNKNOWN):
                if Int32(type) == Int32(DT_UNKNOWN) || Int32(type) == Int32(DT_LNK) {
                    // Types we must stat to classify; folders found this way are walked, links are not.
                    guard let status = FileStatus.of(name: name, in: descriptor) else { continue }
                    if status.kind == .directory {
                        if !IgnoreList.isIgnoredFolderName(name) { folders.append(prefix + name) }
                        continue
                    }
                    guard status.kind == .regular || status.kind == .symbolicLink else { continue }
                }
                if IgnoreList.isIgnoredFileName(name) { continue }
                let path = prefix + name
                guard accepts(path) else { continue }
                guard let status = FileStatus.of(name: name, in: descriptor) else { continue }
                files.append(Entry(path: path, status: status))
            default:
                continue
            }
        }
        return (files, folders)
    }
}
