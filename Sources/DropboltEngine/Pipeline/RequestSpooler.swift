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
            body: kept.map { .bytes($0) } ?? .file(path: spoolPath, length: written))
    }

    /// The spooled body at `path` when its SHA-256 is still `sha256` (a retry must send the very same bytes). A body
    /// `memory` saw written and unchanged since is not hashed again.
    static func verified(path: String, sha256: String, memory: SpoolMemory? = nil) -> RequestBody? {
        guard let size = try? length(of: path) else { return nil }
        let unchanged = memory?.isUnchanged(path: path, sha256: sha256) == true
        if size <= inMemoryBodyBytes {
            guard let bytes = DurableFile.read(path, limit: inMemoryBodyBytes),
                unchanged || Hex.string(Array(SHA256.hash(data: bytes))) == sha256
            else { return nil }
            return .bytes(bytes)
        }
        if unchanged { return .file(path: path, length: size) }
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
