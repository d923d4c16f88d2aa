import DropboltCore

/// Everything the ``Watcher`` needs to know, fixed for its lifetime except the roots (see ``Watcher/update(roots:)``).
public struct WatcherConfiguration: Sendable {
    /// The folders to watch; nested and duplicate roots are fine.
    public var roots: [WatchFolder]
    /// Folders whose changes are reported as ``WatchEvent/controlChanged(path:)`` (the rules folder), not settled.
    public var controlFolders: [String]
    /// Quiet period before a file counts as complete. Zero reports a file on its first complete event.
    public var settle: Duration
    /// Polling interval for every root, or nil for inotify alone. Roots that fall back to polling use
    /// ``fallbackPollInterval`` when this is nil.
    public var pollInterval: Duration?
    /// Polling interval for roots that lost inotify (watch limit reached) when ``pollInterval`` is nil.
    public var fallbackPollInterval: Duration
    /// Interval of the periodic reconcile scan, or nil for none.
    public var rescanInterval: Duration?
    /// False watches nothing with inotify: every root is polled.
    public var useInotify: Bool
    /// Called on the watcher thread for every file name that passed the default ignores; false drops the file.
    /// The engine answers from its current rule set (extension globs, excludes, output names).
    public var accepts: @Sendable (String) -> Bool
    /// The most ready files in one ``WatchEvent/ready(_:)`` batch: a scan hands on a batch once it has this many,
    /// and a burst of events or of files settling together is split into batches of this size.
    public var scanBatchSize: Int
    /// Folder stamps from the last complete reconcile (see ``FolderStamp``), used by the start-up reconcile only.
    public var folderStamps: [FolderStamp]
    /// At most this many inotify watches; past it a root falls back to polling exactly as when the kernel's
    /// `fs.inotify.max_user_watches` is reached (nil: only the kernel's limit). Lets tests reach that path.
    public var watchLimit: Int?
    /// Reconcile once, wait for the files still settling, then finish ``Watcher/events`` (`dropbolt run --once`).
    public var oneShot: Bool

    /// Creates a configuration; only `roots` is required.
    ///
    /// - Parameters:
    ///   - roots: folders to watch.
    ///   - controlFolders: folders reported as a whole on any change (default none).
    ///   - settle: quiet period (default 2 s).
    ///   - pollInterval: poll every root this often (default nil: no polling).
    ///   - fallbackPollInterval: poll interval for roots that lost inotify (default 30 s).
    ///   - rescanInterval: periodic reconcile (default 60 minutes).
    ///   - useInotify: false polls only (default true).
    ///   - accepts: file filter called on the watcher thread (default: everything).
    ///   - scanBatchSize: the most files in one reported batch (default 512).
    ///   - oneShot: stop after the start-up reconcile has settled (default false).
    public init(
        roots: [WatchFolder],
        controlFolders: [String] = [],
        settle: Duration = .seconds(2),
        pollInterval: Duration? = nil,
        fallbackPollInterval: Duration = .seconds(30),
        rescanInterval: Duration? = .seconds(3600),
        useInotify: Bool = true,
        accepts: @escaping @Sendable (String) -> Bool = { _ in true },
        scanBatchSize: Int = 512,
        oneShot: Bool = false
    ) {
        self.roots = roots
        self.controlFolders = controlFolders
        self.settle = settle
        self.pollInterval = pollInterval
        self.fallbackPollInterval = fallbackPollInterval
        self.rescanInterval = rescanInterval
        self.useInotify = useInotify
        self.accepts = accepts
        self.scanBatchSize = scanBatchSize
        self.oneShot = oneShot
        self.watchLimit = nil
        self.folderStamps = []
    }
}
