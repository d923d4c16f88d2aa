import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A real LNbits (FakeWallet funding source) on loopback, for integration tests that pay invoices.
///
/// The server runs from `<repo>/.build-lnbits/venv` (made by `tools/lnbits/install.sh`, which
/// `make test` runs) through `tools/lnbits/start.py`. It has two accounts: ``payer``, funded with
/// 1,000,000 sat, and ``payee``, empty. Payments between them are internal to LNbits and return the
/// preimage at once. See `tools/lnbits/README.md` for the JSON shapes.
///
/// ```swift
/// let dir = try TemporaryDirectory(prefix: "lnbits")
/// let lnbits = try await LNbitsServer.start(dataDirectory: dir.path)
/// defer { lnbits.stop(); dir.remove() }
/// // POST \(lnbits.url)/api/v1/payments with X-Api-Key: lnbits.payer.adminkey …
/// ```
public struct LNbitsServer: Sendable {
    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`.
    public let url: String
    /// The funded account (1,000,000 sat = 1,000,000,000 msat at start).
    public let payer: Keys
    /// The empty account that creates the invoices.
    public let payee: Keys
    /// Bearer token of the LNbits super user (`Authorization: Bearer …`), e.g. to add funds with
    /// `PUT /users/api/v1/balance`.
    public let adminToken: String
    /// Process group id of the server (equal to the pid of the `lnbits` process).
    let pid: Int32
    /// False for a view with other accounts on a server someone else stops (``withFreshAccounts(fundSats:)``).
    var ownsProcess = true

    /// The identifiers and API keys of one LNbits account's wallet.
    public struct Keys: Sendable, Codable, Equatable {
        /// Wallet id (what `PUT /users/api/v1/balance` takes as `id`).
        public let id: String
        /// User id owning the wallet.
        public let user: String
        /// Admin key: send as `X-Api-Key` to pay invoices.
        public let adminkey: String
        /// Invoice/read key: send as `X-Api-Key` to create invoices, look up payments and read the balance.
        public let inkey: String

        /// Creates keys by hand (normally they come from ``LNbitsServer/start(dataDirectory:)``).
        public init(id: String, user: String, adminkey: String, inkey: String) {
            self.id = id
            self.user = user
            self.adminkey = adminkey
            self.inkey = inkey
        }
    }

    /// Why ``LNbitsServer/start(dataDirectory:)`` failed; the description includes the server's log tail.
    public struct StartError: Error, CustomStringConvertible {
        /// What went wrong, with the output of `start.py`.
        public let description: String
    }

    /// The repository root, found from this file's path (`<repo>/Sources/DropboltTesting/LNbitsServer.swift`).
    public static let repositoryRoot: String = URL(fileURLWithPath: #filePath)
        .resolvingSymlinksInPath()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .path

    /// The venv's python that runs `start.py`.
    public static var python: String { repositoryRoot + "/.build-lnbits/venv/bin/python" }

    /// Starts a fresh LNbits and returns once both accounts exist and the payer is funded.
    ///
    /// Picks a free loopback port and runs `tools/lnbits/start.py`. `dataDirectory` belongs to the
    /// server: it is created if missing, must not hold an LNbits database yet, and receives the
    /// database, `lnbits.log`, `server.json` and `start.out`. Takes a few seconds. Throws
    /// ``StartError`` (never skips) when the venv is missing or the server does not come up.
    public static func start(dataDirectory: String) async throws -> LNbitsServer {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw StartError(
                description: "LNbits is not installed: \(python) is missing. "
                    + "Run `make test` (it installs LNbits with tools/lnbits/install.sh), "
                    + "or run tools/lnbits/install.sh yourself.")
        }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let jsonPath = dataDirectory + "/server.json"
        var attempt = 1
        while true {
            let port = try freeLoopbackPort()
            let (status, output) = try await runStartScript(
                dataDirectory: dataDirectory, port: port, jsonPath: jsonPath)
            if status == 0 {
                do {
                    let file = try JSONDecoder().decode(
                        ServerFile.self, from: Data(contentsOf: URL(fileURLWithPath: jsonPath)))
                    return LNbitsServer(
                        url: file.url, payer: file.payer, payee: file.payee, adminToken: file.admin_token,
                        pid: file.pid)
                } catch {
                    throw StartError(description: "LNbits started but \(jsonPath) is unreadable: \(error)\n\(output)")
                }
            }
            // 3: another process took the port between our probe and LNbits' bind. Retry on a new
            // port with an empty folder (start.py already stopped the half-started server).
            if status == 3 && attempt < 3 {
                attempt += 1
                try emptyFolder(dataDirectory)
                continue
            }
            throw StartError(description: "tools/lnbits/start.py failed (exit \(status)):\n\(output)")
        }
    }

    /// Stops the server: SIGTERM to its process group, SIGKILL after 5 seconds. Blocks until done.
    public func stop() {
        guard ownsProcess, pid > 1 else { return }
        if !ProcessGroup.signal(pid, SIGTERM, waiting: 5) { ProcessGroup.signal(pid, SIGKILL, waiting: 2) }
    }

    // MARK: - Private

    private struct ServerFile: Decodable {
        let url: String
        let pid: Int32
        let payer: Keys
        let payee: Keys
        let admin_token: String
    }

    /// Runs start.py and returns its exit status and combined output.
    private static func runStartScript(
        dataDirectory: String, port: UInt16, jsonPath: String
    ) async throws -> (Int32, String) {
        let outputPath = dataDirectory + "/start.out"
        guard FileManager.default.createFile(atPath: outputPath, contents: nil),
            let output = FileHandle(forWritingAtPath: outputPath)
        else {
            throw StartError(description: "cannot write \(outputPath)")
        }
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [
            repositoryRoot + "/tools/lnbits/start.py",
            "--data-dir", dataDirectory, "--port", String(port), "--out", jsonPath,
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { finished in
                continuation.resume(returning: finished.terminationStatus)
            }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: StartError(description: "cannot run \(python): \(error)"))
            }
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return (status, text)
    }

    /// A port that was free on 127.0.0.1 a moment ago (bound to port 0, read back, closed).
    private static func freeLoopbackPort() throws -> UInt16 {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw StartError(description: "socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw StartError(description: "bind(127.0.0.1:0) failed: errno \(errno)") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw StartError(description: "getsockname failed: errno \(errno)") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Removes everything inside `path`, keeping the folder.
    private static func emptyFolder(_ path: String) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: path) {
            try FileManager.default.removeItem(atPath: path + "/" + name)
        }
    }
}
