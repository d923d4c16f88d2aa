import DropboltCore
import Glibc
import Synchronization

/// What the watcher thread and the rest of the process share: the stop flag, pending commands, the output stream
/// and a wake-up pipe that interrupts the thread's `poll(2)`.
final class WatcherShared: Sendable {
    private struct Commands {
        var newRoots: [WatchFolder]?
        var rescan = false
    }

    private let stopped = Atomic<Bool>(false)
    private let readingPaused = Atomic<Bool>(false)
    private let overflowCount = Atomic<Int>(0)
    private let reconcileCount = Atomic<Int>(0)
    private let loopTurns = Atomic<Int>(0)
    private let latestSummary = Mutex<ScanSummary?>(nil)
    private let commands = Mutex(Commands())
    private let continuation: AsyncStream<WatchEvent>.Continuation
    private let wakeReader: Int32
    private let wakeWriter: Int32

    init(continuation: AsyncStream<WatchEvent>.Continuation) {
        self.continuation = continuation
        var descriptors: [Int32] = [-1, -1]
        if pipe(&descriptors) == 0 {
            for descriptor in descriptors {
                _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
                _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            }
        } else {
            descriptors = [-1, -1]
        }
        wakeReader = descriptors[0]
        wakeWriter = descriptors[1]
    }

    deinit {
        if wakeReader >= 0 { close(wakeReader) }
        if wakeWriter >= 0 { close(wakeWriter) }
    }

    var isStopped: Bool { stopped.load(ordering: .acquiring) }

    var isReadingPaused: Bool { readingPaused.load(ordering: .acquiring) }

    var overflows: Int { overflowCount.load(ordering: .relaxed) }

    func setReadingPaused(_ paused: Bool) {
        readingPaused.store(paused, ordering: .releasing)
        wake()
    }

    var reconciles: Int { reconcileCount.load(ordering: .acquiring) }

    /// How many times the watcher thread went round its loop (at least once a second while it is alive).
    var turns: Int { loopTurns.load(ordering: .relaxed) }

    func countTurn() { loopTurns.add(1, ordering: .relaxed) }

    var lastSummary: ScanSummary? { latestSummary.withLock { $0 } }

    func countReconcile(_ summary: ScanSummary) {
        latestSummary.withLock { $0 = summary }
        reconcileCount.add(1, ordering: .releasing)
    }

    func countOverflow() {
        overflowCount.add(1, ordering: .relaxed)
    }

    func stop() {
        stopped.store(true, ordering: .releasing)
        wake()
    }

    func replaceRoots(_ roots: [WatchFolder]) {
        commands.withLock { $0.newRoots = roots }
        wake()
    }

    func requestRescan() {
        commands.withLock { $0.rescan = true }
        wake()
    }

    func takeNewRoots() -> [WatchFolder]? {
        commands.withLock { commands in
            defer { commands.newRoots = nil }
            return commands.newRoots
        }
    }

    func takeRescanRequest() -> Bool {
        commands.withLock { commands in
            defer { commands.rescan = false }
            return commands.rescan
        }
    }

    func yield(_ event: WatchEvent) {
        continuation.yield(event)
    }

    func finish() {
        continuation.finish()
    }

    /// Blocks until the inotify descriptor is readable, someone calls ``wake()``, or `milliseconds` pass.
    func wait(inotifyDescriptor: Int32?, milliseconds: Int32) {
        var descriptors = [pollfd(fd: wakeReader, events: Int16(POLLIN), revents: 0)]
        if let inotifyDescriptor, !isReadingPaused { descriptors.append(pollfd(fd: inotifyDescriptor, events: Int16(POLLIN), revents: 0)) }
        _ = poll(&descriptors, nfds_t(descriptors.count), milliseconds)
        if descriptors[0].revents != 0 {
            var buffer = [UInt8](repeating: 0, count: 64)
            while read(wakeReader, &buffer, buffer.count) > 0 {}
        }
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWriter, &byte, 1)
    }
}
