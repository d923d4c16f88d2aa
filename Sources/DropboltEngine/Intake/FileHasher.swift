import Crypto
import DropboltCore
import Glibc

/// Streams a file through SHA-256 without loading it whole (photos can be tens of megabytes).
enum FileHasher {
    /// The lowercase hex SHA-256 of the file at `path`, or nil when it cannot be read (it vanished).
    static func sha256(ofFileAt path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var hasher = SHA256()
        let chunkSize = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer.baseAddress, chunkSize)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        return Hex.string(Array(hasher.finalize()))
    }
}
