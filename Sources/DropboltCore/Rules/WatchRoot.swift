import Foundation

/// Checks on the folders rules watch: never the state folder, and a warning for roots so wide they are surely a
/// mistake.
public enum WatchRoot {
    /// Why `watch` may not be watched with this `stateFolder`, or nil when it may.
    ///
    /// Refused: the state folder itself, any folder above it (its spool and database would be walked and could
    /// become inputs), and any folder inside it. Paths are compared after resolving symlinks.
    public static func overlap(watch: String, stateFolder: String) -> String? {
        let root = resolved(watch)
        let state = resolved(stateFolder)
        if root == state { return "\(watch) is the state folder; watch another folder" }
        if isInside(state, root) {
            return "\(watch) contains the state folder \(stateFolder); watch a folder beside it, not above it"
        }
        if isInside(root, state) { return "\(watch) is inside the state folder \(stateFolder); watch another folder" }
        return nil
    }

    /// One line for each enabled rule whose root is `/`, a top-level system folder or a home folder itself.
    public static func wideRootWarnings(_ rules: RuleSet, environment: [String: String]) -> [String] {
        var wide: Set<String> = ["/", "/home", "/root", "/usr", "/var", "/etc", "/srv", "/mnt", "/media", "/opt", "/tmp"]
        if let home = environment["HOME"], !home.isEmpty { wide.insert(resolved(home)) }
        return rules.rules.filter { $0.enabled && wide.contains(resolved($0.watch)) }.map {
            "rule \($0.name) watches \($0.watch): every image below it will be sent and paid for; "
                + "point it at a folder made for dropbolt"
        }
    }

    private static func isInside(_ path: String, _ folder: String) -> Bool {
        folder == "/" ? path != "/" : path.hasPrefix(folder + "/")
    }

    /// The path with symlinks resolved where it exists; a missing tail is kept as written.
    static func resolved(_ path: String) -> String {
        var normalized = path
        while normalized.count > 1 && normalized.hasSuffix("/") { normalized.removeLast() }
        if let real = realpath(normalized, nil) {
            defer { free(real) }
            return String(cString: real)
        }
        let parent = (normalized as NSString).deletingLastPathComponent
        guard !parent.isEmpty, parent != normalized else { return normalized }
        return (resolved(parent) as NSString).appendingPathComponent((normalized as NSString).lastPathComponent)
    }
}
