import Foundation
import Glibc

/// The state folder's `spool/`: request bodies before the first POST, the provider's raw answer to a paid request
/// before it is parsed, and results before the output write, all fsync'd, so a crash never loses what was paid for
/// and never changes what is re-sent. `kept/` holds paid answers dropbolt could not read, for the user; it is never
/// swept.
struct Spool: Sendable {
    let folder: String
    let keptFolder: String

    /// Creates `<state>/spool` and `<state>/kept` with mode 0700.
    init(stateFolder: String) throws {
        folder = stateFolder + "/spool"
        keptFolder = stateFolder + "/kept"
        for path in [folder, keptFolder] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            chmod(path, 0o700)
        }
    }

    func requestPath(job: Int64) -> String { folder + "/job-\(job).request.json" }
    /// The raw body of the provider's 200 to a paid request; its existence means it is complete (atomic rename).
    func answerPath(job: Int64) -> String { folder + "/job-\(job).answer" }
    func resultPath(job: Int64) -> String { folder + "/job-\(job).result" }
    func keptPath(job: Int64) -> String { keptFolder + "/job-\(job)-answer.json" }

    func write(_ bytes: [UInt8], to path: String) throws {
        try DurableFile.write(bytes, to: path, mode: 0o600)
    }

    /// Moves a paid answer that could not be read to `kept/`, or writes it there if it was never spooled.
    func keep(job: Int64, answer: [UInt8]) -> String? {
        let target = keptPath(job: job)
        if rename(answerPath(job: job), target) == 0 {
            DurableFile.syncFolder(keptFolder)
            return target
        }
        return (try? DurableFile.write(answer, to: target, mode: 0o600)) != nil ? target : nil
    }

    func remove(job: Int64) {
        unlink(requestPath(job: job))
        unlink(answerPath(job: job))
        unlink(resultPath(job: job))
    }
}
