import DropboltCore
import DropboltTesting
import Foundation
import GRDB
import Testing

@testable import DropboltStore

/// `dropbolt scan` loads only the files and jobs under the paths it scans, and the finished content of its rules.
struct ScanLookupTests {
    private static let paths = [
        "/photos/a", "/photos/a/x.jpg", "/photos/a/deep/y.jpg", "/photos/a b/z.jpg", "/photos/a-x/z.jpg",
        "/photos/a0/z.jpg", "/photos/ab/z.jpg", "/photos/b/w.jpg", "/other/v.jpg",
    ]

    private static func file(_ path: String, _ number: Int, rules: [String]) -> IntakeFile {
        IntakeFile(
            path: path, size: Int64(number), mtimeNanoseconds: Int64(number), inode: UInt64(number),
            sha256: IntakeFile.fakeSHA256(number, 0), rules: rules)
    }

    private static func store(in dir: TemporaryDirectory) async throws -> Store {
        let store = try Store.open(stateFolder: dir.path)
        let files = paths.enumerated().map { file($1, $0 + 1, rules: ["edit", "captions"]) }
        _ = try await store.recordIntake(files, at: testDate(0))
        return store
    }

    @Test(arguments: [
        (["/photos/a"], ["/photos/a", "/photos/a/x.jpg", "/photos/a/deep/y.jpg"]),
        (["/photos/a/"], ["/photos/a", "/photos/a/x.jpg", "/photos/a/deep/y.jpg"]),
        (["/photos/a/x.jpg", "/photos/b"], ["/photos/a/x.jpg", "/photos/b/w.jpg"]),
        (["/photos/a b", "/other"], ["/photos/a b/z.jpg", "/other/v.jpg"]),
        (["/"], paths),
        ([], []),
    ])
    func onlyThePathsAndWhatIsInsideThemAreLoaded(scanned: [String], expected: [String]) async throws {
        let dir = try TemporaryDirectory(prefix: "scan-lookup")
        defer { dir.remove() }
        let store = try await Self.store(in: dir)
        let index = try await store.loadFileIndex(under: scanned)
        #expect(Set(Self.paths.filter { index[$0] != nil }) == Set(expected))
        #expect(index.count == expected.count)
        let jobs = try await store.jobStates(under: scanned, rules: ["edit"])
        #expect(Set(jobs.keys.map(\.path)) == Set(expected))
        #expect(jobs.keys.allSatisfy { $0.rule == "edit" } && jobs.values.allSatisfy { $0 == .queued })
    }

    @Test func finishedContentIsTheSelectedRulesDoneJobsAnywhere() async throws {
        let dir = try TemporaryDirectory(prefix: "scan-lookup")
        defer { dir.remove() }
        let store = try await Self.store(in: dir)
        let jobs = try await store.jobStates(under: ["/"], rules: ["edit", "captions"])
        let reason = JobReason(.duplicateSkipped, "test")
        var expected: Set<String> = []
        for (key, _) in jobs where key.path.hasSuffix("z.jpg") || key.path == "/other/v.jpg" {
            let id = try #require(
                try await store.reader.read { db in
                    try Int64.fetchOne(
                        db, sql: "SELECT id FROM jobs WHERE rule = ? AND path = ?", arguments: [key.rule, key.path])
                })
            try await store.recordStopped(jobID: id, from: .queued, state: .done, reason: reason, at: testDate(1))
            if key.rule == "edit" { expected.insert("edit\u{0}" + key.sha256) }
        }
        #expect(expected.count == 5)
        #expect(try await store.doneContent(rules: ["edit"]) == expected)
        #expect(try await store.doneContent(rules: ["nothing"]).isEmpty)
    }
}
