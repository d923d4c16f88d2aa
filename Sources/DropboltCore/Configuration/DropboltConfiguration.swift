import Foundation

/// The daemon's settings, loaded once from `dropbolt.yaml` and passed down explicitly.
///
/// Every path is absolute: relative paths in the file are resolved against the file's folder.
/// ```swift
/// let path = DropboltConfiguration.locate(explicit: options.config, environment: env, currentDirectory: cwd)
/// let configuration = try DropboltConfiguration.load(path: path ?? "dropbolt.yaml")
/// ```
/// See ``load(path:environment:)`` for every key, its type and its default.
public struct DropboltConfiguration: Sendable {
    /// Absolute path of the file the configuration was loaded from.
    public var configFile: String
    /// Absolute path of the folder of rule files (key `rules`, default `rules` beside the config file).
    public var rulesFolder: String
    /// Absolute path of the folder for the database and spool (key `state`).
    public var stateFolder: String
    /// The paid API to call.
    public var provider: Provider
    /// How to pay; nil means quote-only mode (never pays, logs the price).
    public var wallet: WalletSettings?
    /// Spending limits.
    public var budget: Budget
    /// How many files are processed at once (1...16).
    public var workers: Int
    /// Quiet period before a file counts as completely written.
    public var settleSeconds: Double
    /// Interval for polling watched folders; 0 means no polling.
    public var pollSeconds: Double
    /// Interval for the periodic reconcile scan; 0 means no periodic scan.
    public var rescanMinutes: Double
    /// Whether to use inotify; false means polling only.
    public var inotify: Bool
    /// `host:port` of the status endpoint, or nil when it is disabled.
    public var http: String?
    /// Whether ``http`` may listen on an address other than loopback (`http_public: true`).
    public var httpPublic: Bool

    /// The folder holding ``configFile``, against which relative paths are resolved.
    public var configFolder: String { PathNames.folder(of: configFile) }

    /// A configuration with every default, as if `configFile` were an empty mapping.
    ///
    /// - Parameters:
    ///   - configFile: path of the config file; relative paths are taken from the current directory.
    ///   - environment: consulted for `XDG_STATE_HOME` and `HOME` to place the state folder.
    public init(configFile: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let currentDirectory = FileManager.default.currentDirectoryPath
        self.configFile = PathNames.absolute(configFile, relativeTo: currentDirectory)
        let folder = PathNames.folder(of: self.configFile)
        self.rulesFolder = PathNames.absolute("rules", relativeTo: folder)
        self.stateFolder = Self.defaultStateFolder(environment: environment)
        self.provider = Provider()
        self.wallet = nil
        self.budget = Budget()
        self.workers = 2
        self.settleSeconds = 2
        self.pollSeconds = 0
        self.rescanMinutes = 60
        self.inotify = true
        self.http = nil
        self.httpPublic = false
    }

    /// `$XDG_STATE_HOME/dropbolt` when that is set and absolute, else `~/.local/state/dropbolt`.
    static func defaultStateFolder(environment: [String: String]) -> String {
        if let stateHome = environment["XDG_STATE_HOME"], stateHome.hasPrefix("/") {
            return PathNames.normalized(stateHome + "/dropbolt")
        }
        return PathNames.normalized(homeFolder(environment: environment) + "/.local/state/dropbolt")
    }

    /// `$HOME` when set, else the account's home folder.
    static func homeFolder(environment: [String: String]) -> String {
        if let home = environment["HOME"], home.hasPrefix("/") { return home }
        return NSHomeDirectory()
    }
}
