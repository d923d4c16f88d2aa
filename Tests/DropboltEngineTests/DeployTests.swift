import DropboltCore
import DropboltEngine
import DropboltTesting
import Foundation
import Testing

/// `deploy/`: the systemd unit passes `systemd-analyze verify` with no complaint, its stop timeout covers the
/// daemon's clean-stop grace, and `install.sh` stages everything a service needs.
@Suite struct DeployTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Runs a program; returns its exit status and everything it printed (stdout and stderr together).
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> (status: Int32, output: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static var unitText: String {
        get throws { try String(contentsOfFile: repository + "/deploy/dropbolt.service", encoding: .utf8) }
    }

    /// `Key=value` of the unit's `[Service]` section (the last one wins, as in systemd).
    static func serviceValue(_ key: String) throws -> String? {
        try unitText.split(separator: "\n").last { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze")))
    func theUnitVerifiesWithoutAnyComplaint() throws {
        let directory = try TemporaryDirectory(prefix: "unit")
        defer { directory.remove() }
        // verify checks that ExecStart exists: point it at the binary under test.
        let unit = try Self.unitText.replacingOccurrences(of: "/usr/local/bin/dropbolt", with: BinarySmokeTests.binary)
        let path = try directory.write("dropbolt.service", contents: unit)
        let result = try Self.run("/usr/bin/systemd-analyze", ["verify", path])
        #expect(result.status == 0)
        // systemd-analyze exits 0 even for settings it ignores; any line it prints is a defect in the unit.
        #expect(result.output.isEmpty, "\(result.output)")
        #expect(try Self.serviceValue("Type") == "notify")
        #expect(try Self.serviceValue("Restart") == "on-failure")
        for hardening in ["NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=read-only", "PrivateTmp=yes"] {
            #expect(try Self.unitText.contains("\n" + hardening + "\n"), "missing \(hardening)")
        }
        #expect(try Self.serviceValue("LoadCredential")?.hasPrefix("wallet:") == true)
    }

    @Test func theStopTimeoutCoversTheCleanStopGraceWithDefaultTimeouts() throws {
        var configuration = DropboltConfiguration(configFile: "/etc/dropbolt/config.yaml", environment: [:])
        configuration.wallet = WalletSettings(kind: .lnbits)
        let grace = Daemon.stopGrace(for: configuration)
        let stopSeconds = try #require(try Self.serviceValue("TimeoutStopSec").flatMap { Int64($0) })
        #expect(stopSeconds >= grace.components.seconds + 5, "TimeoutStopSec=\(stopSeconds), grace \(grace)")
    }

    @Test func installStagesTheServiceWithAPathsDropInAndAPrivateKey() throws {
        let directory = try TemporaryDirectory(prefix: "install")
        defer { directory.remove() }
        let key = try directory.write("key", contents: "adminkey\n")
        let stage = directory.url("stage")
        let result = try Self.run(
            Self.repository + "/deploy/install.sh",
            ["--binary", BinarySmokeTests.binary, "--photos", "/srv/shop", "--photos", "/srv/archive", "--wallet-key", key],
            environment: ["DESTDIR": stage])
        #expect(result.status == 0, "\(result.output)")
        let paths = try String(contentsOfFile: stage + "/etc/systemd/system/dropbolt.service.d/paths.conf", encoding: .utf8)
        #expect(paths.contains("[Service]\nReadWritePaths=/srv/shop\nReadWritePaths=/srv/archive\n"))
        let keyStatus = try FileManager.default.attributesOfItem(atPath: stage + "/etc/dropbolt/wallet.key")
        #expect((keyStatus[.posixPermissions] as? Int) == 0o600)
        #expect(FileManager.default.isExecutableFile(atPath: stage + "/usr/local/bin/dropbolt"))
        let sysctl = try String(contentsOfFile: stage + "/etc/sysctl.d/60-dropbolt-inotify.conf", encoding: .utf8)
        #expect(sysctl.contains("fs.inotify.max_user_watches = 524288"))
        // The config it writes loads as it is, and its commented wallet section uses the unit's credential.
        let config = stage + "/etc/dropbolt/config.yaml"
        let loaded = try DropboltConfiguration.load(path: config, environment: [:])
        #expect(loaded.stateFolder == "/var/lib/dropbolt")
        #expect(try String(contentsOfFile: config, encoding: .utf8).contains("key_file: credential:wallet"))
        // Run again: nothing the user edited is replaced.
        try "workers: 1\n".write(toFile: config, atomically: true, encoding: .utf8)
        let again = try Self.run(
            Self.repository + "/deploy/install.sh", ["--binary", BinarySmokeTests.binary], environment: ["DESTDIR": stage])
        #expect(again.status == 0, "\(again.output)")
        #expect(try String(contentsOfFile: config, encoding: .utf8) == "workers: 1\n")
    }

    @Test func versionCompletionsAndTheManPageComeFromTheCommandTree() throws {
        let version = try Self.run(BinarySmokeTests.binary, ["--version"])
        #expect(version.status == 0)
        #expect(version.output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
        for shell in ["bash", "zsh", "fish"] {
            let script = try Self.run(BinarySmokeTests.binary, ["--generate-completion-script", shell])
            #expect(script.status == 0)
            for command in ["scan", "status", "history", "rules"] { #expect(script.output.contains(command), "\(shell): \(command)") }
        }
        let page = try Self.run("/usr/bin/python3", [Self.repository + "/tools/manpage.py", BinarySmokeTests.binary])
        #expect(page.status == 0, "\(page.output)")
        #expect(page.output.hasPrefix(".TH DROPBOLT 1"))
        for section in [".SH NAME", ".SH SYNOPSIS", ".SS dropbolt scan", ".SS dropbolt rules check", ".SH FILES"] {
            #expect(page.output.contains(section), "missing \(section)")
        }
        #expect(page.output.contains("\\-\\-max\\-sats"), "options are listed")
    }
}
