import Glibc
import NIOCore

/// The body of a POST to the provider: bytes in memory, or a spooled file sent as it is read.
public enum RequestBody: Sendable {
    /// A small body, already in memory.
    case bytes([UInt8])
    /// A spooled body of `length` bytes, read and sent a chunk at a time (a big image's base64 never sits in
    /// memory whole).
    case file(path: String, length: Int)

    /// The body's length in bytes.
    public var length: Int {
        switch self {
        case .bytes(let bytes): return bytes.count
        case .file(_, let length): return length
        }
    }
}

/// The chunks of a file, read one `ByteBuffer` at a time as the HTTP client asks for them.
///
/// Reading a chunk from a local spool file takes well under a millisecond, so a blocking `read(2)` is used rather
/// than a thread hop per chunk. A file shorter than announced ends the sequence early and the client fails the
/// request for its wrong length; it is never padded.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let path: String
    let chunkBytes: Int

    /// Opens the file at the first read; closes it at the end, on a failure, or when the iterator goes away.
    final class AsyncIterator: AsyncIteratorProtocol {
        private let path: String
        private let chunkBytes: Int
        private var descriptor: Int32 = -1
        private var finished = false

        init(path: String, chunkBytes: Int) {
            self.path = path
            self.chunkBytes = chunkBytes
        }

        deinit { if descriptor >= 0 { close(descriptor) } }

        func next() async throws -> ByteBuffer? {
            guard !finished else { return nil }
            if descriptor < 0 {
                descriptor = open(path, O_RDONLY | O_CLOEXEC)
                guard descriptor >= 0 else { throw FileChunksError(path: path, errnoValue: errno) }
            }
            var buffer = ByteBufferAllocator().buffer(capacity: chunkBytes)
            let count = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: chunkBytes) { raw in
                while true {
                    let read = Glibc.read(descriptor, raw.baseAddress, chunkBytes)
                    if read < 0 && errno == EINTR { continue }
                    guard read >= 0 else { throw FileChunksError(path: path, errnoValue: errno) }
                    return read
                }
            }
            guard count > 0 else {
                finished = true
                close(descriptor)
                descriptor = -1
                return nil
            }
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(path: path, chunkBytes: chunkBytes) }
}

/// A spooled body file could not be read while it was being sent.
struct FileChunksError: Error, CustomStringConvertible {
    var path: String
    var errnoValue: Int32
    var description: String { "reading \(path): \(String(cString: strerror(errnoValue)))" }
}
