import DropboltCore
import DropboltStore
import DropboltTesting
import GRDB
import Testing

/// Folder stamps are rewritten only when a reconcile found something different.
@Suite struct FolderStampStoreTests {
    static let stamps = [
        FolderStamp(path: "/srv/inbox", parent: nil, mtimeNanoseconds: 1, inode: 2, skippable: true),
        FolderStamp(path: "/srv/inbox/a", parent: "/srv/inbox", mtimeNanoseconds: 3, inode: .max, skippable: false),
        FolderStamp(path: "/srv/inbox/b", parent: "/srv/inbox", mtimeNanoseconds: -4, inode: 5, skippable: true),
    ]

    /// The same stamps again (in any order, under the same rules) commit nothing, as another connection sees
    /// (`PRAGMA data_version` moves only when someone else commits); every kind of difference is written.
    @Test func anUnchangedReconcileWritesNothing() async throws {
        let dir = try TemporaryDirectory(prefix: "store")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        try await store.replaceFolderStamps(Self.stamps, fingerprint: "rules-1")
        var readOnly = Configuration()
        readOnly.readonly = true
        let observer = try DatabaseQueue(path: "\(dir.path)/\(Store.databaseFileName)", configuration: readOnly)
        func version() throws -> Int { try observer.read { try Int.fetchOne($0, sql: "PRAGMA data_version") ?? -1 } }

        let before = try version()
        try await store.replaceFolderStamps(Self.stamps.reversed(), fingerprint: "rules-1")
        #expect(try version() == before)

        var changed = Self.stamps
        changed[1].skippable = true
        var twice = Self.stamps
        twice[2] = twice[1]
        let differences: [(stamps: [FolderStamp], fingerprint: String)] = [
            (changed, "rules-1"), (Array(Self.stamps.prefix(2)), "rules-1"), (twice, "rules-1"),
            (Self.stamps, "rules-2"),
        ]
        for (stamps, fingerprint) in differences {
            let earlier = try version()
            try await store.replaceFolderStamps(stamps, fingerprint: fingerprint)
            #expect(try version() != earlier, "\(stamps) \(fingerprint)")
            let stored = try await store.folderStamps(fingerprint: fingerprint)
            #expect(Set(stored) == Set(stamps))
        }
    }
}
