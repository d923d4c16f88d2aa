import DropboltStore
import DropboltTesting
import DropboltWatch
import Foundation
import Testing

@testable import DropboltEngine

/// Rule files change under a running daemon: reloads take effect, a broken file disables only its own rule.
@Suite(.serialized)
struct RuleReloadTests {
    @Test func brokenRuleFileDisablesOnlyThatRule() async throws {
        let harness = try DaemonHarness(rules: [
            "products": DaemonHarness.productsRule,
            "broken": "watch: inbox/captions\naction: paint\n",
        ])
        defer { harness.directory.remove() }
        let report = try await StatusReport.load(configuration: try harness.configuration())
        #expect(report.rules.enabled == ["products"])
        #expect(report.rules.problems.count == 1)
        #expect(report.rules.problems.first?.contains("broken.yaml:2:9") == true)

        try await harness.withDaemon { daemon in
            try harness.directory.write("inbox/captions/ignored.jpg", bytes: 300)
            try harness.directory.write("inbox/products/works.jpg", bytes: 301)
            let jobs = try await harness.waitForJobs(1)
            #expect(jobs.map(\.rule) == ["products"])
        }
    }

    @Test func ruleAddedAtRunTimeWatchesItsFolderAndSkipsFilesThatPredateIt() async throws {
        let harness = try DaemonHarness(rules: ["products": DaemonHarness.productsRule])
        defer { harness.directory.remove() }
        try harness.directory.write("inbox/archive/old.jpg", bytes: 400)
        try await harness.withDaemon { daemon in
            let reconcilesBefore = daemon.watcher.completedReconciles

            try harness.directory.write("rules/archive.yaml", contents: "watch: inbox/archive\naction: analyze\n")
            try await waitUntil(timeout: .seconds(20), what: "rescan after the reload") {
                daemon.watcher.completedReconciles > reconcilesBefore
            }
            try harness.directory.write("inbox/archive/new.jpg", bytes: 401)
            let jobs = try await harness.waitForJobs(1)
            #expect(jobs.map(\.path) == [harness.directory.url("inbox/archive/new.jpg")])
            #expect(jobs.map(\.rule) == ["archive"])
        }
    }

    @Test func runOnceQueuesWhatArrivedAndExits() async throws {
        let harness = try DaemonHarness()
        defer { harness.directory.remove() }
        try harness.directory.write("inbox/products/a.jpg", bytes: 10)
        try harness.directory.write("inbox/products/sub/b.png", bytes: 11)
        // Old enough to need no quiet period: set the times a minute back.
        for path in ["inbox/products/a.jpg", "inbox/products/sub/b.png"] {
            try FileManager.default.setAttributes(
                [.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: harness.directory.url(path))
        }
        let daemon = try await harness.start(once: true)
        try await daemon.task.value
        #expect(Set(try await harness.jobs().map(\.path)) == [harness.inbox + "/a.jpg", harness.inbox + "/sub/b.png"])
    }
}
