/// File and folder names that are never inputs: hidden files, partial downloads, editor and OS droppings.
///
/// These are the default ignores of the watcher (DESIGN.md §6). Names are compared case-insensitively.
public enum IgnoreList {
    private static let ignoredSuffixes: [[UInt8]] = [".tmp", ".part", ".crdownload", ".swp"].map { Array($0.utf8) }
    private static let ignoredFileNames: [[UInt8]] = ["thumbs.db", "desktop.ini"].map { Array($0.utf8) }
    private static let ignoredFolderNames: [[UInt8]] = ["@eadir", "__macosx"].map { Array($0.utf8) }

    /// True for names that are never inputs: hidden names (a leading `.`, which covers rsync's `.name.XXXXXX`
    /// temporaries and `.DS_Store`), `*.tmp`, `*.part`, `*.crdownload`, `*.swp`, `~$*` (Office lock files),
    /// `Thumbs.db` and `desktop.ini`.
    public static func isIgnoredFileName(_ name: String) -> Bool {
        isIgnoredFileName([UInt8](lowercasedUTF8: name)[...])
    }

    /// True for folders whose contents are never inputs: hidden folders (`.stfolder`, `.stversions`,
    /// `.Trashes`, `.Spotlight-V100`, …), Synology's `@eaDir` and `__MACOSX`.
    public static func isIgnoredFolderName(_ name: String) -> Bool {
        isIgnoredFolderName([UInt8](lowercasedUTF8: name)[...])
    }

    /// ``isIgnoredFileName(_:)`` on lowercased UTF-8.
    static func isIgnoredFileName(_ name: ArraySlice<UInt8>) -> Bool {
        guard let first = name.first else { return true }
        if first == UInt8(ascii: ".") { return true }
        if first == UInt8(ascii: "~"), name.dropFirst().first == UInt8(ascii: "$") { return true }
        for suffix in ignoredSuffixes
        where name.count >= suffix.count && name.suffix(suffix.count).elementsEqual(suffix) {
            return true
        }
        return ignoredFileNames.contains { name.elementsEqual($0) }
    }

    /// ``isIgnoredFolderName(_:)`` on lowercased UTF-8.
    static func isIgnoredFolderName(_ name: ArraySlice<UInt8>) -> Bool {
        guard let first = name.first else { return false }
        if first == UInt8(ascii: ".") { return true }
        return ignoredFolderNames.contains { name.elementsEqual($0) }
    }
}
