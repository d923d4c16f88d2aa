import Crypto
import DropboltCore
import DropboltSats4AI
import Glibc

/// Builds a request body from an image file in one pass, straight into the spool: read a chunk, hash it, encode
/// it as base64, write it, hash what was written. Memory stays at a few chunks whatever the image's size, and the
/// original is read once for both its checksum and the body.
enum RequestSpooler {
    /// Bodies up to this size are also kept in memory and sent from there (a 100 KB job reads nothing back).
    static let inMemoryBodyBytes = 1 << 20

    /// A body written and fsync'd to the spool, not yet recorded in the job's row.
    struct Spooled {
        var path: String
        var sha256: String
        var body: RequestBody
        /// The file as it was when its hash was taken.
        var stamp: Stamp?
    }

    /// A spool file's identity (device, inode, size, modification and change times): while it is unchanged, the
    /// bytes this process hashed when it wrote the file are still the bytes on disk, so the paid retry that follows
    /// in the same run need not read and hash a large body again. After a restart nothing is trusted: the file is
    /// hashed in full (``verified(path:sha256:)``). The spool is dropbolt's own 0700 folder; on a kernel with coarse
    /// file times a rewrite within the same clock tick as the spool write would go unseen, which only a process of
    /// dropbolt's own user could do.
    struct Stamp: Equatable, Sendable {
        var device: UInt64
        var inode: UInt64
        var size: Int
        var modified: timespec
        var changed: timespec

        /// The identity of the file at `path`, or nil when it cannot be read.
        static func of(_ path: String) -> Stamp? {
            var status = stat()
            guard stat(path, &status) == 0 else { return nil }
            return Stamp(
                device: UInt64(status.st_dev), inode: UInt64(status.st_ino), size: Int(status.st_size),
                modified: status.st_mtim, changed: status.st_ctim)
        }

        static func == (a: Stamp, b: Stamp) -> Bool {
            a.device == b.device && a.inode == b.inode && a.size == b.size
                && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
                && a.changed.tv_sec == b.changed.tv_sec && a.changed.tv_nsec == b.changed.tv_nsec
        }
    }

    /// Why no body was spooled; every case but `write` is the original's fault and fails the job.
    enum Failure: Error {
        case originalMissing
        case originalUnreadable(String)
        case originalTooLarge
        /// The original's SHA-256 is not the one the job was queued with.
        case originalChanged
        case unbuildable(Sats4AIError)
        /// The spool file could not be written (disk full, permissions): nothing was sent.
        case write(any Error)
    }

    /// Writes the body for the image at `original` (which must hash to `expectedSHA256`) to `spoolPath`.
    ///
    /// - Parameter frame: the JSON around the image's base64, from the file's first chunk.
    static func spool(
        original: String, expectedSHA256: String, limit: Int, to spoolPath: String,
        frame: ([UInt8]) throws(Sats4AIError) -> RequestBodyFrame
    ) throws(Failure) -> Spooled {
        var reader: FileChunkReader
        do {
            reader = try FileChunkReader(path: original, chunkBytes: RequestBodyFrame.chunkBytes)
        } catch {
            throw error.isMissing ? .originalMissing : .originalUnreadable(error.message)
        }
        guard reader.size <= limit else { throw .originalTooLarge }
        var originalHash = SHA256()
        var bodyHash = SHA256()
        var piece: [UInt8] = []
        piece.reserveCapacity(RequestBodyFrame.chunkBytes / 3 * 4 + 4096)
        var kept: [UInt8]?
        let writer: DurableFile.Writer
        do {
            writer = try DurableFile.Writer(path: spoolPath, mode: 0o600)
        } catch {
            throw .write(error)
        }
        var suffix: [UInt8] = []
        var read = 0
        var written = 0
        do {
            while let chunk = try reader.next() {
                read += chunk.count
                guard read <= limit else { throw Failure.originalTooLarge }
                originalHash.update(bufferPointer: chunk)
                if read == chunk.count {
                    let bodyFrame = try frame(Array(chunk))
                    suffix = bodyFrame.suffix
                    piece.append(contentsOf: bodyFrame.prefix)
                    if bodyFrame.bodyLength(imageByteCount: reader.size) <= inMemoryBodyBytes { kept = [] }
                }
                RequestBodyFrame.appendBase64(of: chunk, to: &piece)
                written += piece.count
                try emit(&piece, writer: writer, hash: &bodyHash, keep: &kept)
            }
            // An empty file: the request itself says why it cannot be built.
            if read == 0 { _ = try frame([]) }
            piece.append(contentsOf: suffix)
            written += piece.count
            try emit(&piece, writer: writer, hash: &bodyHash, keep: &kept)
            guard Hex.string(Array(originalHash.finalize())) == expectedSHA256 else { throw Failure.originalChanged }
            try writer.commit()
        } catch let failure as Failure {
            writer.abandon()
            throw failure
        } catch let error as Sats4AIError {
            writer.abandon()
            throw .unbuildable(error)
        } catch let error as FileChunkReader.Failure {
            writer.abandon()
            throw .originalUnreadable(error.message)
        } catch {
            writer.abandon()
            throw .write(error)
        }
        return Spooled(
            path: spoolPath, sha256: Hex.string(Array(bodyHash.finalize())),
            body: kept.map { .bytes($0) } ?? .file(path: spoolPath, length: written), stamp: Stamp.of(spoolPath))
    }

    /// The body this run spooled at `path` with `sha256`, sent from the file without hashing it again when the file is
    /// large and its ``Stamp`` has not changed since it was hashed; otherwise ``verified(path:sha256:)``.
    static func verified(path: String, sha256: String, hashedAs stamp: Stamp?) -> RequestBody? {
        if let stamp, stamp.size > inMemoryBodyBytes, Stamp.of(path) == stamp {
            return .file(path: path, length: stamp.size)
        }
        return verified(path: path, sha256: sha256)
    }

    /// The spooled body at `path` when its SHA-256 is still `sha256` (a retry must send the very same bytes).
    static func verified(path: String, sha256: String) -> RequestBody? {
        guard let size = try? length(of: path) else { return nil }
        if size <= inMemoryBodyBytes {
            guard let bytes = DurableFile.read(path, limit: inMemoryBodyBytes),
                Hex.string(Array(SHA256.hash(data: bytes))) == sha256
            else { return nil }
            return .bytes(bytes)
        }
        guard let (hash, read) = FileHasher.sha256AndSize(ofFileAt: path), hash == sha256, read == size else {
            return nil
        }
        return .file(path: path, length: size)
    }

    private static func emit(
        _ piece: inout [UInt8], writer: DurableFile.Writer, hash: inout SHA256, keep: inout [UInt8]?
    ) throws {
        try piece.withUnsafeBytes { bytes in
            try writer.append(bytes)
            hash.update(bufferPointer: bytes)
        }
        keep?.append(contentsOf: piece)
        piece.removeAll(keepingCapacity: true)
    }

    private static func length(of path: String) throws -> Int {
        var status = stat()
        guard stat(path, &status) == 0 else { throw FileChunkReader.Failure(operation: "stat", errnoValue: errno) }
        return Int(status.st_size)
    }
}
