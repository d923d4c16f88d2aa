import DropboltStore
import DropboltTesting
import DropboltWatch
import Foundation
import Testing

@testable import DropboltEngine

/// Files arriving the ways real programs deliver them become exactly one queued job per rule, on real inotify.
@Suite(.serialized)
struct WatchToJobTests {
    /// Files already in place are queued in name order, whatever order the file system lists them in (ext4 lists by
    /// hash): what a person expects of an archive, and the order the store's path index is written fastest in.
    /// Files ready when the walk meets them come folder by folder (its files, then its subfolders); files that had
    /// to settle first (here: just written, with a settle time longer than the daemon takes to start on a busy
    /// machine; 0.3 s was not) come in path order.
    @Test(arguments: [0.0, 2.0])
    func filesFoundByTheStartUpScanAreQueuedInNameOrder(settleSeconds: Double) async throws {
        let harness = try DaemonHarness(settleSeconds: settleSeconds)
        defer { harness.directory.remove() }
        let names = [
            "zebra.jpg", "b/2.jpg", "a.jpg", "b/10.jpg", "b/1.jpg", "m/z/x.jpg", "Q.jpg", "m/a.jpg", "b.jpg", "aa/c.jpg",
        ]
        for (index, name) in names.enumerated() {
            _ = try harness.directory.write("inbox/products/" + name, bytes: 10 + index)
        }
        let daemon = try await harness.start(once: true)
        try await daemon.task.value
        let queued = try await harness.jobs().sorted { ($0.id ?? 0) < ($1.id ?? 0) }.map(\.path)
        let walkOrder = [
            "Q.jpg", "a.jpg", "b.jpg", "zebra.jpg", "aa/c.jpg", "b/1.jpg", "b/10.jpg", "b/2.jpg", "m/a.jpg", "m/z/x.jpg",
        ].map { harness.inbox + "/" + $0 }
        #expect(queued == (settleSeconds == 0 ? walkOrder : walkOrder.sorted()))
    }

    @Test func copiedFileBecomesOneJob() async throws {
        let harness = try DaemonHarness()
        defer { harness.directory.remove() }
        try await harness.withDaemon { daemon in
            let source = try harness.directory.write("outside/photo.jpg", bytes: 4096)
            try FileManager.default.copyItem(atPath: source, toPath: harness.inbox + "/photo.jpg")
            let jobs = try await harness.waitForJobs(1)
            #expect(jobs[0].path == harness.inbox + "/photo.jpg")
            #expect(jobs[0].rule == "products")
            #expect(jobs[0].state == .queued)
        }
    }

    @Test func fileMovedIntoFolderBecomesOneJob() async throws {
        let harness = try DaemonHarness()
        defer { harness.directory.remove() }
        try await harness.withDaemon { daemon in
            let source = try harness.directory.write("outside/moved.png", bytes: 2048)
            #expect(rename(source, harness.inbox + "/moved.png") == 0)
            let jobs = try await harness.waitForJobs(1)
            #expect(jobs[0].path == harness.inbox + "/moved.png")
        }
    }

    @Test func rsyncTempNameThenRenameBecomesOneJobForTheFinalName() async throws {
        let harness = try DaemonHarness()
        defer { harness.directory.remove() }
        try await harness.withDaemon { daemon in
            let temporary = try harness.directory.write("inbox/products/.shot.jpg.Xy12Ab", bytes: 8192)
            #expect(rename(temporary, harness.inbox + "/shot.jpg") == 0)
            let jobs = try await harness.waitForJobs(1)
            #expect(jobs.map(\.path) == [harness.inbox + "/shot.jpg"])
        }
    }

    @Test func fileWrittenRightAfterMkdirIsNotMissed() async throws {
        let harness = try DaemonHarness()
        defer { harness.directory.remove() }
        try await harness.withDaemon { daemon in
            // mkdir -p a/b && write: the file exists before any watch on a/b can; the new-folder scan must find it.
            try FileManager.default.createDirectory(atPath: harness.inbox + "/a/b", withIntermediateDirectories: true)
            try Data(repeating: 7, count: 1000).write(to: URL(fileURLWithPath: harness.inbox + "/a/b/c.jpg"))
            let jobs = try await harness.waitForJobs(1)
            #expect(jobs[0].path == harness.inbox + "/a/b/c.jpg")
            // The new folder is watched too: a later file there arrives by event.
            try Data(repeating: 8, count: 1000).write(to: URL(fileURLWithPath: harness.inbox + "/a/b/d.jpg"))
            try await harness.waitForJobs(2)
        }
    }

    @Test func fileWrittenInChunksOverThreeSecondsYieldsOneJobAfterCompletion() async throws {
        let harness = try DaemonHarness(settleSeconds: 1)
        defer { harness.directory.remove() }
        try await harness.withDaemon { daemon in
            let path = harness.inbox + "/scan.jpg"
            var content = Data()
            // A scanner over SMB: open, append, close, repeatedly, 0.5 s apart for 3 s.
            for chunk in 0..<7 {
                let piece = Data(repeating: UInt8(chunk), count: 64 * 1024)
                content.append(piece)
                if chunk == 0 {
                    try piece.write(to: URL(fileURLWithPath: path))
                } else {
                    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
                    try handle.seekToEnd()
                    try handle.write(contentsOf: piece)
                    try handle.close()
                }
                if chunk < 6 {
                    try await Task.sleep(for: .milliseconds(500))
                    #expect(try await harness.jobs().isEmpty, "a job was queued while the file was still being written")
                }
            }
            let jobs = try await harness.waitForJobs(1)
            #expect(jobs[0].sha256 == sha256Hex(content))
        }
    }

    @Test func hiddenTemporaryAndOutputFilesAreIgnored() async throws {
        let harness = try DaemonHarness()
        defer { harness.directory.remove() }
        try await harness.withDaemon { daemon in
            for name in [
                ".hidden.jpg", "download.jpg.part", "photo.jpg.crdownload", "x.tmp", "~$lock.jpg", "Thumbs.db",
                "cut.nobg.png", "notes.txt",
            ] {
                try harness.directory.write("inbox/products/\(name)", bytes: 512)
            }
            try harness.directory.write("inbox/products/@eaDir/thumb.jpg", bytes: 512)
            // The sentinel comes last: once its job exists, every earlier event has been handled.
            try harness.directory.write("inbox/products/sentinel.jpg", bytes: 512)
            let jobs = try await harness.waitForJobs(1)
            #expect(jobs.map(\.path) == [harness.inbox + "/sentinel.jpg"])
        }
    }

    @Test func twentyThousandFilesAtOnceThroughTheOverflowPathGiveExactlyTwentyThousandJobs() async throws {
        let harness = try DaemonHarness(settleSeconds: 0.5)
        defer { harness.directory.remove() }
        try await harness.withDaemon { daemon in
            // Stop reading so the kernel queue (16384 events) overflows, as it does under a real burst.
            daemon.watcher.pauseReading(true)
            // Into the watched folder itself: 20,000 × (CREATE, CLOSE_WRITE) is far past the 16,384-event queue.
            for index in 0..<20_000 {
                try harness.directory.write("inbox/products/img\(index).jpg", contents: "image \(index)")
            }
            daemon.watcher.pauseReading(false)
            let jobs = try await harness.waitForJobs(20_000, timeout: .seconds(240))
            #expect(Set(jobs.map(\.path)).count == 20_000)
            #expect(daemon.watcher.overflowRecoveries >= 1)
        }
    }

    @Test func filesThatArrivedWhileDownAreQueuedOnRestartAndNothingTwice() async throws {
        let harness = try DaemonHarness()
        defer { harness.directory.remove() }
        try await harness.withDaemon { _ in
            try harness.directory.write("inbox/products/before.jpg", bytes: 1000)
            try await harness.waitForJobs(1)
        }

        try harness.directory.write("inbox/products/while-down-1.jpg", bytes: 1001)
        try harness.directory.write("inbox/captions/while-down-2.jpg", bytes: 1002)
        try await harness.withDaemon { _ in
            let jobs = try await harness.waitForJobs(3)
            #expect(
                Set(jobs.map(\.path)) == [
                    harness.inbox + "/before.jpg", harness.inbox + "/while-down-1.jpg",
                    harness.directory.url("inbox/captions/while-down-2.jpg"),
                ])
        }

        // A third start over an unchanged tree queues nothing; a sentinel proves the scan ran.
        try harness.directory.write("inbox/products/sentinel.jpg", bytes: 1003)
        try await harness.withDaemon { _ in
            try await harness.waitForJobs(4)
        }
    }

    @Test func pollingFindsFilesWithInotifyOff() async throws {
        let harness = try DaemonHarness(extraConfig: "inotify: false\npoll_seconds: 0.2")
        defer { harness.directory.remove() }
        try await harness.withDaemon { daemon in
            try harness.directory.write("inbox/products/polled.jpg", bytes: 700)
            try harness.directory.write("inbox/products/deep/er/polled2.jpg", bytes: 701)
            let jobs = try await harness.waitForJobs(2)
            #expect(Set(jobs.map(\.path)) == [harness.inbox + "/polled.jpg", harness.inbox + "/deep/er/polled2.jpg"])
        }
    }

    @Test func periodicRescanFindsAFileThatNeverProducedACompleteEvent() async throws {
        // A writer that keeps its file open never sends CLOSE_WRITE; only the reconcile scan can find it.
        let harness = try DaemonHarness(settleSeconds: 0.2, rescanMinutes: 0.01)
        defer { harness.directory.remove() }
        try await harness.withDaemon { _ in
            let path = harness.inbox + "/held-open.jpg"
            let descriptor = open(path, O_CREAT | O_WRONLY | O_EXCL, 0o644)
            try #require(descriptor >= 0)
            defer { close(descriptor) }
            let bytes = [UInt8](repeating: 42, count: 4096)
            #expect(write(descriptor, bytes, bytes.count) == bytes.count)
            let jobs = try await harness.waitForJobs(1)
            #expect(jobs[0].path == path)
        }
    }

    @Test func sameContentUnderTwoRulesMakesOneJobPerRule() async throws {
        let both = """
            watch: inbox/products
            action: analyze
            output: "{stem}.alt.txt"
            """
        let harness = try DaemonHarness(rules: ["products": DaemonHarness.productsRule, "alt": both])
        defer { harness.directory.remove() }
        try await harness.withDaemon { daemon in
            try harness.directory.write("inbox/products/two.jpg", bytes: 900)
            let jobs = try await harness.waitForJobs(2)
            #expect(Set(jobs.map(\.rule)) == ["products", "alt"])
            // Touching the file (CLOSE_WRITE, same content) queues nothing new; the sentinel proves it was seen.
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: harness.inbox + "/two.jpg"))
            try handle.close()
            try harness.directory.write("inbox/products/sentinel.jpg", bytes: 901)
            try await harness.waitForJobs(4)
        }
    }

    @Test func changedContentAtTheSamePathIsANewJob() async throws {
        let harness = try DaemonHarness()
        defer { harness.directory.remove() }
        try await harness.withDaemon { daemon in
            try harness.directory.write("inbox/products/edit.jpg", contents: "first")
            try await harness.waitForJobs(1)
            try harness.directory.write("inbox/products/edit.jpg", contents: "second version")
            let jobs = try await harness.waitForJobs(2)
            #expect(jobs[0].sha256 != jobs[1].sha256)
        }
    }
}

func sha256Hex(_ data: Data) -> String {
    let path = NSTemporaryDirectory() + "/dropbolt-hash-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: path, contents: data)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return FileHasher.sha256(ofFileAt: path) ?? ""
}
