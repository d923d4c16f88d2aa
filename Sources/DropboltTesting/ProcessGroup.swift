import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A child's process group (the child leads it), stopped as a whole: a helper's own children (a relay, uvicorn's
/// workers) go with it.
enum ProcessGroup {
    /// Waits up to `seconds` for every member of group `pgid` to be gone; true when they are.
    static func waitUntilGone(_ pgid: Int32, seconds: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while liveMembers(pgid) > 0 {
            guard Date() < deadline else { return false }
            usleep(20_000)
        }
        return true
    }

    /// Sends `signal` to the group, then waits up to `seconds` for it to be gone; true when it is.
    @discardableResult
    static func signal(_ pgid: Int32, _ signal: Int32, waiting seconds: TimeInterval) -> Bool {
        guard kill(-pgid, signal) == 0 else { return true }  // ESRCH: already gone
        return waitUntilGone(pgid, seconds: seconds)
    }

    /// The members of group `pgid` that still run. Zombies do not count: `kill(-pgid, 0)` succeeds for a group
    /// whose members have exited but are not reaped yet, which would make a stop wait for nothing.
    static func liveMembers(_ pgid: Int32) -> Int {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
        var count = 0
        for entry in entries where entry.first?.isNumber == true {
            guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let closeParen = stat.lastIndex(of: ")")
            else { continue }
            // After "pid (comm)": state ppid pgrp …
            let fields = stat[stat.index(after: closeParen)...].split(separator: " ")
            if fields.count > 2, fields[0] != "Z", Int32(fields[2]) == pgid { count += 1 }
        }
        return count
    }
}
