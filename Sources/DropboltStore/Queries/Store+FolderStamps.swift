import DropboltCore
import Foundation
import GRDB

extension Store {
    /// The stamps of the last complete reconcile, if they were taken under the same rules (`fingerprint`).
    public func folderStamps(fingerprint: String) async throws -> [FolderStamp] {
        try await read("read folder stamps") { db in
            let stored = try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = 'folder_stamps_rules'")
            guard stored == fingerprint else { return [] }
            return try Row.fetchAll(db, sql: "SELECT path, parent, mtime_ns, inode, skippable FROM folder_stamps").map {
                FolderStamp(
                    path: $0[0], parent: $0[1], mtimeNanoseconds: $0[2],
                    inode: UInt64(bitPattern: $0[3] as Int64), skippable: $0[4])
            }
        }
    }

    /// Replaces every stamp with those of a reconcile that just completed under the rules `fingerprint`.
    public func replaceFolderStamps(_ stamps: [FolderStamp], fingerprint: String) async throws {
        try await write("replace folder stamps") { db in
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
}
