import DropboltStore
import DropboltTesting
import Foundation
import GRDB
import Testing

@Suite("Intake, file index and baselines")
struct StoreIntakeTests {
    @Test("a new file under two rules queues two jobs")
    func newFileTwoRules() async throws {
        let dir = try TemporaryDirectory(prefix: "store")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let file = IntakeFile.fixture(1, rules: ["products", "captions"])

        let created = try await store.recordIntake([file], at: testDate())

        #expect(created.map(\.rule) == ["products", "captions"])
        #expect(created.allSatisfy { $0.state == .queued && $0.path == file.path && $0.sha256 == file.sha256 })
        #expect(created.allSatisfy { $0.attempts == 0 && $0.createdAt == testDate() && $0.updatedAt == testDate() })
        let ids = created.compactMap(\.id)
        #expect(ids.count == 2)
        // What recordIntake returned is what is stored.
        let stored = try await store.jobs(in: nil, limit: 10)
        #expect(stored == created.reversed())
        #expect(try await store.fileCount() == 1)
    }

    @Test("the same batch again queues nothing")
    func sameBatchTwice() async throws {
        let dir = try TemporaryDirectory(prefix: "store")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let batch = [IntakeFile.fixture(1, rules: ["a", "b"]), .fixture(2, rules: ["a"])]

        #expect(try await store.recordIntake(batch, at: testDate()).count == 3)
        #expect(try await store.recordIntake(batch, at: testDate(60)).isEmpty)
        #expect(try await store.jobCount() == 3)
        #expect(try await store.fileCount() == 2)
    }

    @Test("a job that moved on is not queued again for the same content")
    func finishedJobNotRequeued() async throws {
        let dir = try TemporaryDirectory(prefix: "store")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        var job = try #require(try await store.recordIntake([.fixture(1)], at: testDate()).first)
        job.state = .done
        try await store.writer.write { [job] db in try job.update(db) }

        #expect(try await store.recordIntake([.fixture(1)], at: testDate(60)).isEmpty)
        #expect(try await store.jobCounts()[.done] == 1)
        #expect(try await store.jobCounts()[.queued] == 0)
    }

    @Test("the same path with new content queues new jobs and updates the file")
    func newContentSamePath() async throws {
        let dir = try TemporaryDirectory(prefix: "store")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        _ = try await store.recordIntake([.fixture(1, version: 0, rules: ["a", "b"])], at: testDate())

        let changed = IntakeFile.fixture(1, version: 1, rules: ["a", "b"])
        let created = try await store.recordIntake([changed], at: testDate(60))

        #expect(created.count == 2)
        #expect(created.allSatisfy { $0.sha256 == changed.sha256 })
        #expect(try await store.jobCount() == 4)
        #expect(try await store.fileCount() == 1)
        let record = try #require(try await store.file(path: changed.path))
        #expect(record.sha256 == changed.sha256)
        #expect(record.firstSeen == testDate())
        #expect(record.lastSeen == testDate(60))
    }

    @Test("a file with no rules is recorded without jobs, and hashes are stored lowercase")
    func recordsWithoutRules() async throws {
        let dir = try TemporaryDirectory(prefix: "store")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        var file = IntakeFile.fixture(7, rules: [])
        file.sha256 = String(repeating: "AB", count: 32)
        file.predatesRules = true

        #expect(try await store.recordIntake([file], at: testDate()).isEmpty)

        let record = try #require(try await store.file(path: file.path))
        #expect(record.sha256 == String(repeating: "ab", count: 32))
        #expect(record.predatesRules)
        #expect(try await store.jobCount() == 0)
    }

    @Test("20,000 files in one call queue 20,000 jobs")
    func largeBatch() async throws {
        let dir = try TemporaryDirectory(prefix: "store")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let batch = (0..<20_000).map { IntakeFile.fixture($0) }

        let clock = ContinuousClock()
        var created: [JobRecord] = []
        let intakeTime = try await clock.measure {
            created = try await store.recordIntake(batch, at: testDate())
        }
        var index = FileIndex()
        let indexTime = try await clock.measure { index = try await store.loadFileIndex(paths: batch.map(\.path)) }
        // Reported, not asserted: timing belongs to `make bench`.
        print("recordIntake of 20,000 files: \(intakeTime); loadFileIndex of 20,000 paths: \(indexTime)")

        #expect(created.count == 20_000)
        #expect(Set(created.compactMap(\.id)).count == 20_000)
        #expect(try await store.jobCount() == 20_000)
        #expect(try await store.fileCount() == 20_000)
        #expect(index.count == 20_000)
    }

    @Test("loadFileIndex(paths:) returns what intake stored, including inodes above Int64.max and missing hashes")
    func fileIndexRoundTrip() async throws {
        let dir = try TemporaryDirectory(prefix: "store")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        var big = IntakeFile.fixture(1)
        big.inode = UInt64.max - 3
        big.mtimeNanoseconds = -1_000  // before 1970 is legal
        let plain = IntakeFile.fixture(2)
        _ = try await store.recordIntake([big, plain], at: testDate())
        try await store.writer.write { db in
            var unhashed = FileRecord(
                path: "/photos/unhashed.png", size: 5, mtimeNanoseconds: 9, inode: 10, sha256: nil,
                firstSeen: testDate(), lastSeen: testDate())
            try unhashed.insert(db)
        }

        let index = try await store.loadFileIndex(paths: [big.path, plain.path, "/photos/unhashed.png", "/absent.png"])

        #expect(index.count == 3)
        #expect(
            index[big.path]
                == KnownFile(
                    size: big.size, mtimeNanoseconds: -1_000, inode: UInt64.max - 3,
                    sha256: big.sha256))
        #expect(
            index[plain.path]
                == KnownFile(
                    size: plain.size, mtimeNanoseconds: plain.mtimeNanoseconds,
                    inode: plain.inode, sha256: plain.sha256))
        #expect(index["/photos/unhashed.png"] == KnownFile(size: 5, mtimeNanoseconds: 9, inode: 10, sha256: nil))
        // The record type decodes the same inode.
        #expect(try await store.file(path: big.path)?.inode == UInt64.max - 3)
    }

    @Test("updateFileStat changes the stat and last_seen but not the hash")
    func updateStat() async throws {
        let dir = try TemporaryDirectory(prefix: "store")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let file = IntakeFile.fixture(1)
        _ = try await store.recordIntake([file], at: testDate())

        let known = try await store.updateFileStat(
            path: file.path, size: 42, mtimeNanoseconds: 43, inode: 44, at: testDate(120))
        let unknown = try await store.updateFileStat(
            path: "/nowhere.jpg", size: 1, mtimeNanoseconds: 1, inode: 1, at: testDate(120))

        #expect(known)
        #expect(!unknown)
        let index = try await store.loadFileIndex(paths: [file.path, "/nowhere.jpg"])
        #expect(index[file.path] == KnownFile(size: 42, mtimeNanoseconds: 43, inode: 44, sha256: file.sha256))
        #expect(index["/nowhere.jpg"] == nil)
        let record = try #require(try await store.file(path: file.path))
        #expect(record.firstSeen == testDate())
        #expect(record.lastSeen == testDate(120))
        #expect(try await store.jobCount() == 1)
    }

    @Test("a rule's first baseline wins")
    func baselineFirstWins() async throws {
        let dir = try TemporaryDirectory(prefix: "store")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)

        #expect(try await store.ruleBaselines().isEmpty)
        #expect(try await store.setRuleBaselineIfAbsent(rule: "products", since: testDate()) == testDate())
        #expect(try await store.setRuleBaselineIfAbsent(rule: "products", since: testDate(3600)) == testDate())
        #expect(try await store.setRuleBaselineIfAbsent(rule: "captions", since: testDate(7200)) == testDate(7200))

        #expect(try await store.ruleBaselines() == ["products": testDate(), "captions": testDate(7200)])
    }

    @Test("jobCounts lists every state; jobs(in:limit:) filters and puts the newest first")
    func countsAndListing() async throws {
        let dir = try TemporaryDirectory(prefix: "store")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let created = try await store.recordIntake((0..<5).map { IntakeFile.fixture($0) }, at: testDate())
        let heldIDs = [created[1].id, created[3].id].compactMap { $0 }
        _ = try await store.writer.write { db in
            try JobRecord.filter(keys: heldIDs).updateAll(db, JobRecord.Columns.state.set(to: JobState.held))
        }

        let counts = try await store.jobCounts()
        #expect(counts.count == JobState.allCases.count)
        #expect(counts[.queued] == 3)
        #expect(counts[.held] == 2)
        #expect(counts[.attention] == 0)

        #expect(try await store.jobs(in: nil, limit: 2).map(\.id) == [created[4].id, created[3].id])
        #expect(try await store.jobs(in: [.held], limit: 10).map(\.id) == [created[3].id, created[1].id])
        #expect(try await store.jobs(in: [.held, .queued], limit: 10).count == 5)
        #expect(try await store.jobs(in: [], limit: 10).isEmpty)
        #expect(try await store.job(id: heldIDs[0])?.state == .held)
    }
}
