import Foundation
import Glibc

/// The Nostr Wallet Connect test harness (`tools/nwc/harness.py`): a real relay (PyPI `nostr-relay`) on loopback and
/// an NIP-47 wallet service (PyPI `nostr-sdk`) that pays through a test LNbits wallet.
///
/// ```swift
/// let lnbits = try await LNbitsServer.forTest()
/// let harness = try await NWCHarness.start(lnbitsURL: lnbits.url, adminKey: lnbits.payer.adminkey)
/// defer { harness.stop() }
/// let uri = try WalletConnectURI(parsing: harness.connectionURI)
/// ```
public struct NWCHarness: Sendable {
    /// Why the harness did not come up.
    public struct StartError: Error, CustomStringConvertible {
        /// What went wrong, with the harness's stderr.
        public let description: String
    }

    /// The relay's `ws://127.0.0.1:PORT` URL.
    public let relayURL: String
    /// The `nostr+walletconnect://` string; it holds a client secret made for this run only.
    public let connectionURI: String
    /// The harness's pid, also its process group (the relay runs in it).
    public let pid: Int32
    /// Where the harness writes its stderr (one line per request it handled); removed by ``stop()``.
    public let logPath: String
    /// The private folder with the admin key file and the log.
    private let folder: String
    /// The write end of the harness's stdin: closing it asks the harness to stop.
    private let stdinDescriptor: Int32

    /// The harness script, `<repo>/tools/nwc/harness.py`.
    public static var scriptPath: String { LNbitsServer.repositoryRoot + "/tools/nwc/harness.py" }

    /// True when the harness script exists in this tree (it arrives with the NWC test tooling).
    public static var isAvailable: Bool { FileManager.default.fileExists(atPath: scriptPath) }

    /// Starts the harness for the LNbits wallet whose admin key is `adminKey` and returns once it printed its line.
    ///
    /// - Parameters:
    ///   - dropOn: `"pay_invoice"` makes the wallet service pay the first invoice and then restart the relay instead
    ///     of answering (the client sees its connection drop after publishing).
    ///   - network: what `get_info` reports (the harness says `regtest` unless told); LNbits' FakeWallet invoices
    ///     are `lnbc…`, so a daemon that checks invoice networks needs `mainnet`.
    /// - Throws: ``StartError`` when the script is missing or does not become ready.
    public static func start(
        lnbitsURL: String, adminKey: String, dropOn: String? = nil, network: String? = nil
    ) async throws -> NWCHarness {
        guard isAvailable else {
            throw StartError(description: "\(scriptPath) is missing (the NWC tooling; run tools/nwc/install.sh)")
        }
        let folder = NSTemporaryDirectory() + "dropbolt-nwc-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let keyPath = folder + "/admin.key"
        // The key goes in a private file, never on a command line other users can read.
        guard
            FileManager.default.createFile(
                atPath: keyPath, contents: Data(adminKey.utf8), attributes: [.posixPermissions: 0o600])
        else { throw StartError(description: "cannot write \(keyPath)") }
        let logPath = folder + "/harness.err"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = ["python3", scriptPath, "--lnbits-url", lnbitsURL, "--admin-key-file", keyPath]
        if let dropOn { arguments += ["--drop-on", dropOn] }
        if let network { arguments += ["--network", network] }
        process.arguments = arguments
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()
        let line = await readLine(from: output.fileHandleForReading.fileDescriptor)
        struct Ready: Decodable {
            let relay: String
            let uri: String
            let pid: Int32
        }
        guard let line, let ready = try? JSONDecoder().decode(Ready.self, from: Data(line.utf8)) else {
            process.terminate()
            let errors = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(atPath: folder)
            throw StartError(description: "the NWC harness did not become ready:\n\(errors)")
        }
        // Our own copy of the write end (close-on-exec, so no later child holds it), and the Pipe's closed now: the
        // Process object keeps the Pipe alive, and while any copy is open the harness never sees end of file.
        let stdinDescriptor = fcntl(input.fileHandleForWriting.fileDescriptor, F_DUPFD_CLOEXEC, 0)
        try? input.fileHandleForWriting.close()
        return NWCHarness(
            relayURL: ready.relay, connectionURI: ready.uri, pid: ready.pid, logPath: logPath, folder: folder,
            stdinDescriptor: stdinDescriptor)
    }

    /// Stops the harness (closes its stdin, then SIGTERM to its group after 5 seconds, SIGKILL after 7) and removes
    /// its folder with the key file and the log. Blocks.
    public func stop() {
        close(stdinDescriptor)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        guard !ProcessGroup.waitUntilGone(pid, seconds: 5), !ProcessGroup.signal(pid, SIGTERM, waiting: 2) else { return }
        ProcessGroup.signal(pid, SIGKILL, waiting: 2)
    }

    /// The stderr lines so far (what the wallet service did, one line per request).
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Reads up to the first newline on a background thread; nil at end of file.
    private static func readLine(from descriptor: Int32) async -> String? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var bytes: [UInt8] = []
                var byte: UInt8 = 0
                while read(descriptor, &byte, 1) == 1 {
                    if byte == UInt8(ascii: "\n") { break }
                    bytes.append(byte)
                }
                continuation.resume(returning: bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self))
            }
        }
    }
}
