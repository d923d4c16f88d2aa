import DropboltTesting
import Foundation
import Testing

@testable import DropboltEngine

/// Durable writes land whole, and reads return exactly the file's bytes up to a limit.
@Suite struct DurableFileTests {
    @Test func aReadReturnsTheWholeFileAndRefusesOneOverTheLimit() throws {
        let folder = try TemporaryDirectory(prefix: "durable")
        defer { folder.remove() }
        for size in [0, 1, 4095, 4096, 133_337] {
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let path = folder.url("file-\(size)")
            try DurableFile.write(bytes, to: path)
            #expect(DurableFile.read(path) == bytes, "size \(size)")
            #expect(DurableFile.read(path, limit: size) == bytes, "size \(size) at its own limit")
            if size > 0 { #expect(DurableFile.read(path, limit: size - 1) == nil, "size \(size) over the limit") }
        }
        #expect(DurableFile.read(folder.url("absent")) == nil)
        #expect(DurableFile.read(folder.url(".")) == nil)
    }
}
