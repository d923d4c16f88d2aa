import DropboltCore
import DropboltStore
import DropboltTesting
import Foundation
import GRDB
import Testing

/// What the spool sweeper asks the store: the states of the jobs whose files it found, and where `fetched` jobs
/// write, without loading every waiting job.
@Suite("Lookups for the spool sweeper")
struct SpoolLookupTests {
    @Test func statesOfTheAskedJobsThatAreNotFinished() async throws {
        let dir = try TemporaryDirectory(prefix: "spool-lookup")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        // More than one statement's worth of ids (500 each).
        let created = try await store.recordIntake((0..<1_200).map { IntakeFile.fixture($0) }, at: testDate())
        let ids = created.compactMap(\.id)
        #expect(ids.count == 1_200)
        let failed = ids[3]
        let held = ids[1_100]
        try await store.recordStopped(
            jobID: failed, from: .queued, state: .failed, reason: JobReason(.providerRefused, "no"), at: testDate())
        try await store.recordStopped(
            jobID: held, from: .queued, state: .held, reason: JobReason(.quoteOnly, "quote only"),
            notBefore: .distantFuture, at: testDate())

        let asked = Array(ids[0..<5]) + Array(ids[600..<602]) + [held, 9_999_999]
        let states = try await store.unfinishedJobStates(ids: asked)

        #expect(states.count == asked.count - 2, "\(states)")
        #expect(states[failed] == nil)
        #expect(states[9_999_999] == nil)
        #expect(states[held] == .held)
        #expect(states[ids[601]] == .queued)
        #expect(try await store.unfinishedJobStates(ids: []).isEmpty)
        #expect(try await store.unfinishedJobStates(ids: ids).count == 1_199)
    }

    @Test func outputFoldersAreThoseOfPaidAndFetchedJobsOriginals() async throws {
        let dir = try TemporaryDirectory(prefix: "spool-lookup")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let paths = ["/photos/a/1.jpg", "/photos/b/2.jpg", "/photos/c/3.jpg", "/top.jpg"]
        let files = paths.enumerated().map { index, path in
            IntakeFile(
                path: path, size: 1, mtimeNanoseconds: 1, inode: UInt64(index + 1),
                sha256: IntakeFile.fakeSHA256(index, 0), rules: ["edit"])
        }
        let ids = try await store.recordIntake(files, at: testDate()).compactMap(\.id)
        try await store.writer.write { db in
            for (id, state) in zip(ids, ["paid", "fetched", "done", "paid"]) {
                try db.execute(sql: "UPDATE jobs SET state = ? WHERE id = ?", arguments: [state, id])
            }
        }
        #expect(try await store.outputFoldersBeingWritten() == ["/photos/a", "/photos/b", "/"])
    }
}
