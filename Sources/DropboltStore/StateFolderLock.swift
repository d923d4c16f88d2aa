import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The exclusive lock one daemon holds on its state folder for its whole life (DESIGN §5 rule 9).
///
/// `flock(2)` on `<state>/daemon.lock`, which also holds the owner's pid for the message a second daemon prints.
/// The kernel drops the lock when the process dies (even by `SIGKILL`), so a crash never leaves a stale lock.
/// Read-only commands never take it.
///
/// ```swift
/// let lock = try StateFolderLock.acquire(stateFolder: "/var/lib/dropbolt")
/// try await runTheDaemon()
/// withExtendedLifetime(lock) {}   // released when the value goes away, or when the process ends
/// ```
public final class StateFolderLock: Sendable {
    /// The lock file's name inside the state folder.
    public static let fileName = "daemon.lock"

    private let descriptor: Int32
    /// The locked folder.
    public let stateFolder: String

    private init(descriptor: Int32, stateFolder: String) {
        self.descriptor = descriptor
        self.stateFolder = stateFolder
    }

    deinit { close(descriptor) }

    /// Takes the lock without waiting, creating the folder (mode 0700) if needed, and records this process's pid.
    ///
    /// - Throws: ``StoreError/lockedByAnotherDaemon`` naming the holder's pid when another process holds it;
    ///   ``StoreError/folderUnusable`` when the lock file cannot be created.
    public static func acquire(stateFolder: String) throws -> StateFolderLock {
        do {
            try FileManager.default.createDirectory(
                atPath: stateFolder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StoreError.folderUnusable(stateFolder, "cannot create it", cause: error)
        }
        let path = stateFolder + "/" + fileName
        let descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, mode_t(0o600))
        guard descriptor >= 0 else {
            throw StoreError.folderUnusable(
                stateFolder, "cannot create \(fileName)", cause: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let failure = errno
            let holder = readPID(descriptor)
            close(descriptor)
            if failure == EWOULDBLOCK { throw StoreError.lockedByAnotherDaemon(stateFolder, pid: holder) }
            throw StoreError.folderUnusable(
                stateFolder, "cannot lock \(fileName)", cause: POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO))
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return StateFolderLock(descriptor: descriptor, stateFolder: stateFolder)
    }

    /// The pid of the daemon holding the lock on `stateFolder`, or nil when no daemon holds it.
    public static func holder(stateFolder: String) -> Int32? {
        let descriptor = Glibc.open(stateFolder + "/" + fileName, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        // A shared lock succeeds only when nobody holds the exclusive one.
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return nil
        }
        return readPID(descriptor) ?? 0
    }

    private static func readPID(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text)
    }
}
