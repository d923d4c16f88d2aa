import Foundation

/// Thrown by ``waitUntil(timeout:pollEvery:_:what:)`` when the condition never held.
public struct WaitTimeout: Error, CustomStringConvertible {
    /// What was being waited for.
    public let what: String
    /// How long it waited.
    public let timeout: Duration
    /// A sentence naming the condition and the time.
    public var description: String { "timed out after \(timeout) waiting for \(what)" }
}

/// Polls `condition` until it returns true, or throws ``WaitTimeout`` after `timeout`.
///
/// Tests wait on a condition, never on a fixed sleep:
/// ```swift
/// try await waitUntil(timeout: .seconds(10), what: "one job") { try store.jobCount() == 1 }
/// ```
public func waitUntil(
    timeout: Duration,
    pollEvery interval: Duration = .milliseconds(20),
    what: String,
    _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while true {
        if try await condition() { return }
        if clock.now >= deadline { throw WaitTimeout(what: what, timeout: timeout) }
        try await Task.sleep(for: interval)
    }
}

/// Returns once the coarse real-time clock, which file timestamps are taken from, is past `path`'s ctime: a change
/// made to `path` now moves its ctime, even on a kernel without fine-grained timestamps (where a change within the
/// same tick would leave it as it was).
///
/// - Throws: ``WaitTimeout`` after 5 s, or when `path` cannot be read.
public func waitForTheFileClock(toPass path: String) async throws {
    var status = stat()
    guard stat(path, &status) == 0 else { throw WaitTimeout(what: "a readable \(path)", timeout: .zero) }
    try await waitUntil(timeout: .seconds(5), pollEvery: .milliseconds(1), what: "the file clock to pass \(path)") {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &now)
        return (now.tv_sec, now.tv_nsec) > (status.st_ctim.tv_sec, status.st_ctim.tv_nsec)
    }
}
