import ArgumentParser
import DropboltCore
import DropboltEngine
import DropboltStore
import Foundation

/// `dropbolt retry`: puts failed or held jobs back in the queue. Jobs where money moved are never re-queued.
struct Retry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-queue a failed or held job (or every failed one). Jobs that paid are never retried this way.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job id (see `dropbolt history`).")
    var job: Int64?

    @Flag(name: .long, help: "Re-queue every failed job.")
    var failed = false

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func validate() throws {
        if (job == nil) == (!failed) { throw ValidationError("give a job id or --failed") }
    }

    func run() async throws {
        let configuration = try global.loadConfiguration()
        let store: Store
        do {
            store = try Store.open(stateFolder: configuration.stateFolder)
        } catch {
            printError("dropbolt: \(error)")
            throw ExitCode(1)
        }
        let ids: [Int64]
        if let job {
            ids = [job]
        } else {
            ids = try await store.jobIDs(in: [.failed])
        }
        var requeued: [Int64] = []
        var refused: [Int64] = []
        for id in ids {
            if try await store.requeue(jobID: id, at: Date()) { requeued.append(id) } else { refused.append(id) }
        }
        if json {
            struct Report: Encodable {
                var requeued: [Int64]
                var refused: [Int64]
            }
            print(try encodeJSON(Report(requeued: requeued, refused: refused)))
        } else {
            for id in requeued { print("#\(id) queued again") }
            for id in refused {
                print("#\(id) not re-queued: it is not failed or held (jobs that paid are never retried; see status)")
            }
        }
        if !refused.isEmpty && job != nil { throw ExitCode(1) }
    }
}
