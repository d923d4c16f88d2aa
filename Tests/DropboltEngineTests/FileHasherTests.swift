import Crypto
import DropboltCore
import DropboltTesting
import Foundation
import Testing

@testable import DropboltEngine

/// Hashing reads a small file through a buffer of its own size, and still reads all of a file that grew.
@Suite struct FileHasherTests {
    static func bytes(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }

    /// Empty, one byte, a few, just under, at and over one 128 KB chunk, and several chunks: the hash and size are
    /// those of the whole content.
    @Test(arguments: [0, 1, 3, 2_000, (1 << 17) - 1, 1 << 17, (1 << 17) + 1, 5 * (1 << 17) + 12_345])
    func hashesWholeFiles(size: Int) throws {
        let directory = try TemporaryDirectory(prefix: "hash")
        defer { directory.remove() }
        let content = Self.bytes(size)
        let path = try directory.write("f.bin", data: Data(content))
        let result = try #require(FileHasher.sha256AndSize(ofFileAt: path))
        #expect(result.sha256 == Hex.string(Array(SHA256.hash(data: content))))
        #expect(result.size == size)
    }

    /// A file that grows after it was opened (its buffer sized to the first size) is read to its new end.
    @Test func aFileThatGrowsWhileReadIsReadToTheEnd() throws {
        let directory = try TemporaryDirectory(prefix: "hash")
        defer { directory.remove() }
        let first = Self.bytes(1_000)
        let path = try directory.write("grow.bin", data: Data(first))
        var reader = try FileChunkReader(path: path, fitToFile: true)
        let more = Self.bytes(5_000).reversed()
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(more))
        try handle.close()
        var read: [UInt8] = []
        var chunks = 0
        while let chunk = try reader.next() {
            read += chunk
            chunks += 1
        }
        #expect(read == first + more)
        #expect(chunks == 6)
    }

    @Test func aMissingFileHasNoHash() {
        #expect(FileHasher.sha256(ofFileAt: "/nonexistent/dropbolt-hash-test") == nil)
    }
}
