/// A file path prepared once for matching against every rule: raw and lowercased UTF-8.
struct CandidatePath {
    /// The path as given, for the case-sensitive folder comparison.
    let bytes: [UInt8]
    /// The same with ASCII letters lowercased, for globs and names.
    let lowercased: [UInt8]

    init(_ path: String) {
        bytes = Array(path.utf8)
        lowercased = bytes.map { ($0 >= 65 && $0 <= 90) ? $0 + 32 : $0 }
    }

    /// Where the base name starts.
    var nameStart: Int {
        (bytes.lastIndex(of: UInt8(ascii: "/")) ?? -1) + 1
    }
}
