import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The state database: every file seen, every job, payment and ledger row, in one SQLite file (WAL mode).
///
/// The daemon opens it with ``open(stateFolder:)``, which creates the folder (mode 0700) and the database
/// (mode 0600) and runs the migrations. CLI read commands use ``openReadOnly(stateFolder:)``, which never creates
/// or changes anything. Queries are `async` extensions; the engine runs its own transactions through ``writer``:
/// ```swift
/// let store = try Store.open(stateFolder: "/var/lib/dropbolt")
/// let created = try await store.recordIntake(files, at: Date())
/// try await store.writer.write { db in try job.update(db) }
/// ```
public final class Store: Sendable {
    /// The name of the database file inside the state folder.
    public static let databaseFileName = "dropbolt.sqlite"

    /// Absolute path of the SQLite database file.
    public let databasePath: String
    /// Whether this store was opened with ``openReadOnly(stateFolder:)``.
    public let isReadOnly: Bool

    private let pool: DatabasePool

    private init(databasePath: String, isReadOnly: Bool, pool: DatabasePool) {
        self.databasePath = databasePath
        self.isReadOnly = isReadOnly
        self.pool = pool
    }

    /// The connection the engine writes through, for transactions that span several tables.
    public var writer: any DatabaseWriter { pool }

    /// A connection for reads; in WAL mode reads never wait for the writer.
    public var reader: any DatabaseReader { pool }

    /// Opens (creating if needed) the database in `stateFolder` for reading and writing, and migrates it.
    ///
    /// The folder is created if missing and always set to mode 0700; the database and its `-wal` and `-shm` files
    /// get mode 0600, because they hold wallet credentials and payment history.
    /// Opening the same folder again is harmless: migrations that already ran are skipped.
    ///
    /// - Parameter stateFolder: The folder for the database (and the spool, which the engine keeps beside it).
    /// - Returns: An open store.
    /// - Throws: ``StoreError`` (``StoreError/folderUnusable``, ``StoreError/cannotOpen``,
    ///   ``StoreError/migrationFailed``, ``StoreError/schemaTooNew``).
    public static func open(stateFolder: String) throws -> Store {
        try prepareFolder(stateFolder)
        let path = databasePath(in: stateFolder)
        try createPrivateFile(path)

        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: makeConfiguration(readOnly: false))
        } catch {
            throw StoreError.cannotOpen(path, cause: error)
        }
        // SQLite gives -wal and -shm the main file's mode; set it anyway in case they predate this process.
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            try makePrivate(path + suffix, mode: 0o600)
        }

        let migrator = Store.migrator
        do {
            if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
                throw StoreError.schemaTooNew(path)
            }
            try migrator.migrate(pool)
            // The reader that checked the version keeps the schema it read then; a statement it prepared later
            // could carry the old column list (statements are cached per connection). Readers open anew.
            pool.invalidateReadOnlyConnections()
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.migrationFailed(path, cause: error)
        }
        return Store(databasePath: path, isReadOnly: false, pool: pool)
    }

    /// Opens the database in `stateFolder` for reading only, as CLI read commands do while the daemon runs.
    ///
    /// Nothing is created or migrated. Writes through the returned store fail with an SQLite read-only error.
    ///
    /// - Parameter stateFolder: The daemon's state folder.
    /// - Returns: An open, read-only store.
    /// - Throws: ``StoreError/databaseMissing`` when no daemon has run with this folder yet,
    ///   ``StoreError/schemaNotMigrated`` or ``StoreError/schemaTooNew`` when the schema does not match this
    ///   dropbolt, ``StoreError/cannotOpen`` otherwise.
    public static func openReadOnly(stateFolder: String) throws -> Store {
        let path = databasePath(in: stateFolder)
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError.databaseMissing(path)
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: makeConfiguration(readOnly: true))
        } catch {
            throw StoreError.cannotOpen(path, cause: error)
        }
        let migrator = Store.migrator
        let (superseded, complete): (Bool, Bool)
        do {
            (superseded, complete) = try pool.read { db in
                (try migrator.hasBeenSuperseded(db), try migrator.hasCompletedMigrations(db))
            }
        } catch {
            throw StoreError.cannotOpen(path, cause: error)
        }
        if superseded { throw StoreError.schemaTooNew(path) }
        if !complete { throw StoreError.schemaNotMigrated(path) }
        return Store(databasePath: path, isReadOnly: true, pool: pool)
    }

    /// Closes every connection; later use of this store throws.
    ///
    /// Optional: connections also close when the store is released.
    /// - Throws: ``StoreError/queryFailed`` if a connection is still in use.
    public func close() throws {
        do {
            try pool.close()
        } catch {
            throw StoreError.wrapping(error, while: "close the connections", path: databasePath)
        }
    }

    /// Runs `updates` in one write transaction, turning GRDB errors into ``StoreError``.
    ///
    /// Like every access below, it runs on the calling thread (see ``onCallingThread(_:)``).
    func write<T: Sendable>(_ action: String, _ updates: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try onCallingThread { try pool.write(updates) }
        } catch {
            throw StoreError.wrapping(error, while: action, path: databasePath)
        }
    }

    /// Like ``write(_:_:)``, but the commit is on disk before this returns (`synchronous = FULL` for this
    /// transaction): for the commits that precede or record money moving, which a power cut must not undo. It also
    /// makes every earlier commit durable (the WAL is written in order).
    func durableWrite<T: Sendable>(
        _ action: String, _ updates: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        do {
            return try onCallingThread {
                try pool.writeWithoutTransaction { db in
                    try db.executeCached("PRAGMA synchronous = FULL")
                    defer { try? db.executeCached("PRAGMA synchronous = NORMAL") }
                    var result: T?
                    try db.inTransaction {
                        result = try updates(db)
                        return .commit
                    }
                    guard let result else { throw StoreError.queryFailed }
                    return result
                }
            }
        } catch {
            throw StoreError.wrapping(error, while: action, path: databasePath)
        }
    }

    /// Runs `value` in one read transaction, turning GRDB errors into ``StoreError``.
    func read<T: Sendable>(_ action: String, _ value: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try onCallingThread { try pool.read(value) }
        } catch {
            throw StoreError.wrapping(error, while: action, path: databasePath)
        }
    }

    /// Runs `access`, a synchronous GRDB call, on the calling thread.
    ///
    /// GRDB's `async` variants hop to the connection's dispatch queue and back: two thread switches per call,
    /// 5–9% of a paid job's CPU (measured with the fake phoenixd). The synchronous ones run the closure on the
    /// caller's thread when the connection is free, and block it while another write holds the writer. No closure
    /// the store passes awaits, so that wait is bounded by SQLite alone. And a cancelled task's write still
    /// completes (the async variants throw `CancellationError` instead): a commit that records money that moved
    /// must not be lost to a stop.
    private func onCallingThread<T>(_ access: () throws -> T) throws -> T { try access() }

    static func databasePath(in stateFolder: String) -> String {
        URL(fileURLWithPath: stateFolder).appendingPathComponent(databaseFileName).path
    }

    private static func makeConfiguration(readOnly: Bool) -> Configuration {
        var configuration = Configuration()
        configuration.label = "dropbolt"
        configuration.readonly = readOnly
        configuration.foreignKeysEnabled = true
        // The daemon and CLI commands share the file; wait for a lock rather than fail at once. (GRDB gives WAL
        // readers its own 10 s timeout; they only ever wait in rare recovery cases.)
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // NORMAL for the many commits that move no money (intake, defers); the commits that precede or record
            // money moving go through `durableWrite`, which switches to FULL for that commit (DESIGN §5 rule 9).
            // Measured here: a FULL commit costs 2–4 ms (an fsync of the WAL), a NORMAL one 0.02–0.03 ms.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        return configuration
    }

    private static func prepareFolder(_ folder: String) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError.folderUnusable(folder, "cannot create it", cause: error)
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw StoreError.folderUnusable(folder, "not a folder")
        }
        try makePrivate(folder, mode: 0o700)
    }

    /// Creates `path` with mode 0600 if missing, so SQLite never creates it with the umask's mode.
    private static func createPrivateFile(_ path: String) throws {
        let descriptor = openFile(path, O_WRONLY | O_CREAT | O_CLOEXEC, mode_t(0o600))
        guard descriptor >= 0 else {
            throw StoreError.folderUnusable(
                path, "cannot create the database file", cause: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO))
        }
        _ = closeFile(descriptor)
        try makePrivate(path, mode: 0o600)
    }

    private static func makePrivate(_ path: String, mode: mode_t) throws {
        guard chmod(path, mode) == 0 else {
            let code = POSIXErrorCode(rawValue: errno) ?? .EIO
            throw StoreError.folderUnusable(
                path, "cannot set mode \(String(mode, radix: 8))", cause: POSIXError(code))
        }
    }
}

// Inside Store the static `open(stateFolder:)` shadows the C function, so these reach it through the module name.
#if canImport(Glibc)
    private func openFile(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { Glibc.open(path, flags, mode) }
    private func closeFile(_ descriptor: Int32) -> Int32 { Glibc.close(descriptor) }
#elseif canImport(Darwin)
    private func openFile(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { Darwin.open(path, flags, mode) }
    private func closeFile(_ descriptor: Int32) -> Int32 { Darwin.close(descriptor) }
#endif
