import DropboltStore
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension IntakeFile {
    /// A file named after `number` with a content hash derived from `number` and `version`.
    static func fixture(_ number: Int, version: Int = 0, rules: [String] = ["edit"]) -> IntakeFile {
        IntakeFile(
            path: "/photos/inbox/img-\(number).jpg", size: Int64(1000 + number),
            mtimeNanoseconds: 1_700_000_000_000_000_000 + Int64(number), inode: UInt64(5000 + number),
            sha256: fakeSHA256(number, version), rules: rules)
    }

    /// 64 lowercase hex digits, distinct for each (number, version).
    static func fakeSHA256(_ number: Int, _ version: Int) -> String {
        let hex = String(format: "%016llx%016llx", UInt64(number), UInt64(version))
        return String(repeating: hex, count: 2)
    }
}

/// A whole-second time, so values survive GRDB's millisecond date storage unchanged.
func testDate(_ offset: TimeInterval = 0) -> Date {
    Date(timeIntervalSince1970: 1_750_000_000 + offset)
}

/// The permission bits of `path`, or `nil` if it does not exist.
func permissions(of path: String) -> mode_t? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return info.st_mode & 0o777
}

/// Rewinds the closed store in `folder` to before the migrations `identifiers`: runs `undo` (SQL that removes what
/// they added), forgets them, and closes the file, so the next `Store.open` migrates it again as an older version's
/// store.
func rewindMigrations(_ identifiers: [String], in folder: String, undo: String) async throws {
    let queue = try DatabaseQueue(path: folder + "/" + Store.databaseFileName)
    try await queue.write { db in
        try db.execute(sql: undo)
        try db.execute(
            sql: "DELETE FROM grdb_migrations WHERE identifier IN (" + identifiers.map { _ in "?" }.joined(separator: ", ")
                + ")",
            arguments: StatementArguments(identifiers))
    }
    try queue.close()
}
