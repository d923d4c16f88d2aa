import ArgumentParser
import DropboltEngine

/// `dropbolt run`: the daemon.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon: watch the rules' folders and queue a job per new image and rule.")

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Reconcile every watched folder once, queue what is new, and exit.")
    var once = false

    @Flag(name: .long, help: "Watch and queue jobs, but neither quote nor pay nor write outputs.")
    var queueOnly = false

    func run() async throws {
        ProcessMemory.returnLargeBuffersToTheSystem()
        let configuration = try global.loadConfiguration()
        let logger = global.bootstrapLogging()
        do {
            try await Daemon(
                configuration: configuration, options: .init(once: once, processJobs: !queueOnly), logger: logger
            ).run()
        } catch {
            printError("dropbolt: \(error)")
            throw ExitCode(1)
        }
    }
}
