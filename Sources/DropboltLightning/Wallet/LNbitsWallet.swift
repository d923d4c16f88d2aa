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
    public var identity: String {
        "lnbits \(baseURL) key:\(Hex.string(Array(SHA256.hash(data: Array(adminKey.utf8)))).prefix(12))"
    }

    private let baseURL: String
    private let adminKey: String
    private let client: HTTPClient
    private let timeout: TimeAmount

    /// Creates a backend for the LNbits instance at `url` (no trailing slash) with the wallet's admin key.
    ///
    /// - Parameters:
    ///   - url: `https://…`, or `http://` to loopback.
    ///   - adminKey: the wallet's admin key (read from a file or the environment, never the config).
    ///   - httpClient: the process's shared client.
    ///   - timeout: per request; LNbits itself waits up to 5 s for a pending payment before answering.
    public init(url: String, adminKey: String, httpClient: HTTPClient, timeout: Duration = .seconds(60)) {
        self.baseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.adminKey = adminKey
        self.client = httpClient
        self.timeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)
    }

    /// Pays `invoice`; a `pending` answer or any doubt is ``PaymentError/outcomeUnknown(_:cause:)``.
    public func pay(_ invoice: Invoice, maxFee: Millisatoshi) async throws(PaymentError) -> Payment {
        let body = #"{"out":true,"bolt11":"\#(invoice.string)"}"#
        let (status, json) = try await send(.POST, "/api/v1/payments", body: body, deliveredMeansUnknown: true)
        switch status {
        case 200, 201:
            switch json["status"] as? String {
            case "success":
                guard let preimage = (json["preimage"] as? String).flatMap(Hex.bytes), preimage.count == 32 else {
                    throw .outcomeUnknown("LNbits reported success without a usable preimage")
                }
                return Payment(
                    paymentHash: invoice.paymentHash, preimage: preimage,
                    amount: invoice.amount ?? Millisatoshi(abs(Self.int64(json["amount"]) ?? 0)),
                    fee: Millisatoshi(abs(Self.int64(json["fee"]) ?? 0)))
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
        let (status, json) = try await send(.GET, "/api/v1/payments/\(hex)", body: nil, deliveredMeansUnknown: false)
        switch status {
        case 200:
            if json["paid"] as? Bool == true {
                guard let preimage = (json["preimage"] as? String).flatMap(Hex.bytes), preimage.count == 32 else {
                    return .pending
                }
                let details = json["details"] as? [String: Any] ?? [:]
                return .succeeded(
                    Payment(
                        paymentHash: paymentHash, preimage: preimage,
                        amount: Millisatoshi(abs(Self.int64(details["amount"]) ?? 0)),
                        fee: Millisatoshi(abs(Self.int64(details["fee"]) ?? 0))))
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
        guard let balance = Self.int64(json["balance"]) else { throw .badResponse("LNbits balance has no number") }
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
        let (status, json) = try await send(.GET, "/api/v1/wallet", body: nil, deliveredMeansUnknown: false)
        guard status == 200 else {
            if status == 401 || status == 403 || status == 404 {
                throw .unauthorized("LNbits refused the key (HTTP \(status))")
            }
            throw .unavailable("LNbits answered HTTP \(status) to a wallet request")
        }
        return json
    }

    /// Sends one request. A failure before the request could be delivered is `unavailable`; any later
    /// failure is `outcomeUnknown` when `deliveredMeansUnknown` (a payment), else `unavailable`.
    private func send(
        _ method: HTTPMethod, _ path: String, body: String?, deliveredMeansUnknown: Bool
    ) async throws(PaymentError) -> (Int, [String: Any]) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "X-Api-Key", value: adminKey)
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        // One deadline for the whole exchange and a 1 MB cap: LNbits' answers are small JSON.
        let answer: HTTPExchangeResult
        do {
            answer = try await client.executeWhole(request, deadline: .now() + timeout, limit: 1 << 20)
        } catch {
            if case .noResponse(let cause) = error {
                if HTTPFailure.neverDelivered(cause) || !deliveredMeansUnknown {
                    throw .unavailable("LNbits at \(baseURL) could not be reached", cause: cause)
                }
                throw .outcomeUnknown("the connection to LNbits failed during the payment", cause: cause)
            }
            if deliveredMeansUnknown { throw .outcomeUnknown("LNbits's answer was incomplete", cause: error) }
            throw .unavailable("LNbits's answer was incomplete", cause: error)
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(answer.body.readableBytesView))) as? [String: Any]
        return (answer.status, object ?? [:])
    }

    private static func detail(_ json: [String: Any]) -> String {
        if let text = json["detail"] as? String { return text }
        return "no detail"
    }

    private static func int64(_ value: Any?) -> Int64? {
        switch value {
        case let number as NSNumber: return number.int64Value
        case let text as String: return Int64(text)
        default: return nil
        }
    }
}
