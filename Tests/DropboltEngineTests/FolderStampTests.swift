import DropboltStore
import DropboltTesting
import DropboltWatch
import Foundation
import Testing

@testable import DropboltEngine

/// Start-up skips folders unchanged since the last complete reconcile, and still misses nothing.
@Suite(.serialized)
struct FolderStampTests {
    /// Sets a folder's mtime a minute back, as if nothing had happened there for a while.
    static func age(_ path: String) throws {
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: path)
    }

    @Test func unchangedFoldersAreSkippedAndChangedOnesListed() async throws {
        let harness = try DaemonHarness()
        defer { harness.directory.remove() }
        for folder in ["a", "b", "c"] { try harness.directory.write("inbox/products/\(folder)/one.jpg", bytes: 100) }
        try await harness.withDaemon { _ in try await harness.waitForJobs(3) }
        for folder in ["inbox/products/a", "inbox/products/b", "inbox/products/c", "inbox/products", "inbox/captions"] {
            try Self.age(harness.directory.url(folder))
        }
        // Listed once more with quiet folders: from now on they have skippable stamps.
        try await harness.withDaemon { _ in }

        try await harness.withDaemon { daemon in
            let summary = try #require(daemon.watcher.lastReconcile)
            #expect(summary.unchangedFolders == 5)
            #expect(summary.folders == 5)
        }

        // A file arriving while down changes its folder's mtime: that folder is listed, the others are not.
        try harness.directory.write("inbox/products/b/two.jpg", bytes: 101)
        try await harness.withDaemon { daemon in
            let jobs = try await harness.waitForJobs(4)
            #expect(jobs.last?.path == harness.inbox + "/b/two.jpg")
            let summary = try #require(daemon.watcher.lastReconcile)
            #expect(summary.unchangedFolders == 4)
        }
    }

    @Test func aFileRewrittenInPlaceWhileDownIsFoundByThePeriodicRescan() async throws {
        let harness = try DaemonHarness(rescanMinutes: 0.02)
        defer { harness.directory.remove() }
        let path = try harness.directory.write("inbox/products/x/photo.jpg", contents: "first")
        try await harness.withDaemon { _ in try await harness.waitForJobs(1) }
        for folder in ["inbox/products/x", "inbox/products", "inbox/captions"] { try Self.age(harness.directory.url(folder)) }
        try await harness.withDaemon { _ in }

        // Rewritten in place (O_TRUNC): no folder change, so the start-up reconcile skips the folder...
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data("second version".utf8))
        try handle.close()
        try await harness.withDaemon { daemon in
            #expect(daemon.watcher.lastReconcile?.unchangedFolders == 3)
            // ...and the periodic rescan, which never trusts stamps, finds the new content.
            let jobs = try await harness.waitForJobs(2)
            #expect(jobs[0].sha256 != jobs[1].sha256)
        }
    }
}
