import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An in-process fake of Core Lightning's clnrest, reproducing the shapes in `reference/wallets.md` §2 and recording
/// in ``FakeWalletBook/violations`` every way a client breaks them.
///
/// Every method is `POST /v1/<method>` with a JSON body (another `Content-Type` is a violation) and header `Rune` =
/// ``rune``: none → 403 `{"code": 1501, "message": "Not authorized: Missing rune"}`, a wrong one → 401
/// `{"code": 1502, …}`. Success is **HTTP 201**.
/// - `pay` `{bolt11, maxfee (integer msat), retry_for (seconds)}` → `{payment_preimage (hex), payment_hash,
///   amount_msat, amount_sent_msat, status: "complete", …}`; failures are HTTP 500 with the JSON-RPC error: 205 no
///   route (its message names the missing spendable balance for ``FakeWalletBook/Outcome/insufficientBalance``),
///   and 210 "timed out" in the **older** `{"error": {"code", "message"}}` shape, so clients meet both. A held payment
///   answers only once settled. `maxfee` as a string, `maxfeepercent`/`exemptfee`, or a missing `retry_for` are
///   violations.
/// - `listpays` `{payment_hash}` (64 hex) → `{"pays": [{status, preimage (when complete), amount_msat,
///   amount_sent_msat, …}]}`; unknown → `{"pays": []}`.
/// - `listfunds` → `channels[]` with `our_amount_msat` (one open channel holding the balance, one closed channel that
///   must not count); `getinfo` → `{id, alias, network: "regtest", …}`.
public final class FakeCLN: Sendable {
    /// The payments, balance and violations.
    public let book: FakeWalletBook
    /// The rune the node accepts.
    public let rune: String
    /// `http://127.0.0.1:<port>`.
    public let url: String
    private let task: Task<Void, any Error>

    private init(book: FakeWalletBook, rune: String, port: Int, task: Task<Void, any Error>) {
        self.book = book
        self.rune = rune
        self.url = "http://127.0.0.1:\(port)"
        self.task = task
    }

    /// Starts the fake on a free loopback port with a random rune.
    public static func start(book: FakeWalletBook = FakeWalletBook()) async throws -> FakeCLN {
        let rune = Data((0..<48).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "+", with: "-")
        let handler = CLNHandler(book: book, rune: rune)
        let router = Router()
        router.post("/v1/:method") { request, context in
            try await handler.handle(request, method: context.parameters.get("method") ?? "")
        }
        let (port, task) = try await LoopbackServer.start(router, name: "FakeCLN")
        return FakeCLN(book: book, rune: rune, port: port, task: task)
    }

    /// Stops the server.
    public func stop() { task.cancel() }
}

/// The request handling of ``FakeCLN``.
private struct CLNHandler: Sendable {
    let book: FakeWalletBook
    let rune: String

    func handle(_ request: Request, method: String) async throws -> Response {
        guard let given = FakeWalletHTTP.header(request, "Rune") else {
            return FakeWalletHTTP.json(403, ["code": 1501, "message": "Not authorized: Missing rune"])
        }
        guard given == rune else {
            return FakeWalletHTTP.json(401, ["code": 1502, "message": "Not permitted: Not derived from master"])
        }
        if request.headers[.contentType]?.hasPrefix("application/json") != true {
            book.violation("CLN \(method): Content-Type is not application/json")
        }
        guard let body = try await FakeWalletHTTP.jsonBody(request) else {
            book.violation("CLN \(method): the body is not a JSON object")
            return FakeWalletHTTP.json(500, ["code": -32602, "message": "Expected JSON object"])
        }
        switch method {
        case "pay": return await pay(body)
        case "listpays": return listpays(body)
        case "listfunds": return listfunds()
        case "getinfo": return getinfo()
        default:
            book.violation("CLN: unexpected method \(method)")
            return FakeWalletHTTP.json(404, ["code": -32601, "message": "Unknown command '\(method)'"])
        }
    }

    func pay(_ body: [String: Any]) async -> Response {
        guard let bolt11 = body["bolt11"] as? String else {
            book.violation("CLN pay: no bolt11")
            return FakeWalletHTTP.json(500, ["code": -32602, "message": "missing required parameter: bolt11"])
        }
        let maxFee = body["maxfee"] as? NSNumber
        if maxFee == nil { book.violation("CLN pay: maxfee missing or not an integer of msat") }
        if body["maxfeepercent"] != nil || body["exemptfee"] != nil {
            book.violation("CLN pay: maxfee cannot be combined with maxfeepercent or exemptfee")
        }
        let retryFor = FakeWalletHTTP.int64(body["retry_for"])
        if (retryFor ?? 0) <= 0 { book.violation("CLN pay: retry_for missing") }
        guard
            let (planned, state) = book.startPayment(
                bolt11: bolt11, feeLimitMsat: maxFee?.int64Value, searchSeconds: retryFor)
        else {
            book.violation("CLN pay: an invoice no test planned")
            return FakeWalletHTTP.json(500, ["code": -32602, "message": "Invalid bolt11: Bad bech32 string"])
        }
        if book.payCalls(planned.paymentHashHex) > 1, state == .inFlight {
            return FakeWalletHTTP.json(500, ["code": 200, "message": "Already have pending payment for this hash"])
        }
        if planned.outcome == .dropConnection { return FakeWalletHTTP.droppedAfterHead(201) }
        let final = state == .inFlight ? await book.finalState(planned.paymentHashHex) : state
        switch final {
        case .succeeded(let fee):
            var result = Self.pay(planned, final)
            result["payment_preimage"] = planned.preimageHex
            result["amount_sent_msat"] = planned.amountMsat + fee
            result["parts"] = 1
            return FakeWalletHTTP.json(201, result)
        case .failed(.noRoute):
            return FakeWalletHTTP.json(
                500, ["code": 205, "message": "Ran out of routes to try after 3 attempts: see `paystatus`"])
        case .failed(.insufficientBalance):
            let message = "We could not find a usable set of paths: insufficient spendable balance in our channels"
            return FakeWalletHTTP.json(500, ["code": 205, "message": message])
        case .failed:
            // The older Python clnrest's error shape, so that a client meets both.
            return FakeWalletHTTP.json(
                500, ["error": ["code": 210, "message": "Timed out without payment in progress"]])
        case .inFlight:
            return FakeWalletHTTP.json(201, Self.pay(planned, final))
        }
    }

    func listpays(_ body: [String: Any]) -> Response {
        guard let hash = body["payment_hash"] as? String, FakeWalletHTTP.isLowerHex64(hash) else {
            book.violation("CLN listpays: payment_hash is not 64 lowercase hex")
            return FakeWalletHTTP.json(500, ["code": -32602, "message": "payment_hash: should be a hex string"])
        }
        guard let (planned, state) = book.payment(hash) else { return FakeWalletHTTP.json(201, ["pays": [Any]()]) }
        var pay = Self.pay(planned, state)
        pay.removeValue(forKey: "payment_preimage")
        if case .succeeded(let fee) = state {
            pay["preimage"] = planned.preimageHex
            pay["amount_sent_msat"] = planned.amountMsat + fee
        }
        return FakeWalletHTTP.json(201, ["pays": [pay]])
    }

    func listfunds() -> Response {
        let open: [String: Any] = [
            "peer_id": FakeWalletHTTP.nodeID, "connected": true, "state": "CHANNELD_NORMAL",
            "short_channel_id": "103x1x0", "our_amount_msat": book.balanceMsat, "amount_msat": 10_000_000_000,
            "funding_txid": String(repeating: "ab", count: 32), "funding_output": 0,
        ]
        var closed = open
        closed["state"] = "ONCHAIN"
        closed["connected"] = false
        closed["our_amount_msat"] = 777_000
        return FakeWalletHTTP.json(201, ["outputs": [Any](), "channels": [open, closed]])
    }

    func getinfo() -> Response {
        FakeWalletHTTP.json(
            201,
            [
                "id": FakeWalletHTTP.nodeID, "alias": "fake-cln", "color": "03e715", "num_peers": 1,
                "num_active_channels": 1, "version": "v26.06", "blockheight": 812, "network": "regtest",
                "fees_collected_msat": 0, "address": [Any](), "binding": [Any](),
            ])
    }

    /// A `pay`/`listpays` entry for the planned payment in `state`.
    static func pay(_ planned: FakeWalletBook.Planned, _ state: FakeWalletBook.State) -> [String: Any] {
        let status: String
        switch state {
        case .inFlight: status = "pending"
        case .succeeded: status = "complete"
        case .failed: status = "failed"
        }
        return [
            "destination": FakeWalletHTTP.nodeID, "payment_hash": planned.paymentHashHex, "created_at": 1_764_979_200,
            "bolt11": planned.bolt11, "amount_msat": planned.amountMsat, "status": status,
        ]
    }
}
