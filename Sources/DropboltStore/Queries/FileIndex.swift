/// The files table in memory: what the store knows about each path, so a rescan can skip unchanged files.
///
/// Kept by folder, then by name. A scan meets a folder's files one after another, so its lookups stay in one
/// small table that is already in the processor's cache, and the index grows by adding small tables instead of
/// rehashing one big one: in a single table of 100,000 paths every lookup and every growth step missed the
/// cache, and a first scan's cost per file grew with the size of the tree. Names of up to 15 bytes are stored
/// inside the `String` itself, and a folder's path once instead of in each of its files' paths.
public struct FileIndex: Sendable {
    private var folders: [String: [String: KnownFile]] = [:]

    /// How many paths it holds.
    public private(set) var count = 0

    /// An empty index.
    public init() {}

    /// What is known about `path`; setting nil forgets it.
    public subscript(path: String) -> KnownFile? {
        get {
            let (folder, name) = Self.split(path)
            return folders[folder]?[name]
        }
        set {
            let (folder, name) = Self.split(path)
            if let newValue {
                if folders[folder, default: [:]].updateValue(newValue, forKey: name) == nil { count += 1 }
            } else if folders[folder]?.removeValue(forKey: name) != nil {
                count -= 1
                if folders[folder]?.isEmpty == true { folders[folder] = nil }
            }
        }
    }

    /// The folder part (up to and including the last `/`, so `/a` and `a` differ) and the name after it.
    private static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return ("", path) }
        let nameStart = path.utf8.index(after: slash)
        return (String(path[..<nameStart]), String(path[nameStart...]))
    }
}
