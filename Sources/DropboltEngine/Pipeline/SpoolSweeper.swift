import DropboltStore
import Foundation
import Glibc
import Logging

/// Removes what no live job needs: spool files of jobs that ended (request bodies of failed, attention and reused
/// jobs, answers and results already written) and temp files a crash left behind (in the spool and beside outputs
/// being written). Runs at start-up and every hour. `kept/` is never touched.
struct SpoolSweeper: Sendable {
    let spool: Spool
    let store: Store
    let logger: Logger

    /// The files of a job in each state that must stay.
    static func needed(_ kind: String, state: JobState) -> Bool {
        switch kind {
        case "request.json": [.queued, .held, .invoiced, .paying, .paid].contains(state)
        case "answer": state == .paid
        case "result": state == .fetched
        default: true  // not ours to judge
        }
    }

    /// Sweeps once; returns how many files were removed.
    @discardableResult
    func sweep(now: Date = Date(), temporaryAge: TimeInterval = 3600) async throws -> Int {
        let snapshot = Date().timeIntervalSince1970
        let names = (try? FileManager.default.contentsOfDirectory(atPath: spool.folder)) ?? []
        // Only the jobs whose files are here: a backlog of waiting jobs has no files yet.
        let states = try await store.unfinishedJobStates(ids: Array(Set(names.compactMap { Self.jobFile($0)?.0 })))
        var removed = 0
        for name in names {
            let path = spool.folder + "/" + name
            if Self.isStaleTemporary(name: name, path: path, now: now, age: temporaryAge) {
                removed += unlink(path) == 0 ? 1 : 0
                continue
            }
            guard let (id, kind) = Self.jobFile(name) else { continue }
            if let state = states[id], Self.needed(kind, state: state) { continue }
            // Written after the states were read (a worker moved on meanwhile): its job may need it; next time.
            guard Self.modified(path).map({ $0 < snapshot - 1 }) ?? false else { continue }
            removed += unlink(path) == 0 ? 1 : 0
        }
        // An output write interrupted by a crash leaves its temp file beside the output; those jobs are `paid` (the
        // output is written straight from the durable answer) or `fetched`.
        for folder in try await store.outputFoldersBeingWritten() {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                let path = folder + "/" + name
                if Self.isStaleTemporary(name: name, path: path, now: now, age: temporaryAge) {
                    removed += unlink(path) == 0 ? 1 : 0
                }
            }
        }
        if removed > 0 { logger.info("swept files no job needs", metadata: ["files.count": "\(removed)"]) }
        return removed
    }

    /// `job-<id>.<kind>` → (id, kind).
    static func jobFile(_ name: String) -> (Int64, String)? {
        guard name.hasPrefix("job-"), let dot = name.firstIndex(of: ".") else { return nil }
        guard let id = Int64(name[name.index(name.startIndex, offsetBy: 4)..<dot]) else { return nil }
        return (id, String(name[name.index(after: dot)...]))
    }

    /// A `DurableFile` temp file (`.<name>.dropbolt-<pid>-<n>.tmp`) whose writer is gone, or older than `age`.
    static func isStaleTemporary(name: String, path: String, now: Date, age: TimeInterval) -> Bool {
        guard name.hasPrefix("."), name.hasSuffix(".tmp"), let marker = name.range(of: ".dropbolt-", options: .backwards)
        else { return false }
        let pidText = name[marker.upperBound...].prefix { $0.isNumber }
        if let pid = Int32(pidText), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH { return true }
        return modified(path).map { now.timeIntervalSince1970 - $0 > age } ?? false
    }

    private static func modified(_ path: String) -> TimeInterval? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9
    }
}
