import ArgumentParser
import DropboltCore
import Foundation
import Logging

/// Options every command takes: which config file, how much to log.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Config file (default: $DROPBOLT_CONFIG, ./dropbolt.yaml, ~/.config/dropbolt/config.yaml, /etc/dropbolt/config.yaml).")
    var config: String?

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical (default: $LOG_LEVEL or info).")
    var logLevel: String?

    /// Finds and loads the config, or prints the error (file:line:column) and exits 1.
    func loadConfiguration() throws -> DropboltConfiguration {
        let environment = ProcessInfo.processInfo.environment
        guard
            let path = DropboltConfiguration.locate(
                explicit: config, environment: environment,
                currentDirectory: FileManager.default.currentDirectoryPath)
        else {
            printError(
                "dropbolt: no config file found (tried --config, $DROPBOLT_CONFIG, ./dropbolt.yaml, "
                    + "$XDG_CONFIG_HOME/dropbolt/config.yaml, /etc/dropbolt/config.yaml)")
            throw ExitCode(1)
        }
        do {
            return try DropboltConfiguration.load(path: path, environment: environment)
        } catch {
            printError("dropbolt: \(error)")
            throw ExitCode(1)
        }
    }

    /// Sets up logging to standard error once, at the chosen level.
    func bootstrapLogging() -> Logger {
        let name = logLevel ?? ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "info"
        let level = Logger.Level(rawValue: name.lowercased()) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "dropbolt")
    }
}

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
