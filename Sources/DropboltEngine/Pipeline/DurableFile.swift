import Foundation
import Glibc

/// Writes files so that a crash leaves either the old state or the complete new file: temp file in the same
/// folder, `fsync`, `rename`, `fsync` of the folder.
enum DurableFile {
    /// Why a durable write failed.
    struct WriteError: Error, CustomStringConvertible {
        var path: String
        var operation: String
        var errnoValue: Int32
        var alreadyExists: Bool { errnoValue == EEXIST }
        var description: String { "\(operation) \(path): \(String(cString: strerror(errnoValue)))" }
    }

    /// Writes `bytes` to `path` atomically, with `mode` permissions.
    ///
    /// With `replace: false` the final step is `link(2)`, which fails with `EEXIST` instead of replacing a file
    /// that appeared meanwhile (``WriteError/alreadyExists``): a user's file is never overwritten, even in a race.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644, replace: Bool = true) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        // Hidden, so the watcher ignores it; unique per process and call.
        let temporary = folder + "/." + name + ".dropbolt-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw WriteError(path: temporary, operation: "create", errnoValue: errno) }
        var failure: WriteError?
        var offset = 0
        bytes.withUnsafeBytes { buffer in
            while offset < buffer.count {
                let count = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = WriteError(path: temporary, operation: "write", errnoValue: errno)
                    return
                }
                offset += count
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = WriteError(path: temporary, operation: "fsync", errnoValue: errno) }
        close(descriptor)
        if let failure {
            unlink(temporary)
            throw failure
        }
        if replace {
            guard rename(temporary, path) == 0 else {
                let error = WriteError(path: path, operation: "rename", errnoValue: errno)
                unlink(temporary)
                throw error
            }
        } else {
            let linked = link(temporary, path)
            let linkErrno = errno
            unlink(temporary)
            guard linked == 0 else { throw WriteError(path: path, operation: "link", errnoValue: linkErrno) }
        }
        syncFolder(folder)
    }

    /// Makes a rename or unlink in `folder` durable.
    static func syncFolder(_ folder: String) {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    /// The whole file, or nil when it cannot be read.
    static func read(_ path: String, limit: Int = 256 << 20) -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: limit + 1), data.count <= limit else { return nil }
        return [UInt8](data)
    }
}
