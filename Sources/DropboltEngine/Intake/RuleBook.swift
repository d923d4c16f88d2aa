import Crypto
import DropboltCore
import Foundation
import Logging
import Synchronization

/// The current rule set, shared by the watcher thread (its file filter) and the intake; replaced on reload.
public final class RuleBook: Sendable {
    private let current: Mutex<RuleSet>
    private let folder: String
    private let baseFolder: String
    private let stateFolder: String

    /// Loads the rules of `configuration` now; broken files are reported by ``problems`` and disable only
    /// their own rule.
    public init(configuration: DropboltConfiguration) {
        folder = configuration.rulesFolder
        baseFolder = configuration.configFile.parentFolder
        stateFolder = configuration.stateFolder
        current = Mutex(RuleSet.load(folder: folder, baseFolder: baseFolder, stateFolder: stateFolder))
    }

    /// Loads the rules folder named by `configuration` (what `rules check`, `rules explain` and `status` read).
    public static func loadRules(configuration: DropboltConfiguration) -> RuleSet {
        RuleSet.load(
            folder: configuration.rulesFolder, baseFolder: configuration.configFile.parentFolder,
            stateFolder: configuration.stateFolder)
    }

    /// A digest of everything in `rules` that decides which files are candidates, so folder stamps taken under
    /// other rules are not trusted.
    public static func fingerprint(of rules: RuleSet) -> String {
        var text = "ignore-v1"
        for rule in rules.rules {
            text += "\n\(rule.name)|\(rule.watch)|\(rule.recursive)|\(rule.enabled)|\(rule.match)|\(rule.exclude)|\(rule.output)"
        }
        return Hex.string(Array(SHA256.hash(data: Array(text.utf8))))
    }

    /// The rules in force.
    public var ruleSet: RuleSet { current.withLock { $0 } }

    /// True when at least one enabled rule wants this file (called for every file the watcher sees).
    public func accepts(_ path: String) -> Bool {
        current.withLock { $0.takes(path) }
    }

    /// Reads the rules folder again and returns the new set.
    @discardableResult
    public func reload() -> RuleSet {
        let loaded = RuleSet.load(folder: folder, baseFolder: baseFolder, stateFolder: stateFolder)
        current.withLock { $0 = loaded }
        return loaded
    }
}

/// Logs each broken rule file (its rule is disabled) and a summary of the rules in force.
func logRules(_ rules: RuleSet, logger: Logger) {
    for warning in WatchRoot.wideRootWarnings(rules, environment: ProcessInfo.processInfo.environment) {
        logger.warning("a rule watches a very wide folder", metadata: ["warning": "\(warning)"])
    }
    for problem in rules.problems {
        logger.error(
            "rule file has an error; that rule is disabled",
            metadata: ["rule.file": "\(problem.file)", "error": "\(problem.error)"])
    }
    let enabled = rules.rules.filter(\.enabled).map(\.name)
    logger.info(
        "rules loaded",
        metadata: [
            "rules.enabled": "\(enabled.joined(separator: ","))", "rules.broken": "\(rules.problems.count)",
            "watch.folders": "\(rules.watchFolders.map(\.path).joined(separator: ","))",
        ])
}

extension String {
    /// The folder part of a path ("/a/b/c.yaml" → "/a/b"; "c.yaml" → ".").
    var parentFolder: String {
        guard let slash = lastIndex(of: "/") else { return "." }
        return slash == startIndex ? "/" : String(self[..<slash])
    }
}
