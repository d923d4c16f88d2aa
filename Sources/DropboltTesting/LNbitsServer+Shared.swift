import AsyncHTTPClient
import Foundation
import Glibc
import NIOCore
import NIOHTTP1
import Synchronization

/// One LNbits for a whole test process: started on first use, stopped when the process exits.
///
/// Tests isolate by accounts, not by servers: each asks ``LNbitsServer/forTest()`` for a fresh, funded payer and a
/// fresh payee on the shared server, and compares balance deltas and its own wallets' payments, so nothing another
/// test did is visible to it. Starting LNbits costs about 7 s; a suite of thirty paying tests saves minutes.
private actor SharedLNbits {
    static let instance = SharedLNbits()
    /// The one start in progress or done: an actor is reentrant across `await`, so concurrent first callers must
    /// share a task rather than each start a server.
    private var starting: Task<LNbitsServer, any Error>?

    func get() async throws -> LNbitsServer {
        if let starting { return try await starting.value }
        let task = Task {
            let folder = NSTemporaryDirectory() + "dropbolt-shared-lnbits-\(getpid())"
            try? FileManager.default.removeItem(atPath: folder)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let started = try await LNbitsServer.start(dataDirectory: folder)
            SharedLNbitsExit.register(pid: started.pid, folder: folder)
            return started
        }
        starting = task
        do {
            return try await task.value
        } catch {
            starting = nil  // the next test tries again
            throw error
        }
    }
}

/// Stops the shared LNbits at process exit (`atexit` takes no context, so its pid lives in globals).
enum SharedLNbitsExit {
    nonisolated(unsafe) static var pid: Int32 = 0
    nonisolated(unsafe) static var folder: String = ""

    static func register(pid: Int32, folder: String) {
        Self.pid = pid
        Self.folder = folder
        atexit {
            let server = SharedLNbitsExit.pid
            guard server > 1 else { return }
            _ = kill(-server, SIGTERM)
            for _ in 0..<50 where kill(-server, 0) == 0 { usleep(100_000) }
            _ = kill(-server, SIGKILL)
            try? FileManager.default.removeItem(atPath: SharedLNbitsExit.folder)
        }
    }
}

extension LNbitsServer {
    /// The process's shared LNbits with a fresh payer (funded with 1,000,000 sat) and a fresh payee of its own.
    /// ``stop()`` on the result does nothing: the server outlives the test.
    public static func forTest() async throws -> LNbitsServer {
        try await SharedLNbits.instance.get().withFreshAccounts()
    }

    /// This server with a new payer (funded with `fundSats`) and a new payee; the copy does not own the process.
    public func withFreshAccounts(fundSats: Int = 1_000_000) async throws -> LNbitsServer {
        let payer = try await createAccount(name: "payer")
        let payee = try await createAccount(name: "payee")
        var request = HTTPClientRequest(url: url + "/users/api/v1/balance")
        request.method = .PUT
        request.headers.add(name: "Authorization", value: "Bearer \(adminToken)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: ["id": payer.id, "amount": fundSats]))))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status.code == 200,
            (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) .flatMap({ ($0 as? [String: Any])?["success"] as? Bool }) == true
        else {
            throw APIError(call: "PUT /users/api/v1/balance", status: Int(response.status.code), detail: String(buffer: body))
        }
        return LNbitsServer(url: url, payer: payer, payee: payee, adminToken: adminToken, pid: pid, ownsProcess: false)
    }

    private func createAccount(name: String) async throws -> Keys {
        var request = HTTPClientRequest(url: url + "/api/v1/account")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: ["name": name]))))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard (200..<300).contains(response.status.code),
            let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let id = object["id"] as? String, let user = object["user"] as? String,
            let adminkey = object["adminkey"] as? String, let inkey = object["inkey"] as? String
        else {
            throw APIError(call: "POST /api/v1/account", status: Int(response.status.code), detail: String(buffer: body))
        }
        return Keys(id: id, user: user, adminkey: adminkey, inkey: inkey)
    }
}
