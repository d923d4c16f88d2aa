import Foundation
import GRDB

/// An error from the state database: it could not be created, opened, migrated or queried.
///
/// The message always names the database path, so a log line alone tells which state folder is at fault. Errors
/// from GRDB (`DatabaseError`) are kept as ``cause``. Compare with the static values to branch on the kind:
/// ```swift
/// do {
///     let store = try Store.openReadOnly(stateFolder: folder)
/// } catch let error as StoreError where error == .databaseMissing {
///     print("dropbolt has not run yet")
/// }
/// ```
public struct StoreError: Error, Sendable, CustomStringConvertible, Equatable {
    // Private so that new cases do not break callers' switches.
    private enum Code: Sendable, Equatable {
        case folderUnusable
        case databaseMissing
        case cannotOpen
        case migrationFailed
        case schemaTooNew
        case schemaNotMigrated
        case queryFailed
        case stateConflict
        case lockedByAnotherDaemon
    }

    private let code: Code
    /// A sentence saying what failed and on which database or folder.
    public let message: String
    /// The underlying error (a GRDB `DatabaseError`, a Foundation error), if any.
    public let cause: (any Error)?
    /// The file in which the error was raised.
    public let file: String
    /// The line at which the error was raised.
    public let line: UInt

    private init(code: Code, message: String, cause: (any Error)? = nil, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.message = message
        self.cause = cause
        self.file = file
        self.line = line
    }

    /// A short constant name of the kind of error, for log and metric labels.
    public var shortDescription: String {
        switch code {
        case .folderUnusable: "folderUnusable"
        case .databaseMissing: "databaseMissing"
        case .cannotOpen: "cannotOpen"
        case .migrationFailed: "migrationFailed"
        case .schemaTooNew: "schemaTooNew"
        case .schemaNotMigrated: "schemaNotMigrated"
        case .queryFailed: "queryFailed"
        case .stateConflict: "stateConflict"
        case .lockedByAnotherDaemon: "lockedByAnotherDaemon"
        }
    }

    /// The message, followed by the cause when there is one.
    public var description: String {
        guard let cause else { return message }
        return "\(message): \(cause)"
    }

    /// Two errors are equal when they are of the same kind, whatever their message and cause.
    public static func == (lhs: StoreError, rhs: StoreError) -> Bool {
        lhs.code == rhs.code
    }

    /// The state folder could not be created or given mode 0700.
    public static let folderUnusable = StoreError(code: .folderUnusable, message: "state folder unusable")
    /// A read-only open found no database: no daemon has run with this state folder yet.
    public static let databaseMissing = StoreError(code: .databaseMissing, message: "database missing")
    /// SQLite could not open the database file.
    public static let cannotOpen = StoreError(code: .cannotOpen, message: "cannot open database")
    /// A schema migration failed; the database is left at the last completed migration.
    public static let migrationFailed = StoreError(code: .migrationFailed, message: "migration failed")
    /// The database was written by a newer dropbolt with migrations this one does not know.
    public static let schemaTooNew = StoreError(code: .schemaTooNew, message: "schema too new")
    /// A read-only open found a database whose migrations have not all run yet.
    public static let schemaNotMigrated = StoreError(code: .schemaNotMigrated, message: "schema not migrated")
    /// A query or write failed.
    public static let queryFailed = StoreError(code: .queryFailed, message: "query failed")
    /// A job was not in the state a transition expected: another process (or `dropbolt retry`) moved it first.
    public static let stateConflict = StoreError(code: .stateConflict, message: "job state changed")
    /// Another daemon holds the state folder's lock.
    public static let lockedByAnotherDaemon = StoreError(code: .lockedByAnotherDaemon, message: "state folder in use")
}

extension StoreError {
    static func folderUnusable(
        _ folder: String, _ reason: String, cause: (any Error)? = nil, file: String = #fileID, line: UInt = #line
    ) -> StoreError {
        StoreError(
            code: .folderUnusable,
            message: "state folder \(folder): \(reason) (set `state:` in the config to a folder this user can create and own)",
            cause: cause, file: file, line: line)
    }

    static func databaseMissing(_ path: String, file: String = #fileID, line: UInt = #line) -> StoreError {
        StoreError(
            code: .databaseMissing,
            message: "no database at \(path): no dropbolt daemon has run with this state folder yet "
                + "(start `dropbolt run` once, or check `state:` in the config)",
            file: file, line: line)
    }

    static func cannotOpen(_ path: String, cause: any Error, file: String = #fileID, line: UInt = #line) -> StoreError {
        StoreError(
            code: .cannotOpen,
            message: "cannot open database \(path) (check that the user running dropbolt owns it and the disk is not full)",
            cause: cause, file: file, line: line)
    }

    static func migrationFailed(
        _ path: String, cause: any Error, file: String = #fileID, line: UInt = #line
    ) -> StoreError {
        StoreError(
            code: .migrationFailed, message: "cannot migrate database \(path)", cause: cause, file: file, line: line)
    }

    static func schemaTooNew(_ path: String, file: String = #fileID, line: UInt = #line) -> StoreError {
        StoreError(
            code: .schemaTooNew,
            message: "database \(path) was written by a newer dropbolt; upgrade dropbolt to use it",
            file: file, line: line)
    }

    static func schemaNotMigrated(_ path: String, file: String = #fileID, line: UInt = #line) -> StoreError {
        StoreError(
            code: .schemaNotMigrated,
            message: "database \(path) has an older schema; run the dropbolt daemon once to upgrade it",
            file: file, line: line)
    }

    /// Wraps a GRDB `DatabaseError` raised while doing `action`; other errors (our own, cancellation) pass through.
    static func stateConflict(
        jobID: Int64, expected: JobState, found: JobState?, file: String = #fileID, line: UInt = #line
    ) -> StoreError {
        StoreError(
            code: .stateConflict,
            message: "job \(jobID) is \(found?.rawValue ?? "gone"), not \(expected.rawValue): another process moved it",
            file: file, line: line)
    }

    static func lockedByAnotherDaemon(
        _ folder: String, pid: Int32?, file: String = #fileID, line: UInt = #line
    ) -> StoreError {
        let who = pid.map { "another dropbolt daemon (pid \($0))" } ?? "another dropbolt daemon"
        return StoreError(
            code: .lockedByAnotherDaemon,
            message: "\(who) is already running with the state folder \(folder); stop it first "
                + "(e.g. systemctl stop dropbolt) or give this one another state folder",
            file: file, line: line)
    }

    static func wrapping(
        _ error: any Error, while action: String, path: String, file: String = #fileID, line: UInt = #line
    ) -> any Error {
        guard let databaseError = error as? DatabaseError else { return error }
        return StoreError(
            code: .queryFailed, message: "cannot \(action) in database \(path)", cause: databaseError,
            file: file, line: line)
    }
}
