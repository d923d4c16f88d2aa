import AsyncHTTPClient
import Crypto
import DropboltCore
import DropboltHTTP
import Foundation
import NIOCore
import NIOHTTP1

/// Pays through Core Lightning's REST plugin (clnrest): `POST /v1/pay`, `/v1/listpays`, `/v1/listfunds`,
/// `/v1/getinfo`.
///
/// Authenticates with a rune (header `Rune`); one restricted to `pay`, `listpays`, `listfunds` and `getinfo` is
/// enough. The rune never appears in errors or logs. clnrest answers a successful call with HTTP 201 and an RPC error
/// with the JSON-RPC error object (`{"code", "message"}`, or `{"error": {…}}` from the older Python plugin).
public struct CLNWallet: Wallet {
    /// Always `cln`.
    public var backendName: String { "cln" }

    /// `cln <url> rune:<first 12 hex of SHA-256(rune)>`.
    public let identity: String

    let endpoint: WalletEndpoint
    /// The whole budget of one call; `pay` retries routes for three quarters of it (`retry_for`).
    let timeout: Duration

    /// Creates a backend for the clnrest API at `url` (`https://host:3010`).
    ///
    /// - Parameters:
    ///   - rune: the rune's text (read from a file or the environment, never the config).
    ///   - httpClient: the process's shared client.
    ///   - timeout: how long one call may take (`wallet.timeout_seconds`). `pay` retries routes for three quarters of
    ///     it (`retry_for`); no answer by then is an unknown outcome.
    public init(url: String, rune: String, httpClient: HTTPClient, timeout: Duration = .seconds(60)) {
        var headers = HTTPHeaders()
        headers.add(name: "Rune", value: rune)
        self.endpoint = WalletEndpoint(name: "Core Lightning", url: url, headers: headers, client: httpClient)
        self.identity =
            "cln \(endpoint.baseURL) rune:\(Hex.string(Array(SHA256.hash(data: Array(rune.utf8)))).prefix(12))"
        self.timeout = timeout
    }

    /// Pays `invoice` with `maxfee` = `maxFee` (msat) and `retry_for` = three quarters of the timeout, in seconds.
    public func pay(_ invoice: Invoice, maxFee: Millisatoshi) async throws(PaymentError) -> Payment {
        let seconds = WalletEndpoint.searchSeconds(of: timeout)
        let body = #"{"bolt11":"\#(invoice.string)","maxfee":\#(max(0, maxFee.rawValue)),"retry_for":\#(seconds)}"#
        let answer = try await endpoint.exchange(
            .POST, "/v1/pay", body: .json(body), timeout: timeout, paying: true)
        guard answer.status == 200 || answer.status == 201 else {
            throw Self.payError(answer)
        }
        switch answer.json["status"] as? String {
        case "complete":
            guard let preimage = WalletJSON.bytes32(hex: answer.json["payment_preimage"]),
                WalletJSON.bytes32(hex: answer.json["payment_hash"]) ?? invoice.paymentHash == invoice.paymentHash
            else { throw .outcomeUnknown("Core Lightning reported success without a usable preimage") }
            return Self.payment(
                answer.json, paymentHash: invoice.paymentHash, preimage: preimage, invoiceAmount: invoice.amount)
        case "failed":
            throw .rejected("Core Lightning: the payment failed")
        default:
            throw .outcomeUnknown("Core Lightning has not finished the payment yet")
        }
    }

    /// Looks the payment up with `listpays`; an empty list means Core Lightning never attempted it.
    public func lookup(paymentHash: [UInt8]) async throws(PaymentError) -> PaymentStatus {
        let body = #"{"payment_hash":"\#(Hex.string(paymentHash))"}"#
        let answer = try await endpoint.exchange(
            .POST, "/v1/listpays", body: .json(body), timeout: min(timeout, .seconds(30)), paying: false)
        guard answer.status == 200 || answer.status == 201 else { throw Self.failure(answer, doing: "listpays") }
        guard let pays = answer.json["pays"] as? [[String: Any]] else {
            throw .badResponse("Core Lightning's listpays answer has no pays")
        }
        return Self.status(
            of: pays, paymentHash: paymentHash, now: Date(),
            retryWindow: TimeInterval(WalletEndpoint.searchSeconds(of: timeout)) + 60)
    }

    /// What `listpays` entries say about `paymentHash` at `now`. Several attempts may share a hash (one failed, then
    /// one complete): the best state wins. "failed" is final only once the newest attempt started more than
    /// `retryWindow` seconds ago: while a `pay` is still retrying routes (`retry_for`, and it goes on inside the node
    /// when dropbolt stops), every attempt so far can have failed.
    static func status(
        of pays: [[String: Any]], paymentHash: [UInt8], now: Date, retryWindow: TimeInterval
    ) -> PaymentStatus {
        let mine = pays.filter { WalletJSON.bytes32(hex: $0["payment_hash"]).map { $0 == paymentHash } ?? true }
        if let complete = mine.first(where: { $0["status"] as? String == "complete" }) {
            guard let preimage = WalletJSON.bytes32(hex: complete["preimage"]) else { return .pending }
            return .succeeded(Self.payment(complete, paymentHash: paymentHash, preimage: preimage))
        }
        if mine.contains(where: { $0["status"] as? String == "pending" }) { return .pending }
        if mine.isEmpty { return .notFound }
        // No start time (clnrest always gives one) cannot prove the retries are over.
        let started = mine.compactMap { WalletJSON.int64($0["created_at"]) }
        guard started.count == mine.count, let newest = started.max(),
            now.timeIntervalSince1970 >= TimeInterval(newest) + retryWindow
        else { return .pending }
        return .failed(reason: "Core Lightning reports the payment failed")
    }

    /// The sum of `our_amount_msat` over the node's channels that can pay (`CHANNELD_NORMAL`); closing and closed
    /// channels still list an amount that cannot be spent over Lightning.
    public func balance() async throws(PaymentError) -> Millisatoshi {
        let answer = try await endpoint.exchange(
            .POST, "/v1/listfunds", body: .json("{}"), timeout: timeout, paying: false)
        guard answer.status == 200 || answer.status == 201 else { throw Self.failure(answer, doing: "listfunds") }
        guard let channels = answer.json["channels"] as? [[String: Any]] else {
            throw .badResponse("Core Lightning's listfunds answer has no channels")
        }
        var total: Int64 = 0
        for channel in channels where (channel["state"] as? String ?? "CHANNELD_NORMAL") == "CHANNELD_NORMAL" {
            guard let ours = WalletJSON.msat(channel["our_amount_msat"]) else {
                throw .badResponse("a channel in Core Lightning's listfunds has no our_amount_msat")
            }
            total += ours
        }
        return Millisatoshi(total)
    }

    /// The node's id, alias and network from `getinfo`.
    public func info() async throws(PaymentError) -> WalletInfo {
        let answer = try await endpoint.exchange(
            .POST, "/v1/getinfo", body: .json("{}"), timeout: timeout, paying: false)
        guard answer.status == 200 || answer.status == 201 else { throw Self.failure(answer, doing: "getinfo") }
        return WalletInfo(
            backend: backendName, network: WalletJSON.network(answer.json["network"]),
            nodeID: answer.json["id"] as? String, alias: answer.json["alias"] as? String,
            supports: [.pay, .lookup, .balance, .feeLimit])
    }

    /// The payment in a `pay` or `listpays` entry. Without `amount_msat` (reported missing from some `xpay` answers)
    /// the invoice's amount stands in, or else what was sent: never a fee as large as the whole payment.
    private static func payment(
        _ json: [String: Any], paymentHash: [UInt8], preimage: [UInt8], invoiceAmount: Millisatoshi? = nil
    ) -> Payment {
        let listed = WalletJSON.msat(json["amount_msat"])
        let sentListed = WalletJSON.msat(json["amount_sent_msat"])
        let amount = listed ?? invoiceAmount?.rawValue ?? sentListed ?? 0
        let sent = sentListed ?? amount
        return Payment(
            paymentHash: paymentHash, preimage: preimage, amount: Millisatoshi(amount),
            fee: Millisatoshi(max(0, sent - amount)))
    }
}
