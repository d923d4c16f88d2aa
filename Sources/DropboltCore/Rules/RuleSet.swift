/// All rules from the rules folder, plus the files that failed to load.
///
/// A broken file disables only its own rule; the rest keep working and the problems are reported
/// (`dropbolt rules check`). Matching is meant for the hot path of a scan:
/// ```swift
/// let ruleSet = RuleSet.load(folder: configuration.rulesFolder, baseFolder: configuration.configFolder)
/// for problem in ruleSet.problems { logger.error("rule file broken", metadata: ["error": "\(problem)"]) }
/// for rule in ruleSet.rules(matching: "/srv/inbox/products/IMG_0001.JPG") { … }
/// ```
public struct RuleSet: Sendable {
    /// Every rule that loaded, enabled or not, sorted by name.
    public var rules: [Rule] { didSet { compiledRules = rules.map(\.compiled) } }
    /// One entry per rule file that could not be loaded.
    public var problems: [RuleProblem]
    /// What matching needs of each rule, in the same order: a scan reads these for every file, and reading a
    /// `Rule` out of `rules` would copy (retain and release) each of its fields.
    private(set) var compiledRules: [CompiledRule]

    /// Creates a rule set; `rules` are sorted by name.
    public init(rules: [Rule], problems: [RuleProblem] = []) {
        self.rules = rules.sorted { $0.name < $1.name }
        self.problems = problems
        compiledRules = self.rules.map(\.compiled)
    }

    /// The folders the watcher needs: enabled rules' folders without duplicates.
    ///
    /// A folder inside a recursive one is dropped (its files are already seen); when two rules watch the same
    /// folder and one is recursive, the entry is recursive. Sorted by path.
    public var watchFolders: [WatchFolder] {
        var recursiveByPath: [String: Bool] = [:]
        for rule in rules where rule.enabled {
            let path = PathNames.normalized(rule.watch)
            recursiveByPath[path] = (recursiveByPath[path] ?? false) || rule.recursive
        }
        let recursiveRoots = recursiveByPath.filter(\.value).keys
        return recursiveByPath.keys.sorted().compactMap { path in
            let isInsideRecursive = recursiveRoots.contains { root in
                root != path && PathNames.isAtOrInside(path, root)
            }
            return isInsideRecursive ? nil : WatchFolder(path: path, recursive: recursiveByPath[path]!)
        }
    }
}
