import DropboltCore
import DropboltStore
import DropboltTesting
import DropboltWatch
import Foundation
import Logging
import Testing

@testable import DropboltEngine

/// The intake looks up only each batch's own files in the store: what it recorded is skipped when offered again
/// (by this process or the next), a file too large to send is warned about once per change, and a file whose
/// stamp changed but not its content queues nothing.
@Suite struct IntakeLookupTests {
    private static func ready(_ path: String, size: Int64 = 8, mtime: Int64 = 1, inode: UInt64) -> FileReady {
        // A change time after the rule files were written, so the files count as new for the rules.
        let now = Int64(Date().timeIntervalSince1970 * 1e9) + 1_000_000_000
        return FileReady(
            path: path, size: size, mtimeNanoseconds: mtime, ctimeNanoseconds: now, inode: inode, cause: .event)
    }

    @Test func recordedFilesAreSkippedWhenOfferedAgainAndTooLargeOnesWarnOncePerChange() async throws {
        let harness = try DaemonHarness()
        defer { harness.directory.remove() }
        let paths = try (0..<3).map { try harness.directory.write("inbox/products/\($0).jpg", bytes: 8) }
        let configuration = try harness.configuration()
        let ruleBook = RuleBook(configuration: configuration)
        let store = try Store.open(stateFolder: configuration.stateFolder)
        let records = LogRecords()
        let logger = Logger(label: "test") { _ in InMemoryLogHandler(records: records) }
        let batch = paths.enumerated().map { Self.ready($1, inode: UInt64($0 + 1)) }

        let intake = try await Intake(store: store, ruleBook: ruleBook, logger: logger)
        #expect(try await intake.process(batch).count == 3)
        #expect(try await intake.process(batch).isEmpty, "offered again to the same process")
        let restarted = try await Intake(store: store, ruleBook: ruleBook, logger: logger)
        #expect(try await restarted.process(batch).isEmpty, "offered again after a restart")

        // Same content, new stamp: the stamp is updated and nothing is queued.
        let touched = Self.ready(paths[0], mtime: 2, inode: 1)
        #expect(try await intake.process([touched]).isEmpty)
        #expect(try await store.loadFileIndex(paths: [paths[0]])[paths[0]]?.mtimeNanoseconds == 2)

        let big = try harness.directory.write("inbox/products/big.jpg", bytes: 8)
        let tooLarge = Self.ready(big, size: Intake.maximumOriginalBytes + 1, inode: 9)
        #expect(try await intake.process([tooLarge]).isEmpty)
        #expect(try await intake.process([tooLarge]).isEmpty)
        let changed = Self.ready(big, size: Intake.maximumOriginalBytes + 2, mtime: 3, inode: 9)
        #expect(try await intake.process([changed]).isEmpty)
        let warnings = records.all.filter { $0.message.contains("too large") }
        #expect(warnings.count == 2, "one warning per change: \(warnings.map(\.metadata))")
        #expect(try await harness.jobs().count == 3)
    }
}
