import Crypto
import DropboltCore
import DropboltSats4AI
import DropboltTesting
import Foundation
import Testing

@testable import DropboltEngine

/// The request body streamed from an image file into the spool is byte for byte the body built in memory, the
/// original is checked in the same pass, and nothing is left behind when the job cannot be sent.
@Suite("Request spooler")
struct RequestSpoolerTests {
    private static func folder() throws -> String {
        let path = NSTemporaryDirectory() + "spooler-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A PNG signature followed by `count - 8` varied bytes.
    private static func image(_ count: Int) -> [UInt8] {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        return Array((signature + (0..<max(0, count - 8)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }).prefix(count))
    }

    private static func sha(_ bytes: [UInt8]) -> String { Hex.string(Array(SHA256.hash(data: bytes))) }

    private static func frame(_ head: [UInt8]) throws(Sats4AIError) -> RequestBodyFrame {
        try ImageEditRequest(prompt: "Remove the \"background\"", streamedImageHead: head, outputFormat: "png").bodyFrame()
    }

    /// Puts `image` in `folder` as `original.png` and spools its edit request to `name` there.
    private static func spoolOriginal(
        _ image: [UInt8], in folder: String, to name: String
    ) throws -> RequestSpooler.Spooled {
        FileManager.default.createFile(atPath: folder + "/original.png", contents: Data(image))
        return try RequestSpooler.spool(
            original: folder + "/original.png", expectedSHA256: sha(image), limit: 40 << 20, to: folder + "/" + name,
            frame: frame)
    }

    private static func leftovers(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0 != "original.png" }
    }

    @Test(arguments: [
        9, 100_000, RequestBodyFrame.chunkBytes - 1, RequestBodyFrame.chunkBytes, RequestBodyFrame.chunkBytes + 1,
        2 * RequestBodyFrame.chunkBytes + 2, RequestSpooler.inMemoryBodyBytes,
    ])
    func theStreamedBodyIsTheBodyBuiltInMemory(size: Int) throws {
        let folder = try Self.folder()
        let image = Self.image(size)
        let spooled = try Self.spoolOriginal(image, in: folder, to: "job-1.request.json")
        let expected = try ImageEditRequest(prompt: "Remove the \"background\"", imageBytes: image, outputFormat: "png")
            .encodedBody()
        let onDisk = try [UInt8](Data(contentsOf: URL(fileURLWithPath: spooled.path)))
        #expect(onDisk == expected)
        #expect(spooled.sha256 == Self.sha(expected))
        #expect(spooled.body.length == expected.count)
        switch spooled.body {
        case .bytes(let bytes):
            #expect(bytes == expected)
            #expect(expected.count <= RequestSpooler.inMemoryBodyBytes)
        case .file(let path, _):
            #expect(path == spooled.path)
            #expect(expected.count > RequestSpooler.inMemoryBodyBytes)
        }
        // Only the spool file itself: the temporary file was renamed, not left beside it.
        #expect(try Self.leftovers(in: folder) == ["job-1.request.json"])
    }

    @Test func anOriginalThatIsNotTheQueuedContentLeavesNoSpoolFile() throws {
        let folder = try Self.folder()
        let image = Self.image(3 * RequestBodyFrame.chunkBytes)
        FileManager.default.createFile(atPath: folder + "/original.png", contents: Data(image))
        var outcome = "spooled"
        do {
            _ = try RequestSpooler.spool(
                original: folder + "/original.png", expectedSHA256: Self.sha(Array(image.dropLast())),
                limit: 40 << 20, to: folder + "/job-1.request.json", frame: Self.frame)
        } catch .originalChanged {
            outcome = "changed"
        } catch {
            outcome = "\(error)"
        }
        #expect(outcome == "changed")
        #expect(try Self.leftovers(in: folder).isEmpty)
    }

    @Test func missingTooLargeEmptyAndForeignFilesAreNamedFailures() throws {
        let folder = try Self.folder()
        let spool = folder + "/job-1.request.json"
        func failure(_ path: String, limit: Int = 40 << 20) -> String {
            do {
                _ = try RequestSpooler.spool(original: path, expectedSHA256: "", limit: limit, to: spool, frame: Self.frame)
                return "spooled"
            } catch {
                switch error {
                case .originalMissing: return "missing"
                case .originalTooLarge: return "too large"
                case .unbuildable(let cause): return "unbuildable: \(cause)"
                default: return "\(error)"
                }
            }
        }
        #expect(failure(folder + "/absent.png") == "missing")
        FileManager.default.createFile(atPath: folder + "/big.png", contents: Data(Self.image(5000)))
        #expect(failure(folder + "/big.png", limit: 4999) == "too large")
        FileManager.default.createFile(atPath: folder + "/empty.png", contents: Data())
        #expect(failure(folder + "/empty.png").hasPrefix("unbuildable:"))
        #expect(failure(folder + "/empty.png").contains("empty"))
        FileManager.default.createFile(atPath: folder + "/notes.png", contents: Data("not an image".utf8))
        #expect(failure(folder + "/notes.png").contains("not a JPEG, PNG"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["big.png", "empty.png", "notes.png"])
    }

    @Test func aSpooledBodyIsSentAgainOnlyWhileItsChecksumHolds() throws {
        let folder = try Self.folder()
        for size in [1000, RequestSpooler.inMemoryBodyBytes] {
            let image = Self.image(size)
            let spooled = try Self.spoolOriginal(image, in: folder, to: "job-\(size).request.json")
            let again = try #require(RequestSpooler.verified(path: spooled.path, sha256: spooled.sha256))
            #expect(again.length == spooled.body.length)
            // One byte changed in the middle of the spool file: never sent.
            let handle = try #require(FileHandle(forUpdatingAtPath: spooled.path))
            try handle.seek(toOffset: UInt64(spooled.body.length / 2))
            try handle.write(contentsOf: Data("#".utf8))
            try handle.close()
            #expect(RequestSpooler.verified(path: spooled.path, sha256: spooled.sha256) == nil)
        }
        #expect(RequestSpooler.verified(path: folder + "/absent.json", sha256: "00") == nil)
    }

    @Test(arguments: [1000, RequestSpooler.inMemoryBodyBytes])
    func aBodyThisRunWroteIsTrustedByItsStampUntilTheFileIsTouched(size: Int) async throws {
        let folder = try Self.folder()
        let image = Self.image(size)
        let spooled = try Self.spoolOriginal(image, in: folder, to: "job-1.request.json")
        let memory = SpoolMemory()
        // Remembered under a digest the file does not have: only a check that trusts the stamp accepts it, and
        // without the memory the file is hashed and refused.
        let notTheFilesDigest = String(repeating: "ab", count: 32)
        memory.remember(path: spooled.path, sha256: notTheFilesDigest)
        let trusted = try #require(RequestSpooler.verified(path: spooled.path, sha256: notTheFilesDigest, memory: memory))
        #expect(trusted.length == spooled.body.length)
        #expect(RequestSpooler.verified(path: spooled.path, sha256: notTheFilesDigest) == nil)
        // Remembered under another digest than the one asked for: hashed.
        #expect(RequestSpooler.verified(path: spooled.path, sha256: spooled.sha256, memory: memory) != nil)

        memory.remember(path: spooled.path, sha256: notTheFilesDigest)
        // One byte changed, same size, once the file system's clock has moved past the file's ctime (so the test
        // does not depend on fine-grained timestamps): the stamp no longer matches, the file is hashed, refused.
        try await waitForTheFileClock(toPass: spooled.path)
        let handle = try #require(FileHandle(forUpdatingAtPath: spooled.path))
        try handle.seek(toOffset: UInt64(spooled.body.length / 2))
        try handle.write(contentsOf: Data("#".utf8))
        try handle.close()
        #expect(RequestSpooler.verified(path: spooled.path, sha256: notTheFilesDigest, memory: memory) == nil)
        #expect(RequestSpooler.verified(path: spooled.path, sha256: spooled.sha256, memory: memory) == nil)
    }
}
