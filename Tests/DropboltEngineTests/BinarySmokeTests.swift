import DropboltTesting
import Foundation
import Testing

/// The real `dropbolt` executable: rules check exit codes, the daemon under SIGHUP and SIGTERM, `status --json`.
@Suite(.serialized)
struct BinarySmokeTests {
    /// The executable built next to the test bundle (`swift build --build-tests` builds both).
    static var binary: String {
        if let explicit = ProcessInfo.processInfo.environment["DROPBOLT_BINARY"] { return explicit }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("dropbolt").path
    }

    /// Runs the binary to completion; returns exit code and standard output.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try runKeepingErrors(arguments)
        return (result.status, result.output)
    }

    /// Like ``run(_:)``, with standard error too (kept in a file, so a long one can never block the program).
    static func runKeepingErrors(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let errorsFile = FileManager.default.temporaryDirectory.appendingPathComponent("dropbolt-stderr-\(UUID())")
        _ = FileManager.default.createFile(atPath: errorsFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorsFile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = try FileHandle(forWritingTo: errorsFile)
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errors = (try? String(contentsOf: errorsFile, encoding: .utf8)) ?? ""
        return (process.terminationStatus, String(decoding: data, as: UTF8.self), errors)
    }

    @Test func rulesCheckReportsBrokenFilesWithTheirPositionAndExitsOne() throws {
        let harness = try DaemonHarness()
        defer { harness.directory.remove() }
        let good = try Self.run(["rules", "check", "--config", harness.configPath])
        #expect(good.status == 0)
        #expect(good.output.contains("2 rules OK"))
        try harness.directory.write("rules/broken.yaml", contents: "watch: inbox/products\naction: paint\n")
        let bad = try Self.run(["rules", "check", "--config", harness.configPath])
        #expect(bad.status == 1)
        #expect(bad.output.contains("broken.yaml:2:9"))
    }

    @Test func daemonQueuesReloadsOnSighupAndStopsCleanlyOnSigterm() async throws {
        let harness = try DaemonHarness()
        defer { harness.directory.remove() }
        let logPath = harness.directory.url("daemon.log")
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["run", "--queue-only", "--config", harness.configPath, "--log-level", "info"]
        process.standardError = log
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let logText = { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

        try await waitUntil(timeout: .seconds(30), what: "start-up reconcile") {
            logText().contains("reconcile scan finished")
        }
        try harness.directory.write("inbox/captions/smoke.jpg", bytes: 1234)
        try await waitUntil(timeout: .seconds(30), what: "one queued job in status --json") {
            let status = try Self.run(["status", "--json", "--config", harness.configPath])
            guard status.status == 0,
                let json = try JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: Any],
                let jobs = json["jobs"] as? [String: Int]
            else { return false }
            return jobs["queued"] == 1
        }

        kill(process.processIdentifier, SIGHUP)
        try await waitUntil(timeout: .seconds(15), what: "reload on SIGHUP") {
            logText().contains("file.path=SIGHUP") && logText().contains("rules reloaded")
        }

        kill(process.processIdentifier, SIGTERM)
        try await waitUntil(timeout: .seconds(15), what: "exit after SIGTERM") { !process.isRunning }
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }
}
