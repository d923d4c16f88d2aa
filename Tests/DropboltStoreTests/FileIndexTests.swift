import DropboltStore
import Testing

/// The in-memory file index behaves as a dictionary from path to ``KnownFile``, whatever its folder layout.
@Suite struct FileIndexTests {
    static func known(_ size: Int64) -> KnownFile {
        KnownFile(
            size: size, mtimeNanoseconds: size * 10, inode: UInt64(size), sha256: size.isMultiple(of: 2) ? "ab" : nil)
    }

    /// Random inserts, replacements and removals over paths that share folders and names, checked after every step
    /// against a plain dictionary (`count` included).
    @Test func matchesADictionaryThroughRandomChanges() {
        let paths = [
            "/srv/inbox/a.jpg", "/srv/inbox/b.jpg", "/srv/inbox/sub/a.jpg", "/srv/a.jpg", "/a.jpg", "a.jpg", "/",
            "/srv/inbox/", "/srv/inbox/a very long file name that is stored on the heap.jpg", "/srv/inbox/ü.jpg",
        ]
        var index = FileIndex()
        var reference: [String: KnownFile] = [:]
        var random = SystemRandomNumberGenerator()
        for step in 0..<2_000 {
            let path = paths.randomElement(using: &random)!
            let value = Bool.random(using: &random) ? Self.known(Int64(step)) : nil
            index[path] = value
            reference[path] = value
            #expect(index.count == reference.count)
            for path in paths { #expect(index[path] == reference[path], "\(path) after step \(step)") }
        }
    }

    /// A path and the same name one folder up, or without a leading slash, are different entries.
    @Test func similarPathsStayApart() {
        var index = FileIndex()
        index["/a.jpg"] = Self.known(1)
        index["a.jpg"] = Self.known(2)
        index["/x/a.jpg"] = Self.known(3)
        index["/x/"] = Self.known(4)
        #expect(index["/a.jpg"] == Self.known(1))
        #expect(index["a.jpg"] == Self.known(2))
        #expect(index["/x/a.jpg"] == Self.known(3))
        #expect(index["/x/"] == Self.known(4))
        #expect(index["/x"] == nil)
        #expect(index.count == 4)
        index["/x/a.jpg"] = nil
        index["/x/a.jpg"] = nil
        #expect(index.count == 3)
        #expect(index["/x/"] == Self.known(4))
    }
}
