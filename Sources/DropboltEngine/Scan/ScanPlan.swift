import DropboltCore
import DropboltStore
import DropboltWatch
import Foundation

/// What `dropbolt scan` would queue, worked out without reading a single image: files whose stat matches the
/// store's record are known by their stored hash; others are counted as new and hashed only when queued.
public struct ScanPlan: Sendable {
    /// One file for one rule, to be queued (or adopted, when an unfinished job for it exists).
    public struct Item: Sendable {
        /// The file as listed.
        public var file: FileReady
        /// The rule that takes it.
        public var rule: String
        /// The content hash when the store already knows this exact file (same size, mtime and inode).
        public var knownSHA256: String?
        /// True when the rule's `on_duplicate` will settle it without paying (same content done before).
        public var duplicate: Bool
        /// True when an unfinished job for it exists already (queued earlier; it is adopted, not queued twice).
        public var alreadyQueued: Bool
    }

    /// Counts for one rule.
    public struct RuleCount: Sendable, Equatable, Encodable {
        /// Files that will be paid for (new, plus unfinished jobs adopted).
        public var toPay = 0
        /// Of ``toPay``, jobs that were already queued.
        public var alreadyQueued = 0
        /// Same content done before under this rule; `on_duplicate` settles them without paying.
        public var duplicates = 0
        /// Already done for this content: not counted again.
        public var done = 0
        /// Failed or needing attention before: not queued again (see `dropbolt retry`).
        public var failedBefore = 0

        /// Creates zero counts.
        public init() {}
    }

    /// What will be queued, in path order.
    public var items: [Item]
    /// Counts by rule name.
    public var rules: [String: RuleCount]
    /// Files larger than dropbolt sends (40 MB), never queued.
    public var tooLarge: Int
    /// Names that are not valid UTF-8 (cannot be processed).
    public var unreadableNames: [String]

    /// Files that would be paid for, all rules.
    public var toPay: Int { rules.values.reduce(0) { $0 + $1.toPay } }

    /// Works out the plan.
    ///
    /// - Parameters:
    ///   - paths: absolute files or folders; each must be inside a selected rule's watched folder, or contain one.
    ///   - rules: the rules in force.
    ///   - only: restrict to this rule.
    ///   - index: what the store knows of the files under `paths` (``Store/loadFileIndex(under:)``).
    ///   - jobs: the states of the selected rules' jobs under `paths` (``Store/jobStates(under:rules:)``).
    ///   - doneContent: what the selected rules finished anywhere (``Store/doneContent(rules:)``).
    /// - Throws: ``ScanError`` for a path no selected rule watches, or an unknown or disabled rule.
    public static func make(
        paths: [String], rules: RuleSet, only: String?, index: FileIndex, jobs: [JobKey: JobState],
        doneContent: Set<String>
    ) throws(ScanError) -> ScanPlan {
        let selected = selectedRules(rules, only: only)
        if let only, selected.isEmpty {
            let known = rules.rules.filter(\.enabled).map(\.name).sorted().joined(separator: ", ")
            throw ScanError("no enabled rule named '\(only)' (enabled rules: \(known.isEmpty ? "none" : known))")
        }
        let selectedNames = Set(selected.map(\.name))
        for path in paths {
            let related = selected.contains {
                PathNames.isAtOrInside(path, $0.watch) || PathNames.isAtOrInside($0.watch, path)
            }
            guard related else {
                let watched = selected.map(\.watch).sorted().joined(separator: ", ")
                throw ScanError("\(path) is not watched by \(only.map { "rule '\($0)'" } ?? "any rule") (watched: \(watched))")
            }
        }
        let ruleByName = Dictionary(selected.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

        var plan = ScanPlan(items: [], rules: [:], tooLarge: 0, unreadableNames: [])
        for name in selectedNames { plan.rules[name] = RuleCount() }
        var seen: Set<String> = []
        for path in paths {
            let listing = FolderWalk.files(under: path, recursive: true) { candidate in
                rules.ruleNames(matching: candidate).contains { selectedNames.contains($0) }
            }
            plan.unreadableNames += listing.unreadableNames
            for file in listing.files where seen.insert(file.path).inserted {
                guard file.size <= Intake.maximumOriginalBytes else {
                    plan.tooLarge += 1
                    continue
                }
                let known = index[file.path].flatMap { known in
                    known.size == file.size && known.mtimeNanoseconds == file.mtimeNanoseconds
                        && known.inode == file.inode ? known.sha256 : nil
                }
                for rule in rules.ruleNames(matching: file.path) where selectedNames.contains(rule) {
                    plan.classify(file, rule: rule, knownSHA256: known, jobs: jobs, doneContent: doneContent,
                        onDuplicate: ruleByName[rule]?.onDuplicate ?? .reuse)
                }
            }
        }
        plan.items.sort { ($0.file.path, $0.rule) < ($1.file.path, $1.rule) }
        return plan
    }

    private mutating func classify(
        _ file: FileReady, rule: String, knownSHA256: String?, jobs: [JobKey: JobState], doneContent: Set<String>,
        onDuplicate: DuplicatePolicy
    ) {
        var count = rules[rule] ?? RuleCount()
        defer { rules[rule] = count }
        guard let sha = knownSHA256 else {
            count.toPay += 1
            items.append(Item(file: file, rule: rule, knownSHA256: nil, duplicate: false, alreadyQueued: false))
            return
        }
        switch jobs[JobKey(rule: rule, path: file.path, sha256: sha)] {
        case .done:
            count.done += 1
        case .failed, .attention:
            count.failedBefore += 1
        case .some:
            count.toPay += 1
            count.alreadyQueued += 1
            items.append(Item(file: file, rule: rule, knownSHA256: sha, duplicate: false, alreadyQueued: true))
        case nil:
            let duplicate = onDuplicate != .pay && doneContent.contains(rule + "\u{0}" + sha)
            if duplicate { count.duplicates += 1 } else { count.toPay += 1 }
            items.append(Item(file: file, rule: rule, knownSHA256: sha, duplicate: duplicate, alreadyQueued: false))
        }
    }

    /// The enabled rules, or only the one named `only`.
    public static func selectedRules(_ rules: RuleSet, only: String?) -> [Rule] {
        rules.rules.filter { $0.enabled && (only == nil || $0.name == only) }
    }
}

/// Why a scan cannot go ahead; the message names the path, rule or limit and what to do.
public struct ScanError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
