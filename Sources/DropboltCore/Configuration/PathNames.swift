/// Pure string operations on POSIX paths, so that resolving and splitting paths needs no file system.
public enum PathNames {
    /// Whether the absolute `path` is `folder` or inside it (`/a b` and `/ab` are not inside `/a`).
    public static func isAtOrInside(_ path: String, _ folder: String) -> Bool {
        path == folder || path.hasPrefix(folder == "/" ? "/" : folder + "/")
    }

    /// `path` made absolute against `base` (itself absolute), with `~/` expanded from `home` and
    /// `.`/`..`/empty components removed.
    static func absolute(_ path: String, relativeTo base: String, home: String? = nil) -> String {
        if path == "~" || path.hasPrefix("~/"), let home {
            return normalized(home + "/" + path.dropFirst())
        }
        if path.hasPrefix("/") {
            return normalized(path)
        }
        return normalized(base + "/" + path)
    }

    /// `path` with `.`, `..` and repeated or trailing slashes removed; always absolute.
    public static func normalized(_ path: String) -> String {
        var components: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..": _ = components.popLast()
            default: components.append(component)
            }
        }
        return "/" + components.joined(separator: "/")
    }

    /// The folder holding `path` (`/` for top-level entries).
    public static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// The last component of `path`.
    static func baseName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// `name` split at its last dot: `a.b.jpg` → (`a.b`, `jpg`); a leading dot does not start an extension.
    static func splitExtension(_ name: String) -> (stem: String, ext: String) {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return (name, "") }
        return (String(name[..<dot]), String(name[name.index(after: dot)...]))
    }
}
