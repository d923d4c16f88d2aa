import DropboltStore
import DropboltTesting
import Foundation
import GRDB
import Testing

@Suite("Readers and writers at once (WAL)")
struct StoreConcurrencyTests {
    @Test("a read-only store sees committed jobs while the daemon's pool is open")
    func readerSeesCommits() async throws {
        let dir = try TemporaryDirectory(prefix: "store")
        defer { dir.remove() }
        let daemon = try Store.open(stateFolder: dir.path)
        let cli = try Store.openReadOnly(stateFolder: dir.path)
        #expect(try await cli.jobCount() == 0)

        _ = try await daemon.recordIntake([.fixture(1, rules: ["a", "b"])], at: testDate())

        try await waitUntil(timeout: .seconds(5), what: "the reader to see 2 jobs") {
            try await cli.jobCount() == 2
        }
        #expect(try await cli.jobs(in: [.queued], limit: 10).count == 2)
    }

    @Test("a reader is neither blocked by nor shown a write that has not committed")
    func readerIsolation() async throws {
        let dir = try TemporaryDirectory(prefix: "store")
        defer { dir.remove() }
        let daemon = try Store.open(stateFolder: dir.path)
        let cli = try Store.openReadOnly(stateFolder: dir.path)
        _ = try await daemon.recordIntake([.fixture(1)], at: testDate())

        let seenDuringWrite = try await daemon.writer.write { db in
            try db.execute(sql: "DELETE FROM jobs")
            // Still inside the write transaction: another connection must see the last committed state.
            return try cli.reader.read { try JobRecord.fetchCount($0) }
        }

        #expect(seenDuringWrite == 1)
        #expect(try await cli.jobCount() == 0)
    }

    @Test("two daemons' pools writing at once wait for each other instead of failing")
    func concurrentWriters() async throws {
        let dir = try TemporaryDirectory(prefix: "store")
        defer { dir.remove() }
        let first = try Store.open(stateFolder: dir.path)
        let second = try Store.open(stateFolder: dir.path)

        let created = try await withThrowingTaskGroup(of: Int.self) { group in
            for (offset, store) in [first, second].enumerated() {
                for batch in 0..<5 {
                    group.addTask {
                        let start = offset * 10_000 + batch * 500
                        let files = (start..<start + 500).map { IntakeFile.fixture($0) }
                        return try await store.recordIntake(files, at: testDate()).count
                    }
                }
            }
            return try await group.reduce(0, +)
        }

        #expect(created == 5_000)
        #expect(try await first.jobCount() == 5_000)
    }
}
