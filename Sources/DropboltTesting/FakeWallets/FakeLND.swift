import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import NIOCore
import NIOSSL

/// An in-process fake of LND's REST API over **TLS** with a self-signed certificate, reproducing the shapes in
/// `reference/wallets.md` §1 and recording in ``FakeWalletBook/violations`` every way a client breaks them.
///
/// - `POST /v2/router/send` `{payment_request, fee_limit_sat, timeout_seconds}` → HTTP 200, newline-delimited
///   `{"result": lnrpc.Payment}` lines: IN_FLIGHT, then SUCCEEDED (preimage **hex**; the HTLC's preimage is
///   **base64**, as LND sends bytes) or FAILED with `failure_reason`. int64 fields are JSON strings; an unsettled
///   preimage is 64 zeros. A hash it has paid or in flight → 409 `{"error": {"code": 6, "message": "invoice is already
///   paid" | "payment is in transition"}}`. `fee_limit_msat`, a missing or non-integer `fee_limit_sat` and a missing
///   `timeout_seconds` are violations.
/// - `GET /v2/router/track/{hash}` (URL-safe base64; `+`, `/` or hex are violations) → the current state line, and
///   while in flight the stream stays open until the payment is final; unknown → 404
///   `{"error": {"code": 5, "message": "payment isn't initiated"}}`.
/// - `GET /v1/balance/channels` → `local_balance {sat, msat}` as strings; `GET /v1/getinfo` → `identity_pubkey`,
///   `alias`, `chains: [{chain: "bitcoin", network: "regtest"}]`.
///
/// Every call needs `Grpc-Metadata-macaroon` = lowercase hex of ``macaroon``, else HTTP 500 with gRPC code 2
/// "verification failed: signature mismatch after caveat verification", as LND answers.
public final class FakeLND: Sendable {
    /// The payments, balance and violations.
    public let book: FakeWalletBook
    /// The macaroon the node accepts (binary, as LND writes `admin.macaroon`).
    public let macaroon: [UInt8]
    /// The certificate the server presents; a client trusts ``SelfSignedCertificate/certificatePath``.
    public let certificate: SelfSignedCertificate
    /// `https://127.0.0.1:<port>`.
    public let url: String
    private let task: Task<Void, any Error>

    private init(
        book: FakeWalletBook, macaroon: [UInt8], certificate: SelfSignedCertificate, port: Int,
        task: Task<Void, any Error>
    ) {
        self.book = book
        self.macaroon = macaroon
        self.certificate = certificate
        self.url = "https://127.0.0.1:\(port)"
        self.task = task
    }

    /// Starts the fake on a free loopback port with a fresh self-signed certificate and a random macaroon.
    public static func start(book: FakeWalletBook = FakeWalletBook()) async throws -> FakeLND {
        let certificate = try SelfSignedCertificate.make()
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificate.certificatePath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: certificate.keyPath, format: .pem)))
        // A binary macaroon: a V2 macaroon starts with 0x02, which is not text.
        let macaroon = [0x02, 0x01] + (0..<62).map { _ in UInt8.random(in: 0...255) }
        let expected = TestHex.string(macaroon)
        let router = Router()
        let handler = Handler(book: book, macaroonHex: expected)
        router.post("/v2/router/send") { request, _ in try await handler.send(request) }
        router.get("/v2/router/track/:hash") { request, context in
            try await handler.track(request, hash: context.parameters.get("hash") ?? "")
        }
        router.get("/v1/balance/channels") { request, _ in handler.authorized(request) ?? handler.balance() }
        router.get("/v1/getinfo") { request, _ in handler.authorized(request) ?? handler.info() }
        let (port, task) = try await LoopbackServer.start(
            router, name: "FakeLND", server: try .tls(.http1(), tlsConfiguration: tls))
        return FakeLND(book: book, macaroon: macaroon, certificate: certificate, port: port, task: task)
    }

    /// Stops the server.
    public func stop() { task.cancel() }
}

/// The request handling of ``FakeLND``.
private struct Handler: Sendable {
    let book: FakeWalletBook
    let macaroonHex: String

    /// nil when the macaroon is right, else LND's answer to a wrong one.
    func authorized(_ request: Request) -> Response? {
        guard FakeWalletHTTP.header(request, "Grpc-Metadata-macaroon") != macaroonHex else { return nil }
        let message = "verification failed: signature mismatch after caveat verification"
        return FakeWalletHTTP.json(500, ["code": 2, "message": message, "details": [Any]()])
    }

    func send(_ request: Request) async throws -> Response {
        if let refusal = authorized(request) { return refusal }
        guard let body = try await FakeWalletHTTP.jsonBody(request), let bolt11 = body["payment_request"] as? String
        else {
            book.violation("LND send: the body is not JSON with payment_request")
            return Self.error(400, code: 3, "invalid payment request")
        }
        if body["fee_limit_msat"] != nil {
            book.violation("LND send: fee_limit_msat sent; dropbolt sends fee_limit_sat")
        }
        let feeLimitSat = FakeWalletHTTP.int64(body["fee_limit_sat"])
        if feeLimitSat == nil {
            book.violation("LND send: fee_limit_sat missing or not an integer (0 = zero-fee only)")
        }
        let timeoutSeconds = FakeWalletHTTP.int64(body["timeout_seconds"])
        if (timeoutSeconds ?? 0) <= 0 {
            book.violation("LND send: timeout_seconds missing")
        }
        guard
            let (planned, state) = book.startPayment(
                bolt11: bolt11, feeLimitMsat: feeLimitSat.map { $0 * 1000 }, searchSeconds: timeoutSeconds)
        else {
            book.violation("LND send: an invoice no test planned")
            return Self.error(500, code: 2, "invalid payment request: unknown invoice")
        }
        // LND lets a failed payment be tried again (it fails the same way here); a paid or pending one it refuses.
        if book.payCalls(planned.paymentHashHex) > 1, state == .inFlight || state.isSucceeded {
            let message = state == .inFlight ? "payment is in transition" : "invoice is already paid"
            return Self.error(409, code: 6, message)
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody { writer in
                try await writer.write(FakeWalletHTTP.line(["result": Self.payment(planned, .inFlight)]))
                if planned.outcome == .dropConnection { throw FakeWalletBook.DroppedConnection() }
                let final = state == .inFlight ? await book.finalState(planned.paymentHashHex) : state
                try await writer.write(FakeWalletHTTP.line(["result": Self.payment(planned, final)]))
                try await writer.finish(nil)
            })
    }

    func track(_ request: Request, hash: String) async throws -> Response {
        if let refusal = authorized(request) { return refusal }
        let standard = hash.removingPercentEncoding?.replacingOccurrences(of: "-", with: "+")
            .replacingOccurrences(of: "_", with: "/")
        guard !hash.contains("+"), !hash.contains("/"), let standard, let bytes = Data(base64Encoded: standard),
            bytes.count == 32
        else {
            book.violation("LND track: the hash '\(hash)' is not 32 bytes in URL-safe base64")
            return Self.error(400, code: 3, "invalid hash")
        }
        let hashHex = TestHex.string(bytes)
        guard let (planned, state) = book.payment(hashHex) else {
            return Self.error(404, code: 5, "payment isn't initiated")
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody { writer in
                try await writer.write(FakeWalletHTTP.line(["result": Self.payment(planned, state)]))
                if state == .inFlight {
                    let final = await book.finalState(hashHex)
                    try await writer.write(FakeWalletHTTP.line(["result": Self.payment(planned, final)]))
                }
                try await writer.finish(nil)
            })
    }

    func balance() -> Response {
        let msat = book.balanceMsat
        let amount: (Int64) -> [String: String] = { ["sat": "\($0 / 1000)", "msat": "\($0)"] }
        return FakeWalletHTTP.json(
            200,
            [
                "balance": "\(msat / 1000)", "pending_open_balance": "0", "local_balance": amount(msat),
                "remote_balance": amount(1_000_000_000), "unsettled_local_balance": amount(0),
                "unsettled_remote_balance": amount(0), "pending_open_local_balance": amount(0),
                "pending_open_remote_balance": amount(0),
            ])
    }

    func info() -> Response {
        FakeWalletHTTP.json(
            200,
            [
                "version": "0.21.0-beta commit=fake", "identity_pubkey": FakeWalletHTTP.nodeID, "alias": "fake-lnd",
                "num_active_channels": 1, "block_height": 812, "synced_to_chain": true, "testnet": false,
                "chains": [["chain": "bitcoin", "network": "regtest"]], "uris": [String](),
            ])
    }

    /// lnrpc.Payment as LND's gateway writes it: every field present, int64 as strings, enums as names.
    static func payment(_ planned: FakeWalletBook.Planned, _ state: FakeWalletBook.State) -> [String: Any] {
        var status = "IN_FLIGHT"
        var reason = "FAILURE_REASON_NONE"
        var fee: Int64 = 0
        var preimage = String(repeating: "0", count: 64)
        var htlcs: [[String: Any]] = []
        switch state {
        case .inFlight: break
        case .succeeded(let paid):
            (status, fee, preimage) = ("SUCCEEDED", paid, planned.preimageHex)
            let bytes = Data(TestHex.bytes(planned.preimageHex))
            htlcs = [["attempt_id": "1", "status": "SUCCEEDED", "preimage": bytes.base64EncodedString()]]
        case .failed(let outcome):
            status = "FAILED"
            switch outcome {
            case .noRoute: reason = "FAILURE_REASON_NO_ROUTE"
            case .insufficientBalance: reason = "FAILURE_REASON_INSUFFICIENT_BALANCE"
            case .timeout: reason = "FAILURE_REASON_TIMEOUT"
            default: reason = "FAILURE_REASON_ERROR"
            }
        }
        return [
            "payment_hash": planned.paymentHashHex, "value": "\(planned.amountMsat / 1000)",
            "creation_date": "1764979200", "fee": "\(fee / 1000)", "payment_preimage": preimage,
            "value_sat": "\(planned.amountMsat / 1000)", "value_msat": "\(planned.amountMsat)",
            "payment_request": planned.bolt11, "status": status, "fee_sat": "\(fee / 1000)", "fee_msat": "\(fee)",
            "creation_time_ns": "1764979200000000000", "htlcs": htlcs, "payment_index": "7",
            "failure_reason": reason, "first_hop_custom_records": [String: Any](),
        ]
    }

    /// A gRPC error as the gateway writes it before any stream message.
    static func error(_ status: Int, code: Int, _ message: String) -> Response {
        FakeWalletHTTP.json(status, ["error": ["code": code, "message": message, "details": [Any]()]])
    }
}
