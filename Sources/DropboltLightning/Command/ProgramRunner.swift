import Foundation
import Glibc
import Synchronization

/// Runs a user's program with some bytes on standard input, under a deadline, and collects what it printed.
enum ProgramRunner {
    /// How a run ended.
    struct Outcome: Sendable {
        /// The exit status, or nil when the program was killed by a signal or never started.
        var exitStatus: Int32?
        /// The program ran past the deadline and was killed.
        var timedOut: Bool
        /// Standard output, up to ``outputLimit`` bytes.
        var output: [UInt8]
        /// Standard error, up to ``outputLimit`` bytes, for error messages.
        var errorText: String
    }

    /// Why a program could not be started at all (nothing ran).
    struct LaunchError: Error, CustomStringConvertible {
        var program: String
        var reason: String
        var description: String { "cannot run \(program): \(reason)" }
    }

    /// A program that exits before reading its input must not kill dropbolt: writes to its pipe then fail with
    /// EPIPE instead of raising SIGPIPE (SwiftNIO ignores it process-wide too, once an HTTP client starts).
    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// Bytes kept from each of standard output and standard error.
    static let outputLimit = 64 << 10

    /// Runs `arguments` (program first), writes `input` to its standard input and closes it, and waits up to
    /// `timeout`; a program still running then gets SIGTERM, and SIGKILL 2 s later.
    static func run(
        _ arguments: [String], input: [UInt8], environment: [String: String], timeout: Duration
    ) async throws(LaunchError) -> Outcome {
        _ = ignoreBrokenPipes
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = environment
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let exited = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in
            exited.continuation.yield()
            exited.continuation.finish()
        }
        do {
            try process.run()
        } catch {
            throw LaunchError(program: arguments[0], reason: "\(error.localizedDescription)")
        }
        // Readers first, so a program that prints a lot before it reads never blocks on a full pipe. They block in
        // read(2), so they run on Dispatch threads: two of them on Swift's cooperative pool would stall every task
        // on a 2-core machine.
        let output = PipeCollector(stdout.fileHandleForReading)
        let errors = PipeCollector(stderr.fileHandleForReading)
        DispatchQueue.global().async {
            // A program that exits without reading its input gets a failed write here, not a SIGPIPE for us.
            try? stdin.fileHandleForWriting.write(contentsOf: Data(input))
            try? stdin.fileHandleForWriting.close()
        }
        let pid = process.processIdentifier
        // The child leads its own process group when Foundation made it so; then the whole group is stopped, so a
        // grandchild (a `sleep` in a script) does not keep the pipes open after its parent is gone.
        let target = getpgid(pid) == pid ? -pid : pid
        let ranOut = Flag()
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            ranOut.set()
            kill(target, SIGTERM)
            try await Task.sleep(for: .seconds(2))
            kill(target, SIGKILL)
        }
        for await _ in exited.stream {}
        watchdog.cancel()
        if process.isRunning {
            // The waiting task was cancelled (the stream ends then): stop the program rather than leave it running
            // unwatched (whatever it did is then an unknown outcome, looked up later), and wait for it to be gone;
            // Foundation traps when asked how a running process ended.
            kill(target, SIGKILL)
            process.waitUntilExit()
        }
        let timedOut = ranOut.isSet
        // A grandchild may still hold the pipes: what was printed until shortly after the exit is what counts.
        let pipesDeadline = ContinuousClock.now + .seconds(2)
        let outputBytes = await output.bytes(waitingUntil: pipesDeadline)
        let errorBytes = await errors.bytes(waitingUntil: pipesDeadline)
        let signaled = process.terminationReason == .uncaughtSignal
        return Outcome(
            exitStatus: signaled ? nil : process.terminationStatus, timedOut: timedOut, output: outputBytes,
            errorText: String(decoding: errorBytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Reads one pipe to end of file on a Dispatch thread, keeping the first ``outputLimit`` bytes.
    private final class PipeCollector: Sendable {
        private let kept = Mutex<[UInt8]>([])
        private let done = AsyncStream<Void>.makeStream()

        init(_ handle: FileHandle) {
            DispatchQueue.global().async { [self] in
                while let chunk = try? handle.read(upToCount: 16 << 10), !chunk.isEmpty {
                    kept.withLock { kept in
                        if kept.count < ProgramRunner.outputLimit { kept += chunk.prefix(ProgramRunner.outputLimit - kept.count) }
                    }
                }
                done.continuation.finish()
            }
        }

        /// The bytes read once the pipe reached end of file, or what arrived by `deadline` if it has not.
        func bytes(waitingUntil deadline: ContinuousClock.Instant) async -> [UInt8] {
            let stream = done.stream
            await withTaskGroup(of: Void.self) { group in
                group.addTask { for await _ in stream {} }
                group.addTask { try? await Task.sleep(until: deadline) }
                await group.next()
                group.cancelAll()
            }
            return kept.withLock { $0 }
        }
    }

    /// A flag set from the watchdog task and read once the program has exited.
    private final class Flag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }
}
