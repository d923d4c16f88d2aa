import CInotifyTools
import DropboltCore
import Glibc
import Logging
import Synchronization

extension String {
    fileprivate var trimmingWhitespace: String {
        String(self.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}

/// The watcher's loop, owned by its one thread: every libinotifytools call happens here.
///
/// It reads events, keeps the watches (``WatchTable``), lets files settle (``Settler``), walks folders at start-up,
/// after an overflow, on a rescan and when polling (``Reconciler``), and runs the timers that drive all of it.
final class WatchLoop {
    private let configuration: WatcherConfiguration
    private let shared: WatcherShared
    private let logger: Logger
    private let clock = ContinuousClock()

    private var roots: [WatchFolder] = []
    private var resolvedRootPaths: [String] = []
    private var inotifyDescriptor: Int32?
    private var table = WatchTable()
    private var settler: Settler
    private var reconciler: Reconciler
    private var pollRoots: Set<Int> = []
    private var missingRoots: Set<Int> = []
    private var overflowed = false
    private var nextPoll: ContinuousClock.Instant?
    private var nextRescan: ContinuousClock.Instant?
    private var nextMissingRootCheck: ContinuousClock.Instant?
    /// What the control folders held when last looked at (nil before the first look).
    private var controlSignature: [String: Int64]?
    private var nextControlPoll: ContinuousClock.Instant?

    init(configuration: WatcherConfiguration, shared: WatcherShared, logger: Logger) {
        self.configuration = configuration
        self.shared = shared
        self.logger = logger
        self.roots = Self.normalize(configuration.roots)
        self.settler = Settler(settle: configuration.settle)
        self.reconciler = Reconciler(stamps: configuration.folderStamps)
    }

    /// Runs until ``WatcherShared/stop()``; holds the library for the whole time.
    func run() {
        InotifyLibrary.ownership.withLock { _ in
            rebuild(reason: .startup)
            while !shared.isStopped {
                shared.countTurn()
                if let newRoots = shared.takeNewRoots() {
                    roots = Self.normalize(newRoots)
                    rebuild(reason: .reload)
                }
                if shared.takeRescanRequest() { rescan(reason: .requested) }
                drainEvents()
                if overflowed {
                    shared.countOverflow()
                    logger.warning("inotify queue overflowed; rebuilding watches and rescanning")
                    rebuild(reason: .overflow)
                }
                maintain()
                flush()
                if configuration.oneShot && settler.isIdle { break }
                waitForWork()
            }
            if inotifyDescriptor != nil { InotifyLibrary.cleanup() }
            inotifyDescriptor = nil
        }
        shared.finish()
    }

    // MARK: Roots, watches and scans

    /// Drops duplicate roots and roots inside a recursive root (one watch per folder is enough).
    static func normalize(_ roots: [WatchFolder]) -> [WatchFolder] {
        var merged: [String: Bool] = [:]
        for root in roots { merged[root.path, default: false] = merged[root.path, default: false] || root.recursive }
        let recursive = merged.filter(\.value).map(\.key)
        return merged.filter { path, _ in
            !recursive.contains { other in other != path && path.hasPrefix(other == "/" ? "/" : other + "/") }
        }
        .map { WatchFolder(path: $0.key, recursive: $0.value) }
        .sorted { $0.path < $1.path }
    }

    /// Starts inotify afresh, watches every root and the control folders, and reconciles everything.
    private func rebuild(reason: ScanSummary.Reason) {
        if inotifyDescriptor != nil { InotifyLibrary.cleanup() }
        inotifyDescriptor = nil
        table.removeAll()
        overflowed = false
        pollRoots = []
        missingRoots = []
        resolvedRootPaths = roots.map { Self.resolve($0.path) ?? $0.path }
        if configuration.useInotify {
            inotifyDescriptor = InotifyLibrary.initialize()
            if inotifyDescriptor == nil {
                logger.error(
                    "inotify could not be started; polling every root",
                    metadata: ["error": "\(Errno(rawValue: InotifyLibrary.lastError))"])
            }
        }
        if inotifyDescriptor == nil { pollRoots = Set(roots.indices) }
        for folder in configuration.controlFolders { watchControlFolder(folder) }
        // Events queued on the old descriptor are gone: a rules folder emptied or removed between the consumer's
        // last reload and this rebuild would otherwise go unnoticed.
        let signature = Self.signature(of: configuration.controlFolders)
        if let previous = controlSignature, previous != signature {
            shared.yield(.controlChanged(path: configuration.controlFolders[0]))
        }
        controlSignature = signature
        let now = clock.now
        nextPoll = pollInterval.map { now + $0 }
        nextRescan = configuration.rescanInterval.map { now + $0 }
        reconcile(reason: reason, watch: true)
    }

    /// Walks every root (adding missing watches when `watch` is true) and reports a summary.
    private func rescan(reason: ScanSummary.Reason) {
        reconcile(reason: reason, watch: true)
    }

    private func reconcile(reason: ScanSummary.Reason, watch: Bool) {
        var summary = ScanSummary(reason: reason, folders: 0, files: 0, watches: 0)
        // Only the start-up reconcile trusts stamps: after an overflow or on a periodic rescan every file is
        // stat'ed again, which also catches files rewritten in place.
        let useStamps = reason == .startup && reconciler.hasStamps
        reconciler.beginCollecting()
        for index in roots.indices {
            guard Self.isFolder(roots[index].path) else {
                if !missingRoots.contains(index) {
                    logger.warning("watched folder is missing; waiting for it", metadata: ["file.path": "\(roots[index].path)"])
                }
                missingRoots.insert(index)
                continue
            }
            missingRoots.remove(index)
            walk(
                root: index, from: roots[index].path, cause: .scan, addWatches: watch, useStamps: useStamps,
                summary: &summary)
        }
        summary.watches = table.count
        flush()
        let collected = reconciler.finishCollecting()
        shared.yield(.folderStamps(collected))
        shared.yield(.reconciled(summary))
        shared.countReconcile(summary)
        logger.debug(
            "reconcile scan finished",
            metadata: [
                "scan.reason": "\(reason.rawValue)", "scan.folders": "\(summary.folders)",
                "scan.files": "\(summary.files)", "scan.watches": "\(summary.watches)",
                "scan.unchanged_folders": "\(summary.unchangedFolders)",
            ])
    }

    /// Watches (when asked) then lists each folder below `start`: a watch first, so nothing written after the
    /// listing is missed; files seen by both are merged by the settler and the intake.
    private func walk(
        root: Int, from start: String, cause: FileReady.Cause, addWatches: Bool, useStamps: Bool = false,
        summary: inout ScanSummary
    ) {
        let watchFolders = addWatches && !pollRoots.contains(root)
        let visitor = Reconciler.Visitor(
            enter: { folder in if watchFolders { self.addWatch(folder, root: root) } },
            file: { path, status in self.consider(path, status, root: root, cause: cause) },
            unreadable: { name in
                self.logger.warning(
                    "file name is not valid UTF-8; dropbolt cannot read it: rename it to queue it",
                    metadata: ["file.path": "\(name)"])
            },
            folderDone: { if self.settler.ready.count >= self.configuration.scanBatchSize { self.flush() } })
        reconciler.walk(
            rootPath: roots[root].path, recursive: roots[root].recursive, from: start, useStamps: useStamps,
            accepts: configuration.accepts, summary: &summary, visitor: visitor)
    }

    private func addWatch(_ folder: String, root: Int) {
        guard let descriptor = inotifyDescriptor, !pollRoots.contains(root) else { return }
        switch table.add(folder, root: root, inotifyDescriptor: descriptor, limit: configuration.watchLimit) {
        case .watched:
            break
        case .limitReached:
            fallBackToPolling(root: root)
        case .vanished(let error):
            logger.debug("folder not watched", metadata: ["file.path": "\(folder)", "error": "\(error)"])
        case .failed(let error):
            logger.warning("folder not watched", metadata: ["file.path": "\(folder)", "error": "\(error)"])
        }
    }

    /// The kernel's per-user watch limit is reached: this root is polled from now on, never dropped.
    private func fallBackToPolling(root: Int) {
        guard !pollRoots.contains(root) else { return }
        pollRoots.insert(root)
        removeWatches(under: roots[root].path)
        let limit = Self.readNumber("/proc/sys/fs/inotify/max_user_watches").map(String.init) ?? "unknown"
        let interval = pollInterval ?? configuration.fallbackPollInterval
        logger.error(
            "inotify watch limit reached; polling this folder instead. Raise the limit with: sysctl -w fs.inotify.max_user_watches=<higher> (and persist it in /etc/sysctl.d/)",
            metadata: [
                "file.path": "\(roots[root].path)", "fs.inotify.max_user_watches": "\(limit)",
                "poll.seconds": "\(interval.components.seconds)",
            ])
        if nextPoll == nil { nextPoll = clock.now + interval }
    }

    private func watchControlFolder(_ folder: String) {
        guard let descriptor = inotifyDescriptor else { return }
        table.addControl(folder, inotifyDescriptor: descriptor)
    }

    private func removeWatches(under path: String) {
        table.remove(under: path)
        settler.forget(under: path)
    }

    private var pollInterval: Duration? {
        if let interval = configuration.pollInterval { return interval }
        return pollRoots.isEmpty ? nil : configuration.fallbackPollInterval
    }

    // MARK: Events

    private func drainEvents() {
        guard inotifyDescriptor != nil, !shared.isReadingPaused else { return }
        while !overflowed, let event = InotifyLibrary.nextEventNow() {
            handle(event.pointee, name: String(cString: dropbolt_inotify_event_name(event)))
        }
    }

    private func handle(_ event: inotify_event, name: String) {
        let mask = event.mask
        if mask & UInt32(IN_Q_OVERFLOW) != 0 {
            overflowed = true
            return
        }
        if mask & UInt32(IN_IGNORED) != 0 {
            table.forget(event.wd)
            return
        }
        guard let folder = table.entry(event.wd) else { return }
        if folder.isControl {
            flush()
            controlSignature = Self.signature(of: configuration.controlFolders)
            shared.yield(.controlChanged(path: name.isEmpty ? folder.path : folder.path + "/" + name))
            return
        }
        if mask & (UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF)) != 0 {
            if folder.path == roots[folder.root].path {
                logger.warning("watched folder was removed or moved; waiting for it", metadata: ["file.path": "\(folder.path)"])
                removeWatches(under: folder.path)
                missingRoots.insert(folder.root)
            }
            return
        }
        guard !name.isEmpty else { return }
        let path = folder.path + "/" + name
        if mask & UInt32(IN_ISDIR) != 0 {
            if mask & UInt32(IN_MOVED_FROM) != 0 {
                removeWatches(under: path)
            } else if mask & (UInt32(IN_CREATE) | UInt32(IN_MOVED_TO)) != 0, roots[folder.root].recursive,
                !IgnoreList.isIgnoredFolderName(name)
            {
                // A new folder: watch it, then scan it, since files may already be inside (mkdir -p a/b && write).
                var summary = ScanSummary(reason: .requested, folders: 0, files: 0, watches: 0)
                walk(root: folder.root, from: path, cause: .scan, addWatches: true, summary: &summary)
            }
            return
        }
        if mask & (UInt32(IN_DELETE) | UInt32(IN_MOVED_FROM)) != 0 {
            settler.forget(path)
            return
        }
        guard !IgnoreList.isIgnoredFileName(name), configuration.accepts(path),
            let status = FileStatus.of(path)
        else { return }
        if mask & UInt32(IN_CREATE) != 0 {
            // Links never get CLOSE_WRITE; ordinary new files wait for it.
            guard status.kind == .symbolicLink || (status.kind == .regular && status.linkCount > 1) else { return }
        }
        consider(path, status, root: folder.root, cause: .event)
    }

    // MARK: Settling

    /// Hands a file to the settler, following a symbolic link only to a regular file inside the root it was found
    /// in. Returns false when the file is left settling.
    @discardableResult
    private func consider(_ path: String, _ found: FileStatus, root: Int, cause: FileReady.Cause) -> Bool {
        var status = found
        if status.kind == .symbolicLink {
            guard let target = Self.resolve(path), PathNames.isAtOrInside(target, resolvedRootPaths[root]),
                let targetStatus = FileStatus.of(path, followLinks: true), targetStatus.kind == .regular
            else { return true }
            status = targetStatus
        }
        guard status.kind == .regular else { return true }
        return settler.consider(path, status, cause: cause, now: clock.now)
    }

    // MARK: Timers

    private func maintain() {
        let now = clock.now
        if let due = settler.nextSweep, due <= now { settler.sweep(now: now) }
        if let due = nextPoll, due <= now, let interval = pollInterval {
            let polled = configuration.pollInterval != nil ? Set(roots.indices) : pollRoots
            var summary = ScanSummary(reason: .requested, folders: 0, files: 0, watches: 0)
            for index in polled.sorted() where !missingRoots.contains(index) && Self.isFolder(roots[index].path) {
                walk(root: index, from: roots[index].path, cause: .poll, addWatches: false, summary: &summary)
            }
            nextPoll = clock.now + interval
        }
        if let due = nextRescan, due <= now, let interval = configuration.rescanInterval {
            rescan(reason: .periodic)
            nextRescan = clock.now + interval
        }
        if !missingRoots.isEmpty, nextMissingRootCheck.map({ $0 <= now }) ?? true {
            nextMissingRootCheck = now + .seconds(2)
            for index in missingRoots.sorted() where Self.isFolder(roots[index].path) {
                missingRoots.remove(index)
                logger.info("watched folder is back", metadata: ["file.path": "\(roots[index].path)"])
                var summary = ScanSummary(reason: .requested, folders: 0, files: 0, watches: 0)
                walk(root: index, from: roots[index].path, cause: .scan, addWatches: true, summary: &summary)
            }
        }
        // Without inotify, or while a control folder is gone (its watch went with it), look at it every second.
        let unwatchedControl = configuration.controlFolders.filter { !table.watchesControl($0) }
        if !unwatchedControl.isEmpty, nextControlPoll.map({ $0 <= now }) ?? true {
            nextControlPoll = now + .seconds(1)
            for folder in unwatchedControl where Self.isFolder(folder) { watchControlFolder(folder) }
            let signature = Self.signature(of: configuration.controlFolders)
            if signature != controlSignature {
                controlSignature = signature
                shared.yield(.controlChanged(path: configuration.controlFolders[0]))
            }
        }
    }

    /// Hands on the ready files in batches of at most ``WatcherConfiguration/scanBatchSize``: the intake holds a
    /// batch's hashes, rows and new jobs at once, and a burst drained in one read (10,000 renames) or settled in
    /// one sweep was one batch, so its peak memory depended on how many files arrived between two reads.
    private func flush() {
        guard !settler.ready.isEmpty else { return }
        let ready = settler.takeReady()
        var start = ready.startIndex
        while start < ready.endIndex {
            let end = min(start + configuration.scanBatchSize, ready.endIndex)
            shared.yield(.ready(Array(ready[start..<end])))
            start = end
        }
    }

    /// Sleeps in `poll(2)` until an event, a wake-up from ``Watcher`` or the next deadline.
    private func waitForWork() {
        let now = clock.now
        var deadline = now + .seconds(1)
        for candidate in [settler.nextSweep, nextPoll, nextRescan] {
            if let candidate, candidate < deadline { deadline = candidate }
        }
        if !missingRoots.isEmpty { deadline = min(deadline, now + .milliseconds(500)) }
        let milliseconds = max(0, Int32((deadline - now) / .milliseconds(1)) + 1)
        shared.wait(inotifyDescriptor: inotifyDescriptor, milliseconds: milliseconds)
    }

    // MARK: Helpers

    private static func resolve(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func isFolder(_ path: String) -> Bool {
        FileStatus.of(path, followLinks: true)?.kind == .directory
    }

    private static func readNumber(_ path: String) -> Int? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = read(descriptor, &buffer, buffer.count)
        guard count > 0 else { return nil }
        return Int(String(decoding: buffer[0..<count], as: UTF8.self).trimmingWhitespace)
    }

    /// Names and mtimes of the files in the control folders, and whether each folder exists (an empty folder and a
    /// missing one load differently), to notice changes without inotify.
    private static func signature(of folders: [String]) -> [String: Int64] {
        var result: [String: Int64] = [:]
        for folder in folders {
            result[folder] = isFolder(folder) ? 1 : 0
            let listing = DirectoryScanner.list(folder) { _ in true }
            for entry in listing.files { result[entry.path] = entry.status.mtimeNanoseconds ^ entry.status.size }
        }
        return result
    }
}
