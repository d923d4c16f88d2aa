import Crypto
import AsyncHTTPClient
import DropboltCore
import DropboltHTTP
import Foundation
import NIOCore
import NIOHTTP1

/// Pays through an LNbits wallet (`POST /api/v1/payments`, `GET /api/v1/payments/{hash}`, `GET /api/v1/wallet`).
///
/// Needs the wallet's admin key (`X-Api-Key`); the key never appears in errors or logs. LNbits has no per-request
/// fee limit: its own reserve (`LNBITS_RESERVE_FEE_*`) applies, and the engine checks the fee it reports.
public struct LNbitsWallet: Wallet {
    /// Always `lnbits`.
    public var backendName: String { "lnbits" }

    /// `lnbits <url> key:<first 12 hex of SHA-256(admin key)>`.
    public let identity: String

    private let endpoint: WalletEndpoint
    private let timeout: Duration

    /// Creates a backend for the LNbits instance at `url` (no trailing slash) with the wallet's admin key.
    ///
    /// - Parameters:
    ///   - url: `https://…`, or `http://` to loopback.
    ///   - adminKey: the wallet's admin key (read from a file or the environment, never the config).
    ///   - httpClient: the process's shared client.
    ///   - timeout: per request; LNbits itself waits up to 5 s for a pending payment before answering.
    public init(url: String, adminKey: String, httpClient: HTTPClient, timeout: Duration = .seconds(60)) {
        var headers = HTTPHeaders()
        headers.add(name: "X-Api-Key", value: adminKey)
        self.endpoint = WalletEndpoint(name: "LNbits", url: url, headers: headers, client: httpClient)
        self.identity = "lnbits \(endpoint.baseURL) key:\(Hex.string(Array(SHA256.hash(data: Array(adminKey.utf8)))).prefix(12))"
        self.timeout = timeout
    }

    /// Pays `invoice`; a `pending` answer or any doubt is ``PaymentError/outcomeUnknown(_:cause:)``.
    public func pay(_ invoice: Invoice, maxFee: Millisatoshi) async throws(PaymentError) -> Payment {
        let body = #"{"out":true,"bolt11":"\#(invoice.string)"}"#
        let (status, json) = try await send(.POST, "/api/v1/payments", body: body, paying: true)
        switch status {
        case 200, 201:
            switch json["status"] as? String {
            case "success":
                guard let preimage = WalletJSON.bytes32(hex: json["preimage"]) else {
                    throw .outcomeUnknown("LNbits reported success without a usable preimage")
                }
                return Payment(
                    paymentHash: invoice.paymentHash, preimage: preimage,
                    amount: invoice.amount ?? Millisatoshi(abs(WalletJSON.int64(json["amount"]) ?? 0)),
                    fee: Millisatoshi(abs(WalletJSON.int64(json["fee"]) ?? 0)))
            case "failed":
                throw .rejected("LNbits: payment failed")
            default:
                // "pending", or a pre-1.0 answer with only payment_hash/checking_id: the lookup decides.
                throw .outcomeUnknown("LNbits accepted the payment but has not settled it yet")
            }
        case 520:
            let detail = json["detail"] as? String ?? "payment error"
            switch json["status"] as? String {
            case "failed":
                if detail.localizedCaseInsensitiveContains("insufficient balance")
                    || detail.localizedCaseInsensitiveContains("reserve at least")
                {
                    throw .insufficientBalance("LNbits: \(detail)")
                }
                throw .rejected("LNbits: \(detail)")
            default:
                throw .outcomeUnknown("LNbits: \(detail)")
            }
        case 400, 422:
            throw .rejected("LNbits refused the invoice: \(Self.detail(json))")
        case 401, 403, 404:
            throw .unauthorized("LNbits refused the admin key (HTTP \(status)): \(Self.detail(json))")
        case 429:
            throw .unavailable("LNbits is rate limiting (HTTP 429)")
        default:
            throw .outcomeUnknown("LNbits answered HTTP \(status) to the payment")
        }
    }

    /// Looks the payment up in this wallet; 404 means LNbits never recorded it.
    public func lookup(paymentHash: [UInt8]) async throws(PaymentError) -> PaymentStatus {
        let hex = Hex.string(paymentHash)
        let (status, json) = try await send(.GET, "/api/v1/payments/\(hex)", body: nil, paying: false)
        switch status {
        case 200:
            if json["paid"] as? Bool == true {
                guard let preimage = WalletJSON.bytes32(hex: json["preimage"]) else {
                    return .pending
                }
                let details = json["details"] as? [String: Any] ?? [:]
                return .succeeded(
                    Payment(
                        paymentHash: paymentHash, preimage: preimage,
                        amount: Millisatoshi(abs(WalletJSON.int64(details["amount"]) ?? 0)),
                        fee: Millisatoshi(abs(WalletJSON.int64(details["fee"]) ?? 0))))
            }
            if json["status"] as? String == "failed" { return .failed(reason: "LNbits reports the payment failed") }
            return .pending
        case 404:
            return .notFound
        case 401, 403:
            throw .unauthorized("LNbits refused the admin key (HTTP \(status))")
        default:
            throw .unavailable("LNbits answered HTTP \(status) to a payment lookup")
        }
    }

    /// The wallet's balance (LNbits reports msat).
    public func balance() async throws(PaymentError) -> Millisatoshi {
        let json = try await walletObject()
        guard let balance = WalletJSON.int64(json["balance"]) else { throw .badResponse("LNbits balance has no number") }
        return Millisatoshi(balance)
    }

    /// The wallet's name and id from `GET /api/v1/wallet`. LNbits does not say which network its funding source
    /// runs on: set `wallet.network`, or dropbolt takes it from the first invoice it pays.
    public func info() async throws(PaymentError) -> WalletInfo {
        let json = try await walletObject()
        return WalletInfo(
            backend: backendName, network: nil, nodeID: json["id"] as? String, alias: json["name"] as? String,
            supports: [.pay, .lookup, .balance])
    }

    /// `GET /api/v1/wallet`: the wallet's name, id and balance.
    private func walletObject() async throws(PaymentError) -> [String: Any] {
        let (status, json) = try await send(.GET, "/api/v1/wallet", body: nil, paying: false)
        guard status == 200 else {
            if status == 401 || status == 403 || status == 404 {
                throw .unauthorized("LNbits refused the key (HTTP \(status))")
            }
            throw .unavailable("LNbits answered HTTP \(status) to a wallet request")
        }
        return json
    }

    /// Sends one request under one deadline; ``WalletEndpoint`` sorts failures into "never delivered" and, for a
    /// payment, "money may have moved".
    private func send(
        _ method: HTTPMethod, _ path: String, body: String?, paying: Bool
    ) async throws(PaymentError) -> (Int, [String: Any]) {
        let answer = try await endpoint.exchange(method, path, body: body.map { .json($0) }, timeout: timeout, paying: paying)
        return (answer.status, answer.json)
    }

    private static func detail(_ json: [String: Any]) -> String {
        if let text = json["detail"] as? String { return text }
        return "no detail"
    }
}
