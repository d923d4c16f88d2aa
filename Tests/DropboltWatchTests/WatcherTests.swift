import DropboltCore
import DropboltTesting
import DropboltWatch
import Foundation
import Logging
import Synchronization
import Testing

/// Collects what a watcher reports, on a task of its own.
final class WatchRecorder: Sendable {
    private final class ReadyList: Sendable {
        let files = Mutex<[FileReady]>([])
        /// The size of each reported batch, in order.
        let batchSizes = Mutex<[Int]>([])
        /// For each control-folder change reported: whether the first control folder existed when it was handled.
        let controlChanges = Mutex<[Bool]>([])
    }

    let watcher: Watcher
    private let ready = ReadyList()
    private let consumer: Task<Void, Never>

    init(_ configuration: WatcherConfiguration, logger: Logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        async throws
    {
        let watcher = Watcher(configuration: configuration, logger: logger)
        self.watcher = watcher
        let ready = self.ready
        let control = configuration.controlFolders.first
        consumer = Task {
            for await event in watcher.events {
                switch event {
                case .ready(let files):
                    ready.files.withLock { $0.append(contentsOf: files) }
                    ready.batchSizes.withLock { $0.append(files.count) }
                case .controlChanged:
                    let exists = control.map { FileManager.default.fileExists(atPath: $0) } ?? false
                    ready.controlChanges.withLock { $0.append(exists) }
                default: break
                }
            }
        }
        watcher.start()
        try await waitUntil(timeout: .seconds(20), what: "start-up reconcile") { watcher.completedReconciles >= 1 }
    }

    var paths: [String] { ready.files.withLock { $0.map(\.path) } }

    /// The size of each reported batch, in order.
    var batchSizes: [Int] { ready.batchSizes.withLock { $0 } }

    /// Whether the control folder existed at each reported control change, in order.
    var controlChanges: [Bool] { ready.controlChanges.withLock { $0 } }

    func stop() async {
        watcher.stop()
        await consumer.value
    }
}

@Suite(.serialized)
struct WatcherTests {
    /// A burst handed on at once (events drained in one read, or files settling in one sweep) comes in batches of at
    /// most `scanBatchSize`, every file once.
    @Test(arguments: [Duration.zero, .milliseconds(300)])
    func aBurstIsHandedOnInBoundedBatches(settle: Duration) async throws {
        let directory = try TemporaryDirectory(prefix: "watch")
        defer { directory.remove() }
        let root = try directory.makeFolder("root")
        let staging = try directory.makeFolder("staging")
        let names = (0..<200).map { "f\($0).jpg" }
        for name in names { try directory.write("staging/" + name, bytes: 10) }
        let recorder = try await WatchRecorder(
            WatcherConfiguration(roots: [WatchFolder(path: root, recursive: false)], settle: settle, scanBatchSize: 16))
        for name in names { #expect(rename(staging + "/" + name, root + "/" + name) == 0) }
        try await waitUntil(timeout: .seconds(10), what: "every renamed file") { recorder.paths.count >= names.count }
        await recorder.stop()
        #expect(Set(recorder.paths) == Set(names.map { root + "/" + $0 }))
        #expect(recorder.paths.count == names.count)
        #expect(recorder.batchSizes.allSatisfy { $0 <= 16 }, "\(recorder.batchSizes)")
        #expect(recorder.batchSizes.count >= names.count / 16)
    }

    @Test func symbolicLinksLeavingTheRootAreNotFollowed() async throws {
        let directory = try TemporaryDirectory(prefix: "watch")
        defer { directory.remove() }
        let root = try directory.makeFolder("root")
        let outsideFile = try directory.write("outside/secret.jpg", bytes: 100)
        try directory.makeFolder("outside/folder")
        try directory.write("outside/folder/deep.jpg", bytes: 100)
        let insideFile = try directory.write("root/real.jpg", bytes: 100)
        let recorder = try await WatchRecorder(
            WatcherConfiguration(roots: [WatchFolder(path: root, recursive: true)], settle: .zero))
        try FileManager.default.createSymbolicLink(atPath: root + "/escape.jpg", withDestinationPath: outsideFile)
        try FileManager.default.createSymbolicLink(atPath: root + "/linked-folder", withDestinationPath: directory.url("outside/folder"))
        try FileManager.default.createSymbolicLink(atPath: root + "/alias.jpg", withDestinationPath: insideFile)
        try await waitUntil(timeout: .seconds(10), what: "the inside link") { recorder.paths.contains(root + "/alias.jpg") }
        await recorder.stop()
        #expect(!recorder.paths.contains(root + "/escape.jpg"))
        #expect(!recorder.paths.contains { $0.contains("linked-folder") })
        #expect(recorder.paths.contains(root + "/real.jpg"))
    }

    @Test func watchLimitFallsBackToPollingWithAClearLog() async throws {
        let directory = try TemporaryDirectory(prefix: "watch")
        defer { directory.remove() }
        let root = try directory.makeFolder("root")
        for name in ["a", "b", "c", "d"] { try directory.makeFolder("root/\(name)") }
        let records = LogRecords()
        var configuration = WatcherConfiguration(
            roots: [WatchFolder(path: root, recursive: true)], settle: .zero, fallbackPollInterval: .milliseconds(200))
        configuration.watchLimit = 2
        let recorder = try await WatchRecorder(configuration, logger: Logger(label: "test") { _ in InMemoryLogHandler(records: records) })
        try directory.write("root/d/late.jpg", bytes: 100)
        try await waitUntil(timeout: .seconds(10), what: "the polled file") { recorder.paths.contains(root + "/d/late.jpg") }
        await recorder.stop()
        let warning = try #require(records.all.first { $0.message.contains("watch limit") })
        #expect(warning.level == .error)
        #expect(warning.message.contains("fs.inotify.max_user_watches"))
        #expect(warning.metadata["file.path"] == root)
    }

    @Test func deletedAndRecreatedFolderIsWatchedAgain() async throws {
        let directory = try TemporaryDirectory(prefix: "watch")
        defer { directory.remove() }
        let root = try directory.makeFolder("root")
        try directory.makeFolder("root/sub")
        let recorder = try await WatchRecorder(
            WatcherConfiguration(roots: [WatchFolder(path: root, recursive: true)], settle: .zero))
        try directory.write("root/sub/one.jpg", bytes: 10)
        try await waitUntil(timeout: .seconds(10), what: "one.jpg") { recorder.paths.contains(root + "/sub/one.jpg") }
        try FileManager.default.removeItem(atPath: root + "/sub")
        try directory.makeFolder("root/sub")
        try directory.write("root/sub/two.jpg", bytes: 20)
        try await waitUntil(timeout: .seconds(10), what: "two.jpg") { recorder.paths.contains(root + "/sub/two.jpg") }
        // And a file written later, by event, into the recreated folder.
        try directory.write("root/sub/three.jpg", bytes: 30)
        try await waitUntil(timeout: .seconds(10), what: "three.jpg") { recorder.paths.contains(root + "/sub/three.jpg") }
        await recorder.stop()
    }

    @Test func folderRenamedInsideTheRootKeepsReportingUnderItsNewName() async throws {
        let directory = try TemporaryDirectory(prefix: "watch")
        defer { directory.remove() }
        let root = try directory.makeFolder("root")
        try directory.makeFolder("root/old/inner")
        let recorder = try await WatchRecorder(
            WatcherConfiguration(roots: [WatchFolder(path: root, recursive: true)], settle: .zero))
        #expect(rename(root + "/old", root + "/new") == 0)
        try await waitUntil(timeout: .seconds(10), what: "rename handled") { recorder.watcher.completedReconciles >= 1 }
        // Wait for the new name to be watched by writing until a report arrives under it.
        try await waitUntil(timeout: .seconds(10), what: "file under the new name") {
            try directory.write("root/new/inner/x.jpg", bytes: 10)
            return recorder.paths.contains(root + "/new/inner/x.jpg")
        }
        await recorder.stop()
        #expect(!recorder.paths.contains { $0.hasPrefix(root + "/old/") })
    }

    /// The rules folder removed while the watcher was rebuilding its watches (a reload that changed the roots): the
    /// queued events die with the old inotify descriptor, so the rebuild itself must notice; and the folder coming
    /// back, with no watch left on it, is noticed without a SIGHUP.
    @Test func aControlFolderRemovedDuringARebuildAndRecreatedIsReportedBothTimes() async throws {
        let directory = try TemporaryDirectory(prefix: "watch")
        defer { directory.remove() }
        let root = try directory.makeFolder("root")
        let other = try directory.makeFolder("other")
        let rules = try directory.makeFolder("rules")
        try directory.write("rules/a.yaml", contents: "x: 1\n")
        let recorder = try await WatchRecorder(
            WatcherConfiguration(roots: [WatchFolder(path: root, recursive: true)], controlFolders: [rules], settle: .zero))
        recorder.watcher.pauseReading(true)
        try FileManager.default.removeItem(atPath: rules)
        let reconciles = recorder.watcher.completedReconciles
        recorder.watcher.update(roots: [WatchFolder(path: other, recursive: true)])
        try await waitUntil(timeout: .seconds(10), what: "the rebuild") { recorder.watcher.completedReconciles > reconciles }
        recorder.watcher.pauseReading(false)
        try await waitUntil(timeout: .seconds(10), what: "the removal reported") { recorder.controlChanges.contains(false) }
        try directory.write("rules/a.yaml", contents: "x: 2\n")
        try await waitUntil(timeout: .seconds(10), what: "the return reported") { recorder.controlChanges.last == true }
        // Watched again: a later edit arrives as an event.
        let count = recorder.controlChanges.count
        try directory.write("rules/b.yaml", contents: "x: 3\n")
        try await waitUntil(timeout: .seconds(10), what: "the later edit") { recorder.controlChanges.count > count }
        await recorder.stop()
    }
}
