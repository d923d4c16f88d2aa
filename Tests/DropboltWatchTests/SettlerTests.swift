import DropboltTesting
import Foundation
import Testing

@testable import DropboltWatch

/// The settler's schedule on an injected clock, with real files (it stats them when their period ends).
@Suite struct SettlerTests {
    /// Files a walk meets a few milliseconds apart settle in one sweep and come out in path order: the sweep waits
    /// a tenth of the quiet period past the first file's end, never less than the period for any file.
    @Test func filesSeenCloseTogetherSettleInOneSweepInPathOrder() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var settler = Settler(settle: .seconds(1))
        let start = ContinuousClock.now
        let names = ["zebra.jpg", "b.jpg", "a.jpg"]
        for (offset, name) in names.enumerated() {
            let path = try directory.write(name, bytes: 8)
            let status = try #require(FileStatus.of(path))
            let readyAtOnce = settler.consider(path, status, cause: .scan, now: start + .milliseconds(offset * 40))
            #expect(!readyAtOnce)
        }
        #expect(settler.nextSweep == start + .milliseconds(1100))

        // A sweep run before it is due (at the first file's end) releases only what has waited its full period.
        settler.sweep(now: start + .milliseconds(1000))
        let first = settler.takeReady().map(\.path)
        #expect(first == [directory.path + "/zebra.jpg"])
        #expect(settler.nextSweep == start + .milliseconds(1040 + 100))

        settler.sweep(now: try #require(settler.nextSweep))
        let rest = settler.takeReady().map(\.path)
        #expect(rest == ["a.jpg", "b.jpg"].map { directory.path + "/" + $0 })
        #expect(settler.isIdle)
        #expect(settler.nextSweep == nil)
    }

    /// The sweep at the scheduled time takes every file that was seen within the margin, sorted by path.
    @Test func scheduledSweepTakesTheWholeWalk() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var settler = Settler(settle: .seconds(2))
        let start = ContinuousClock.now
        for (offset, name) in ["m/z.jpg", "b/1.jpg", "a.jpg", "Q.jpg"].enumerated() {
            let path = try directory.write(name, bytes: 8)
            let status = try #require(FileStatus.of(path))
            settler.consider(path, status, cause: .scan, now: start + .milliseconds(offset * 50))
        }
        settler.sweep(now: try #require(settler.nextSweep))
        let expected = ["Q.jpg", "a.jpg", "b/1.jpg", "m/z.jpg"].map { directory.path + "/" + $0 }
        let ready = settler.takeReady().map(\.path)
        #expect(ready == expected)
    }

    /// A file that changed while it waited starts its period again and is not handed on.
    @Test func changedFileWaitsAgain() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var settler = Settler(settle: .seconds(1))
        let start = ContinuousClock.now
        let path = try directory.write("grow.jpg", bytes: 8)
        settler.consider(path, try #require(FileStatus.of(path)), cause: .scan, now: start)
        _ = try directory.write("grow.jpg", bytes: 16)
        let sweepAt = try #require(settler.nextSweep)
        settler.sweep(now: sweepAt)
        let ready = settler.takeReady()
        #expect(ready.isEmpty)
        #expect(settler.nextSweep == sweepAt + .milliseconds(1100))
    }

    /// After a burst, a batch of one file comes in a buffer sized for one file, not for the burst.
    @Test func aBurstLeavesNoBurstSizedBufferBehind() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("one.jpg", bytes: 8)
        let status = try #require(FileStatus.of(path))
        var settler = Settler(settle: .zero)
        let start = ContinuousClock.now
        for index in 0..<10_000 { settler.consider("\(path).\(index)", status, cause: .event, now: start) }
        let burst = settler.takeReady()
        #expect(burst.count == 10_000)
        settler.consider(path, status, cause: .event, now: start)
        let next = settler.takeReady()
        #expect(next.map(\.path) == [path])
        #expect(next.capacity < 100, "a batch of one file holds room for \(next.capacity)")
    }
}
