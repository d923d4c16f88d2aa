import DropboltCore

/// Walks the folders below a root: lists each one (or skips it when its stamp says nothing in it changed), hands
/// its files to the watcher, and collects the folder stamps the next start-up may trust.
struct Reconciler {
    /// What a walk asks of the watcher, folder by folder.
    struct Visitor {
        /// Called for each folder before it is listed (to watch it first, so nothing written later is missed).
        var enter: (String) -> Void
        /// Called for each candidate file; returns false while the file is still settling.
        var file: (String, FileStatus) -> Bool
        /// Called for each name that is not valid UTF-8 (it cannot be opened by name).
        var unreadable: (String) -> Void
        /// Called after each listed folder (to hand on a large batch of ready files early).
        var folderDone: () -> Void
    }

    /// Stamps usable by the next stamp-aware walk, by path, and the child folders of each stamped folder.
    private var stamps: [String: FolderStamp] = [:]
    private var stampChildren: [String: [String]] = [:]
    /// Stamps collected by the reconcile in progress (nil when none is collecting).
    private var collecting: [FolderStamp]?

    /// Creates a reconciler trusting `stamps` (stored by an earlier run).
    init(stamps: [FolderStamp]) { adopt(stamps) }

    /// True when there are stamps to trust.
    var hasStamps: Bool { !stamps.isEmpty }

    /// Starts collecting stamps for a full reconcile.
    mutating func beginCollecting() { collecting = [] }

    /// Ends collecting: the collected stamps replace the old ones and are returned, to be stored.
    mutating func finishCollecting() -> [FolderStamp] {
        let collected = collecting ?? []
        collecting = nil
        adopt(collected)
        return collected
    }

    /// Visits every folder from `start` down (only `start` unless `recursive`), counting into `summary`.
    ///
    /// With `useStamps`, a folder whose mtime and inode match its skippable stamp is not listed: its names are the
    /// same, so only its known subfolders are visited.
    mutating func walk(
        rootPath: String, recursive: Bool, from start: String, useStamps: Bool, accepts: (String) -> Bool,
        summary: inout ScanSummary, visitor: Visitor
    ) {
        var stack = [start]
        while let folder = stack.popLast() {
            visitor.enter(folder)
            guard let status = FileStatus.of(folder), status.kind == .directory else { continue }
            let parent = folder == rootPath ? nil : Self.parentFolder(of: folder)
            summary.folders += 1
            if useStamps, let stamp = stamps[folder], stamp.skippable,
                stamp.mtimeNanoseconds == status.mtimeNanoseconds,
                stamp.inode == status.inode
            {
                summary.unchangedFolders += 1
                collecting?.append(stamp)
                if recursive { stack.append(contentsOf: (stampChildren[folder] ?? []).reversed()) }
                continue
            }
            let listing = DirectoryScanner.list(folder, accepts: accepts)
            summary.files += listing.files.count
            // Not skippable while it holds names we cannot use: each start reports them again.
            var everyFileSettled = listing.unreadableNames.isEmpty
            for name in listing.unreadableNames { visitor.unreadable(name) }
            for entry in listing.files where !visitor.file(entry.path, entry.status) { everyFileSettled = false }
            collecting?.append(
                FolderStamp(
                    path: folder, parent: parent, mtimeNanoseconds: status.mtimeNanoseconds, inode: status.inode,
                    skippable: everyFileSettled && Settler.isQuietSince(status, for: .seconds(2), mtimeOnly: true)))
            // Reversed onto the stack, so the walk goes down in name order.
            if recursive { stack.append(contentsOf: listing.folders.reversed()) }
            visitor.folderDone()
        }
    }

    private mutating func adopt(_ list: [FolderStamp]) {
        stamps = Dictionary(list.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        stampChildren = [:]
        for stamp in list { if let parent = stamp.parent { stampChildren[parent, default: []].append(stamp.path) } }
        for parent in stampChildren.keys { stampChildren[parent]?.sort() }
    }

    private static func parentFolder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
