import Glibc

/// Reads a file a full chunk at a time: a short `read(2)` is completed, so every chunk but the last has the full
/// size (which lets base64 chunks join without padding).
struct FileChunkReader: ~Copyable {
    /// Why the file could not be read; `errnoValue` is the `errno` of the failed call.
    struct Failure: Error {
        var operation: String
        var errnoValue: Int32
        /// The file does not exist (any more).
        var isMissing: Bool { errnoValue == ENOENT }
        /// `operation`: the system's message.
        var message: String { "\(operation): \(String(cString: strerror(errnoValue)))" }
    }

    private let descriptor: Int32
    private let buffer: UnsafeMutableRawBufferPointer
    /// The file's size when it was opened.
    let size: Int

    /// Opens `path` for reading in chunks of `chunkBytes` (128 KB by default: under the daemon's mmap threshold,
    /// so the buffer is reused heap memory rather than a fresh mapping per file).
    ///
    /// With `fitToFile`, a file smaller than `chunkBytes` gets a buffer of its own size (at least 1 byte), for
    /// callers that do not need full-size chunks (hashing): taking and freeing 128 KB for each small file came to
    /// 1.3 GB per 10,000 small images and fragmented the heap.
    init(path: String, chunkBytes: Int = 1 << 17, fitToFile: Bool = false) throws(Failure) {
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(operation: "open", errnoValue: errno) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let failure = Failure(operation: "stat", errnoValue: errno)
            close(descriptor)
            throw failure
        }
        size = Int(status.st_size)
        buffer = .allocate(byteCount: fitToFile ? min(chunkBytes, max(size, 1)) : chunkBytes, alignment: 16)
    }

    deinit {
        close(descriptor)
        buffer.deallocate()
    }

    /// The next chunk (valid until the next call), or nil at the end of the file.
    mutating func next() throws(Failure) -> UnsafeRawBufferPointer? {
        var filled = 0
        while filled < buffer.count {
            let count = read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(operation: "read", errnoValue: errno)
            }
            filled += count
        }
        return filled == 0 ? nil : UnsafeRawBufferPointer(rebasing: buffer[0..<filled])
    }
}
