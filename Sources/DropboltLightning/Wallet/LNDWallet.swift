import AsyncHTTPClient
import Crypto
import DropboltCore
import DropboltHTTP
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Pays through an LND node's REST API: `POST /v2/router/send`, `GET /v2/router/track/{hash}`,
/// `GET /v1/balance/channels`, `GET /v1/getinfo`.
///
/// Authenticates with a macaroon (header `Grpc-Metadata-macaroon`, hex) and trusts the node's own self-signed
/// `tls.cert` as the only root (see ``trust(certificateFile:)``). The macaroon never appears in errors or logs.
///
/// ```swift
/// let wallet = LNDWallet(
///     url: "https://127.0.0.1:8080", macaroon: try LNDWallet.macaroon(fromFile: contents),
///     tls: try LNDWallet.trust(certificateFile: "/home/lnd/.lnd/tls.cert"), httpClient: .shared)
/// ```
public struct LNDWallet: Wallet {
    /// Always `lnd`.
    public var backendName: String { "lnd" }

    /// `lnd <url> macaroon:<first 12 hex of SHA-256(macaroon)>`.
    public let identity: String

    let endpoint: WalletEndpoint
    /// The whole budget of one call; a payment's route search gets three quarters of it (``WalletEndpoint/searchSeconds(of:)``).
    let timeout: Duration

    /// Creates a backend for the LND REST API at `url` (`https://host:8080`).
    ///
    /// - Parameters:
    ///   - macaroon: the macaroon's bytes (see ``macaroon(fromFile:)``); admin, or one with offchain read/write
    ///     and info read.
    ///   - tls: the trust for this node (``trust(certificateFile:)``); nil uses the client's default trust.
    ///   - httpClient: the process's shared client; the TLS configuration is set per request.
    ///   - timeout: how long one call may take (`wallet.timeout_seconds`). LND searches routes for three quarters of
    ///     it (`timeout_seconds`); the rest is for HTLCs already sent to resolve. No final status by then is an
    ///     unknown outcome.
    public init(
        url: String, macaroon: [UInt8], tls: TLSConfiguration?, httpClient: HTTPClient,
        timeout: Duration = .seconds(60)
    ) {
        var headers = HTTPHeaders()
        headers.add(name: "Grpc-Metadata-macaroon", value: Hex.string(macaroon))
        self.endpoint = WalletEndpoint(name: "LND", url: url, headers: headers, client: httpClient, tls: tls)
        self.identity = "lnd \(endpoint.baseURL) macaroon:\(Hex.string(Array(SHA256.hash(data: macaroon))).prefix(12))"
        self.timeout = timeout
    }

    /// Pays `invoice` through LND's router with `fee_limit_sat` = `maxFee` rounded down, reading the payment's
    /// update stream until SUCCEEDED or FAILED. A stream that breaks or ends first is an unknown outcome.
    public func pay(_ invoice: Invoice, maxFee: Millisatoshi) async throws(PaymentError) -> Payment {
        let seconds = min(Int64(Int32.max), WalletEndpoint.searchSeconds(of: timeout))
        // protobuf JSON: int64 as a string; fee_limit_sat is rounded down so the limit is never exceeded.
        let body =
            #"{"payment_request":"\#(invoice.string)","fee_limit_sat":"\#(max(0, maxFee.rawValue) / 1000)","#
            + #""timeout_seconds":\#(seconds),"no_inflight_updates":false}"#
        let paymentHash = invoice.paymentHash
        let amount = invoice.amount
        let result = try await endpoint.lines(
            .POST, "/v2/router/send", body: .json(body), timeout: timeout, paying: true
        ) { status, index, line -> Result<Payment, PaymentError>? in
            Self.sendUpdate(line, index: index, httpStatus: status, paymentHash: paymentHash, amount: amount)
        }
        switch result {
        case .decided(_, .success(let payment)): return payment
        case .decided(_, .failure(let error)): throw error
        case .ended(let status, _):
            if status == 401 || status == 403 { throw .unauthorized("LND refused the macaroon (HTTP \(status))") }
            throw .outcomeUnknown("LND's payment stream ended (HTTP \(status)) before a final status")
        }
    }

    /// Asks LND for the payment's current state (`/v2/router/track/{hash}`, hash URL-safe base64): the first update
    /// decides; LND's "payment isn't initiated" means it never started this payment.
    public func lookup(paymentHash: [UInt8]) async throws(PaymentError) -> PaymentStatus {
        let path = "/v2/router/track/\(Self.urlSafeBase64(paymentHash))?no_inflight_updates=false"
        let result = try await endpoint.lines(
            .GET, path, timeout: min(timeout, .seconds(30)), paying: false
        ) { status, _, line -> Result<PaymentStatus, PaymentError>? in
            Self.trackUpdate(line, httpStatus: status, paymentHash: paymentHash)
        }
        switch result {
        case .decided(_, .success(let status)): return status
        case .decided(_, .failure(let error)): throw error
        case .ended(let status, _):
            if status == 401 || status == 403 { throw .unauthorized("LND refused the macaroon (HTTP \(status))") }
            throw .unavailable("LND answered HTTP \(status) to a payment lookup without a payment state")
        }
    }

    /// The node's spendable channel balance (`local_balance.msat` of `/v1/balance/channels`).
    public func balance() async throws(PaymentError) -> Millisatoshi {
        let answer = try await endpoint.exchange(.GET, "/v1/balance/channels", timeout: timeout, paying: false)
        guard answer.status == 200 else { throw Self.failure(answer, doing: "a balance request") }
        if let local = answer.json["local_balance"] as? [String: Any], let msat = WalletJSON.int64(local["msat"]) {
            return Millisatoshi(msat)
        }
        guard let sats = WalletJSON.int64(answer.json["balance"]) else {
            throw .badResponse("LND's channel balance has no local_balance")
        }
        return Millisatoshi(sats * 1000)
    }

    /// The node's public key, alias and network from `/v1/getinfo`.
    public func info() async throws(PaymentError) -> WalletInfo {
        let answer = try await endpoint.exchange(.GET, "/v1/getinfo", timeout: timeout, paying: false)
        guard answer.status == 200 else { throw Self.failure(answer, doing: "an info request") }
        let chains = answer.json["chains"] as? [[String: Any]] ?? []
        return WalletInfo(
            backend: backendName, network: WalletJSON.network(chains.first?["network"]),
            nodeID: answer.json["identity_pubkey"] as? String, alias: answer.json["alias"] as? String,
            supports: [.pay, .lookup, .balance, .feeLimit])
    }
}
