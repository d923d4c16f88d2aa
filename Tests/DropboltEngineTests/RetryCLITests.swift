import DropboltCore
import DropboltStore
import DropboltTesting
import Foundation
import Testing

/// `dropbolt retry --failed` through the real binary: every failed job is queued again, newest first, and nothing
/// else is touched.
@Suite("dropbolt retry")
struct RetryCLITests {
    @Test func everyFailedJobIsQueuedAgainAndNothingElse() async throws {
        let harness = try DaemonHarness()
        defer { harness.directory.remove() }
        let store = try Store.open(stateFolder: try harness.configuration().stateFolder)
        let files = (1...3).map { number in
            IntakeFile(
                path: harness.directory.url("inbox/captions/\(number).jpg"), size: 1, mtimeNanoseconds: 1,
                inode: UInt64(number), sha256: String(repeating: "\(number)", count: 64), rules: ["captions"])
        }
        let ids = try await store.recordIntake(files, at: Date()).compactMap(\.id)
        #expect(ids.count == 3)
        for id in [ids[0], ids[2]] {
            try await store.recordStopped(
                jobID: id, from: .queued, state: .failed, reason: JobReason(.providerRefused, "no"), at: Date())
        }
        try store.close()

        let retried = try ScanCLI.run(["retry", "--failed", "--json", "--config", harness.configPath])

        #expect(retried.status == 0, "\(retried.output)")
        struct Report: Decodable {
            var requeued: [Int64]
            var refused: [Int64]
        }
        let report = try JSONDecoder().decode(Report.self, from: Data(retried.output.utf8))
        #expect(report.requeued == [ids[2], ids[0]])
        #expect(report.refused.isEmpty)
        let jobs = try await harness.jobs()
        #expect(jobs.map(\.state) == [.queued, .queued, .queued])
        #expect(jobs[1].attempts == 0)
    }
}
