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
        let writer = try Writer(path: path, mode: mode)
        do {
            try bytes.withUnsafeBytes { try writer.append($0) }
            try writer.commit(replace: replace)
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// A file written a piece at a time into a hidden temporary file beside `path`, then made durable and moved
    /// into place by ``commit(replace:)``, or removed by ``abandon()``.
    final class Writer {
        let path: String
        private let temporary: String
        private var descriptor: Int32

        /// Creates the temporary file (hidden, so the watcher ignores it; unique per process and call).
        init(path: String, mode: mode_t) throws {
            self.path = path
            let folder = (path as NSString).deletingLastPathComponent
            let name = (path as NSString).lastPathComponent
            temporary = folder + "/." + name + ".dropbolt-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
            guard descriptor >= 0 else { throw WriteError(path: temporary, operation: "create", errnoValue: errno) }
        }

        deinit { abandon() }

        /// Appends `bytes` to the temporary file.
        func append(_ bytes: UnsafeRawBufferPointer) throws {
            var offset = 0
            while offset < bytes.count {
                let count = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw WriteError(path: temporary, operation: "write", errnoValue: errno)
                }
                offset += count
            }
        }

        /// `fsync`, then `rename` (or `link`, which refuses to replace) onto `path`, then `fsync` of the folder.
        func commit(replace: Bool = true) throws {
            if fsync(descriptor) != 0 { throw WriteError(path: temporary, operation: "fsync", errnoValue: errno) }
            close(descriptor)
            descriptor = -1
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
            syncFolder((path as NSString).deletingLastPathComponent)
        }

        /// Closes and removes the temporary file, if it is still there (nothing was committed).
        func abandon() {
            guard descriptor >= 0 else { return }
            close(descriptor)
            descriptor = -1
            unlink(temporary)
        }
    }

    /// Makes a rename or unlink in `folder` durable.
    static func syncFolder(_ folder: String) {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    /// The whole file, or nil when it cannot be read or holds more than `limit` bytes.
    ///
    /// Read into one array of the size `fstat` gives (plus a byte that reveals a file still growing), rather than
    /// through `FileHandle`, whose reads grow a buffer by reallocation: a 133 KB spooled body cost a fresh mapping.
    static func read(_ path: String, limit: Int = 256 << 20) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, Int(status.st_size) <= limit else { return nil }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size) + 1)
        var filled = 0
        while true {
            if filled == bytes.count {
                guard bytes.count <= limit else { return nil }
                bytes.append(contentsOf: repeatElement(0, count: max(4096, bytes.count)))
            }
            let count = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            filled += count
        }
        guard filled <= limit else { return nil }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }
}
