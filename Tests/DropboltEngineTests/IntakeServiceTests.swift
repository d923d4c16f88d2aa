import DropboltCore
import DropboltStore
import DropboltTesting
import DropboltWatch
import Logging
import Synchronization
import Testing

@testable import DropboltEngine

/// The intake service on a real store and a real (polling, one-shot) scan of a temp folder.
@Suite struct IntakeServiceTests {
    /// Free memory is given back after each large batch and never for a small one: a scan of 300 files in one folder
    /// is one batch of 300, and of 100 files one batch of 100.
    @Test(arguments: [(files: 300, giveBacks: 1), (files: 100, giveBacks: 0)])
    func freeMemoryIsGivenBackAfterLargeBatches(files: Int, giveBacks: Int) async throws {
        let harness = try DaemonHarness()
        defer { harness.directory.remove() }
        for index in 0..<files { _ = try harness.directory.write("inbox/products/\(index).jpg", bytes: 8 + index) }
        let configuration = try harness.configuration()
        let ruleBook = RuleBook(configuration: configuration)
        let watcher = Watcher(
            configuration: WatcherConfiguration(
                roots: ruleBook.ruleSet.watchFolders, settle: .zero, useInotify: false,
                accepts: { ruleBook.accepts($0) }, oneShot: true),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let calls = Atomic(0)
        var service = IntakeService(
            watcher: watcher, store: try Store.open(stateFolder: configuration.stateFolder), ruleBook: ruleBook,
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        service.giveBackMemory = { calls.add(1, ordering: .relaxed) }
        watcher.start()
        try await service.run()
        #expect(try await harness.jobs().count == files)
        #expect(calls.load(ordering: .relaxed) == giveBacks)
    }
}
