import Foundation
import Glibc

/// The state folder's `spool/`: request bodies before the first POST and paid results before the output write,
/// both fsync'd, so a crash never loses what was paid for and never changes what is re-sent.
struct Spool: Sendable {
    let folder: String

    /// Creates `<state>/spool` with mode 0700.
    init(stateFolder: String) throws {
        folder = stateFolder + "/spool"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        chmod(folder, 0o700)
    }

    func requestPath(job: Int64) -> String { folder + "/job-\(job).request.json" }
    func resultPath(job: Int64) -> String { folder + "/job-\(job).result" }

    func write(_ bytes: [UInt8], to path: String) throws {
        try DurableFile.write(bytes, to: path, mode: 0o600)
    }

    func remove(job: Int64) {
        unlink(requestPath(job: job))
        unlink(resultPath(job: job))
    }
}
