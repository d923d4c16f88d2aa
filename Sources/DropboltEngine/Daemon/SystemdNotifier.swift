import Foundation
import Glibc

/// Tells systemd how the daemon is doing (`sd_notify(3)`), without linking libsystemd: one datagram per message
/// to the unix socket named by `$NOTIFY_SOCKET` (a path, or an abstract name written with a leading `@`).
///
/// ```swift
/// let notifier = SystemdNotifier(environment: ProcessInfo.processInfo.environment)
/// notifier?.send("READY=1\nSTATUS=watching 3 folders")
/// ```
///
/// Sending is best effort: systemd may be gone, and the daemon's work never depends on it being heard.
public struct SystemdNotifier: Sendable {
    /// The socket address as given in `$NOTIFY_SOCKET`.
    public let socketPath: String
    /// How often systemd expects `WATCHDOG=1` (from `$WATCHDOG_USEC`), or nil when no watchdog is set for us.
    public let watchdogInterval: Duration?

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID`; nil when the daemon was not started by systemd with
    /// `Type=notify` (no socket, or one that cannot be addressed).
    public init?(environment: [String: String], processID: Int32 = getpid()) {
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty,
            path.hasPrefix("/") || path.hasPrefix("@"), path.utf8.count < 108
        else { return nil }
        socketPath = path
        // WATCHDOG_PID names the process the watchdog is meant for; a child that inherited it must not answer.
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == processID } ?? true
        if forUs, let text = environment["WATCHDOG_USEC"], let microseconds = Int64(text), microseconds > 0 {
            watchdogInterval = .microseconds(microseconds)
        } else {
            watchdogInterval = nil
        }
    }

    /// Sends one notification (newline-separated `KEY=value` assignments); false when it could not be sent.
    @discardableResult
    public func send(_ message: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }  // abstract namespace
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in pathBytes.enumerated() { buffer[index] = byte }
        }
        // Abstract names are not NUL-terminated: the length says where they end.
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (pathBytes.first == 0 ? 0 : 1))
        let payload = Array(message.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(descriptor, payload, payload.count, Int32(MSG_NOSIGNAL), socketAddress, length)
            }
        }
        return sent == payload.count
    }
}
