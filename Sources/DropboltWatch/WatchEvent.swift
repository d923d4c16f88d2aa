import DropboltCore

/// What the watcher reports to its single consumer.
public enum WatchEvent: Sendable {
    /// Files that settled, in arrival order. Scans report in batches; events one by one.
    case ready([FileReady])
    /// Something changed in a control folder (the rules folder): the consumer reloads.
    case controlChanged(path: String)
    /// A reconcile scan of every root finished (start-up, overflow recovery, rescan, reload).
    case reconciled(ScanSummary)
    /// Every folder of every root as the reconcile just reported saw it, sent after all its files. Keep them
    /// (once those files are recorded) and pass them as ``WatcherConfiguration/folderStamps`` next start.
    case folderStamps([FolderStamp])
}

/// Counts from one reconcile pass over every root.
public struct ScanSummary: Sendable, Hashable {
    /// Why the scan ran.
    public enum Reason: String, Sendable, Hashable {
        /// The first scan after start.
        case startup
        /// The kernel queue overflowed (`IN_Q_OVERFLOW`); every watch was rebuilt.
        case overflow
        /// The periodic `rescan_minutes` pass.
        case periodic
        /// The set of watched roots changed (a rule reload).
        case reload
        /// Asked for by the consumer.
        case requested
    }

    /// Why the scan ran.
    public var reason: Reason
    /// Folders walked.
    public var folders: Int
    /// Of those, folders skipped as unchanged since the last start (their stamp matched).
    public var unchangedFolders: Int = 0
    /// Candidate files seen (after ignore rules and the rule filter).
    public var files: Int
    /// Folders watched with inotify after the scan.
    public var watches: Int

    /// Creates a summary.
    public init(reason: Reason, folders: Int, files: Int, watches: Int) {
        self.reason = reason
        self.folders = folders
        self.files = files
        self.watches = watches
    }
}
