import Crypto
import DropboltCore
import Glibc

/// Streams a file through SHA-256 without loading it whole (photos can be tens of megabytes).
enum FileHasher {
    /// The lowercase hex SHA-256 of the file at `path`, or nil when it cannot be read (it vanished).
    static func sha256(ofFileAt path: String) -> String? {
        sha256AndSize(ofFileAt: path)?.sha256
    }

    /// The lowercase hex SHA-256 and the size of the file at `path`, or nil when it cannot be read.
    static func sha256AndSize(ofFileAt path: String) -> (sha256: String, size: Int)? {
        guard var reader = try? FileChunkReader(path: path, fitToFile: true) else { return nil }
        var hasher = SHA256()
        var size = 0
        do {
            while let chunk = try reader.next() {
                hasher.update(bufferPointer: chunk)
                size += chunk.count
            }
        } catch {
            return nil
        }
        return (Hex.string(Array(hasher.finalize())), size)
    }
}
