import DropboltCore
import Foundation
import GRDB

extension Store {
    /// The stamps of the last complete reconcile, if they were taken under the same rules (`fingerprint`).
    public func folderStamps(fingerprint: String) async throws -> [FolderStamp] {
        try await read("read folder stamps") { db in
            guard try Self.storedFingerprint(in: db) == fingerprint else { return [] }
            return try Row.fetchAll(db, sql: Self.folderStampsSQL).map(Self.folderStamp(row:))
        }
    }

    /// Replaces every stamp with those of a reconcile that just completed under the rules `fingerprint`.
    ///
    /// Writes nothing when the stored stamps are exactly these, under the same rules: a reconcile of an unchanged
    /// tree (every start-up and every periodic rescan) then costs a read instead of rewriting a row per folder.
    public func replaceFolderStamps(_ stamps: [FolderStamp], fingerprint: String) async throws {
        try await write("replace folder stamps") { db in
            guard try !Self.storedFolderStamps(in: db, equal: stamps, fingerprint: fingerprint) else { return }
            try db.execute(sql: "DELETE FROM folder_stamps")
            let statement = try db.makeStatement(
                sql: "INSERT OR REPLACE INTO folder_stamps (path, parent, mtime_ns, inode, skippable) VALUES (?, ?, ?, ?, ?)")
            for stamp in stamps {
                try statement.execute(arguments: [
                    stamp.path, stamp.parent, stamp.mtimeNanoseconds, Int64(bitPattern: stamp.inode), stamp.skippable,
                ])
            }
            try db.execute(
                sql: "INSERT OR REPLACE INTO settings (key, value) VALUES ('folder_stamps_rules', ?)",
                arguments: [fingerprint])
        }
    }

    /// Forgets every stamp (the next start-up lists every folder).
    public func clearFolderStamps() async throws {
        try await write("clear folder stamps") { db in
            try db.execute(sql: "DELETE FROM folder_stamps")
            try db.execute(sql: "DELETE FROM settings WHERE key = 'folder_stamps_rules'")
        }
    }

    /// The rules fingerprint the stored stamps were taken under, if any.
    private static func storedFingerprint(in db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = 'folder_stamps_rules'")
    }

    private static let folderStampsSQL = "SELECT path, parent, mtime_ns, inode, skippable FROM folder_stamps"

    private static func folderStamp(row: Row) -> FolderStamp {
        FolderStamp(
            path: row[0], parent: row[1], mtimeNanoseconds: row[2], inode: UInt64(bitPattern: row[3] as Int64),
            skippable: row[4])
    }

    /// True when the stored stamps, and the rules they were taken under, are exactly `stamps` and `fingerprint`.
    private static func storedFolderStamps(in db: Database, equal stamps: [FolderStamp], fingerprint: String) throws
        -> Bool
    {
        guard try storedFingerprint(in: db) == fingerprint,
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM folder_stamps") == stamps.count
        else { return false }
        // Keyed by path as the table is; a list naming a path twice is never equal to the table.
        let expected = Dictionary(stamps.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        guard expected.count == stamps.count else { return false }
        let rows = try Row.fetchCursor(db, sql: folderStampsSQL)
        while let row = try rows.next() {
            let stamp = folderStamp(row: row)
            guard expected[stamp.path] == stamp else { return false }
        }
        return true
    }
}
