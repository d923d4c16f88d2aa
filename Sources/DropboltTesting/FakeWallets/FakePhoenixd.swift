import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An in-process fake of phoenixd's HTTP API, reproducing the shapes in `reference/wallets.md` §3 and recording in
/// ``FakeWalletBook/violations`` every way a client breaks them.
///
/// Every call needs HTTP basic auth with the password ``password`` (the user is ignored), else 401 with phoenixd's
/// plain-text message.
/// - `POST /payinvoice`, **form-encoded** (another `Content-Type`, or a field other than `invoice`, is a violation:
///   phoenixd takes no fee limit) → always **HTTP 200**: `{recipientAmountSat, routingFeeSat (sat), paymentId,
///   paymentHash, paymentPreimage (hex)}` on success, `{paymentHash, reason}` on failure. A held payment answers only
///   once settled; a second call for a paid or pending hash answers with a `reason` saying so.
/// - `GET /payments/outgoingbyhash/{hash}` (64 lowercase hex) → `{paymentHash, preimage (only when paid), isPaid,
///   sent (sat, with fees), fees (**msat**), completedAt (only when final), …}`; unknown → 404 "Not found".
/// - `GET /getbalance` → `{balanceSat, feeCreditSat}`; `GET /getinfo` → `{nodeId, chain: "regtest", …}`.
public final class FakePhoenixd: Sendable {
    /// The payments, balance and violations.
    public let book: FakeWalletBook
    /// The `http-password` the node accepts.
    public let password: String
    /// `http://127.0.0.1:<port>`.
    public let url: String
    private let task: Task<Void, any Error>

    private init(book: FakeWalletBook, password: String, port: Int, task: Task<Void, any Error>) {
        self.book = book
        self.password = password
        self.url = "http://127.0.0.1:\(port)"
        self.task = task
    }

    /// Starts the fake on a free loopback port with a random password.
    public static func start(book: FakeWalletBook = FakeWalletBook()) async throws -> FakePhoenixd {
        let password = TestHex.string((0..<32).map { _ in UInt8.random(in: 0...255) })
        let handler = PhoenixdHandler(book: book, password: password)
        let router = Router()
        router.post("/payinvoice") { request, _ in
            if let refusal = handler.authorized(request) { return refusal }
            return try await handler.pay(request)
        }
        router.get("/payments/outgoingbyhash/:hash") { request, context in
            handler.authorized(request) ?? handler.outgoing(hash: context.parameters.get("hash") ?? "")
        }
        router.get("/getbalance") { request, _ in
            handler.authorized(request)
                ?? FakeWalletHTTP.json(200, ["balanceSat": book.balanceMsat / 1000, "feeCreditSat": 1_234])
        }
        router.get("/getinfo") { request, _ in
            handler.authorized(request)
                ?? FakeWalletHTTP.json(
                    200,
                    [
                        "nodeId": FakeWalletHTTP.nodeID, "chain": "regtest", "blockHeight": 812, "version": "0.8.0",
                        "channels": [["state": "Normal", "balanceSat": book.balanceMsat / 1000]],
                    ])
        }
        let (port, task) = try await LoopbackServer.start(router, name: "FakePhoenixd")
        return FakePhoenixd(book: book, password: password, port: port, task: task)
    }

    /// Stops the server.
    public func stop() { task.cancel() }
}

/// The request handling of ``FakePhoenixd``.
private struct PhoenixdHandler: Sendable {
    let book: FakeWalletBook
    let password: String

    /// nil when basic auth carries the password, else phoenixd's 401.
    func authorized(_ request: Request) -> Response? {
        let header = FakeWalletHTTP.header(request, "Authorization") ?? ""
        let decoded =
            header.hasPrefix("Basic ")
            ? Data(base64Encoded: String(header.dropFirst(6))).map { String(decoding: $0, as: UTF8.self) } : nil
        guard let decoded, let colon = decoded.firstIndex(of: ":"), decoded[decoded.index(after: colon)...] == password
        else {
            return FakeWalletHTTP.text(
                401, "Invalid authentication (use basic auth with the http password set in phoenix.conf)")
        }
        return nil
    }

    func pay(_ request: Request) async throws -> Response {
        if request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") != true {
            book.violation("phoenixd payinvoice: the body is not form-encoded")
        }
        let fields = Self.form(try await FakeWalletHTTP.body(request))
        for name in fields.keys where name != "invoice" {
            book.violation("phoenixd payinvoice: unexpected field \(name)")
        }
        guard let bolt11 = fields["invoice"] else {
            book.violation("phoenixd payinvoice: no invoice field")
            return FakeWalletHTTP.text(400, "Missing parameter invoice")
        }
        guard let (planned, state) = book.startPayment(bolt11: bolt11, feeLimitMsat: nil) else {
            book.violation("phoenixd payinvoice: an invoice no test planned")
            return FakeWalletHTTP.text(400, "Invalid parameter invoice")
        }
        let hash = planned.paymentHashHex
        if book.payCalls(hash) > 1 {
            let reason = state == .inFlight ? "a payment for this invoice is already in progress" : "already paid"
            return FakeWalletHTTP.json(200, ["paymentHash": hash, "reason": reason])
        }
        if planned.outcome == .dropConnection { return FakeWalletHTTP.droppedAfterHead(200) }
        switch state == .inFlight ? await book.finalState(hash) : state {
        case .succeeded(let fee):
            return FakeWalletHTTP.json(
                200,
                [
                    "recipientAmountSat": planned.amountMsat / 1000, "routingFeeSat": fee / 1000,
                    "paymentId": UUID().uuidString.lowercased(), "paymentHash": hash,
                    "paymentPreimage": planned.preimageHex,
                ])
        case .failed(.noRoute):
            return FakeWalletHTTP.json(200, ["paymentHash": hash, "reason": "route not found"])
        case .failed(.insufficientBalance):
            return FakeWalletHTTP.json(200, ["paymentHash": hash, "reason": "not enough funds in wallet"])
        case .failed, .inFlight:
            return FakeWalletHTTP.json(200, ["paymentHash": hash, "reason": "payment attempts timed out"])
        }
    }

    func outgoing(hash: String) -> Response {
        guard FakeWalletHTTP.isLowerHex64(hash) else {
            book.violation("phoenixd outgoingbyhash: '\(hash)' is not 64 lowercase hex")
            return FakeWalletHTTP.text(400, "Invalid parameter hash")
        }
        guard let (planned, state) = book.payment(hash) else { return FakeWalletHTTP.text(404, "Not found") }
        var payment: [String: Any] = [
            "type": "outgoing_payment", "subType": "lightning", "paymentId": UUID().uuidString.lowercased(),
            "paymentHash": hash, "invoice": planned.bolt11, "isPaid": false, "createdAt": 1_764_979_200_000,
            "sent": planned.amountMsat / 1000, "fees": 0,
        ]
        switch state {
        case .inFlight: break
        case .succeeded(let fee):
            payment["isPaid"] = true
            payment["preimage"] = planned.preimageHex
            payment["sent"] = (planned.amountMsat + fee) / 1000
            payment["fees"] = fee
            payment["completedAt"] = 1_764_979_201_000
        case .failed:
            payment["completedAt"] = 1_764_979_201_000
        }
        return FakeWalletHTTP.json(200, payment)
    }

    /// `application/x-www-form-urlencoded` fields (`+` is a space, then percent-decoding).
    static func form(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            fields[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return fields
    }
}
