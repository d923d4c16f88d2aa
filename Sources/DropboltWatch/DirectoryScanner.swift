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

    /// Lists the files directly in `folder` and its subfolders' paths, and the names it cannot use.
    ///
    /// Files and folders come in name order (bytewise, as SQLite orders paths), not the directory's hash order: a
    /// walk then records files in path order, so the store's path index is appended to instead of written all over
    /// (at 100,000 files the random order made SQLite read 16× as many index pages for 10× the files), and
    /// jobs are queued in the order a person reads the folder.
    ///
    /// A name that is not valid UTF-8 cannot be carried in a `String` path without changing it (the repaired path
    /// would name no file), so such entries are returned in `unreadableNames` (bytes escaped as `\xNN`) for the
    /// caller to report, instead of disappearing silently.
    ///
    /// - Parameters:
    ///   - folder: absolute path without a trailing slash.
    ///   - accepts: file-name filter applied before any `stat` call, so non-candidates cost one `readdir` entry.
    static func list(
        _ folder: String,
        accepts: (String) -> Bool
    ) -> (files: [Entry], folders: [String], unreadableNames: [String]) {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return ([], [], []) }
        guard let stream = fdopendir(descriptor) else {
            close(descriptor)
            return ([], [], [])
        }
        defer { closedir(stream) }
        var files: [Entry] = []
        var folders: [String] = []
        var unreadableNames: [String] = []
        let prefix = folder == "/" ? "/" : folder + "/"
        while let entry = readdir(stream) {
            let type = entry.pointee.d_type
            let decoded = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(validatingCString: $0) }
            }
            guard let name = decoded else {
                unreadableNames.append(prefix + Self.escapedName(entry))
                continue
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
        files.sort { $0.path < $1.path }
        folders.sort()
        return (files, folders, unreadableNames)
    }

    /// The entry's name with every byte outside printable ASCII written as `\xNN`.
    private static func escapedName(_ entry: UnsafeMutablePointer<dirent>) -> String {
        withUnsafePointer(to: &entry.pointee.d_name) {
            $0.withMemoryRebound(to: UInt8.self, capacity: 256) { bytes in
                var text = ""
                var index = 0
                while index < 256, bytes[index] != 0 {
                    let byte = bytes[index]
                    text += (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
                    index += 1
                }
                return text
            }
        }
    }
}
