import AsyncHTTPClient
import Crypto
import DropboltCore
import DropboltHTTP
import Foundation
import NIOCore
import NIOHTTP1

/// Pays through phoenixd's HTTP API: form-encoded `POST /payinvoice`, `GET /payments/outgoingbyhash/{hash}`,
/// `GET /getbalance`, `GET /getinfo`.
///
/// Authenticates with HTTP basic auth: an empty user and the full-access `http-password` from `phoenix.conf` (the
/// password never appears in errors or logs). phoenixd takes **no fee limit**: its trampoline fee policy is its own,
/// so ``info()`` does not list ``WalletInfo/Capabilities/feeLimit`` and the engine checks the fee reported here.
/// A payment that failed comes back as HTTP 200 with a `reason`; one that succeeded has `paymentPreimage`.
public struct PhoenixdWallet: Wallet {
    /// Always `phoenixd`.
    public var backendName: String { "phoenixd" }

    /// `phoenixd <url> password:<first 12 hex of SHA-256(password)>`.
    public let identity: String

    let endpoint: WalletEndpoint
    /// How long one call may take; `/payinvoice` answers only when the payment is final.
    let timeout: Duration

    /// Creates a backend for the phoenixd at `url` (`http://127.0.0.1:9740`).
    ///
    /// - Parameters:
    ///   - password: phoenixd's `http-password` (read from a file or the environment, never the config).
    ///   - httpClient: the process's shared client.
    ///   - timeout: per request; a payment not final by then has an unknown outcome and is looked up.
    public init(url: String, password: String, httpClient: HTTPClient, timeout: Duration = .seconds(60)) {
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "Basic " + Data(":\(password)".utf8).base64EncodedString())
        self.endpoint = WalletEndpoint(name: "phoenixd", url: url, headers: headers, client: httpClient)
        self.identity =
            "phoenixd \(endpoint.baseURL) password:\(Hex.string(Array(SHA256.hash(data: Array(password.utf8)))).prefix(12))"
        self.timeout = timeout
    }

    /// Pays `invoice`. `maxFee` cannot be passed to phoenixd; the fee it reports (`routingFeeSat`) is returned for
    /// the engine to check.
    public func pay(_ invoice: Invoice, maxFee: Millisatoshi) async throws(PaymentError) -> Payment {
        let answer = try await endpoint.exchange(
            .POST, "/payinvoice", body: .form([("invoice", invoice.string)]), timeout: timeout, paying: true)
        switch answer.status {
        case 200:
            if let reason = answer.json["reason"] as? String, answer.json["paymentPreimage"] == nil {
                throw Self.failure(reason: reason)
            }
            guard let preimage = WalletJSON.bytes32(hex: answer.json["paymentPreimage"]),
                WalletJSON.bytes32(hex: answer.json["paymentHash"]) ?? invoice.paymentHash == invoice.paymentHash
            else { throw .outcomeUnknown("phoenixd answered the payment without a usable preimage or reason") }
            let recipient = WalletJSON.int64(answer.json["recipientAmountSat"]).map { Millisatoshi($0 * 1000) }
            return Payment(
                paymentHash: invoice.paymentHash, preimage: preimage, amount: invoice.amount ?? recipient ?? .zero,
                fee: Millisatoshi((WalletJSON.int64(answer.json["routingFeeSat"]) ?? 0) * 1000))
        case 401, 403:
            throw .unauthorized("phoenixd refused the password (HTTP \(answer.status))")
        case 400:
            throw .rejected("phoenixd refused the invoice: \(Self.plainText(answer))")
        case 404:
            throw .unavailable("phoenixd has no /payinvoice at \(endpoint.baseURL)")
        default:
            throw .outcomeUnknown("phoenixd answered HTTP \(answer.status) to the payment")
        }
    }

    /// Looks the payment up; 404 (or an empty or `null` answer) means phoenixd never attempted it.
    public func lookup(paymentHash: [UInt8]) async throws(PaymentError) -> PaymentStatus {
        let answer = try await endpoint.exchange(
            .GET, "/payments/outgoingbyhash/\(Hex.string(paymentHash))", timeout: min(timeout, .seconds(30)),
            paying: false)
        switch answer.status {
        case 200: break
        case 404: return .notFound
        case 401, 403: throw .unauthorized("phoenixd refused the password (HTTP \(answer.status))")
        default: throw .unavailable("phoenixd answered HTTP \(answer.status) to a payment lookup")
        }
        let json = answer.json
        if json.isEmpty {
            // An empty body or `null` is phoenixd's "no such payment"; anything else that is not an object (a proxy's
            // page, a cut-off body) says nothing about the payment.
            let text = answer.text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.isEmpty || text == "null" else {
                throw .badResponse("phoenixd answered a payment lookup with something that is not a JSON object")
            }
            return .notFound
        }
        if let hash = WalletJSON.bytes32(hex: json["paymentHash"]), hash != paymentHash {
            throw .badResponse("phoenixd answered a lookup with another payment's hash")
        }
        if json["isPaid"] as? Bool == true {
            guard let preimage = WalletJSON.bytes32(hex: json["preimage"]) else { return .pending }
            // `sent` is sat including fees; `fees` is msat here (not sat as in /payinvoice).
            let fees = WalletJSON.int64(json["fees"]) ?? 0
            let sent = (WalletJSON.int64(json["sent"]) ?? 0) * 1000
            return .succeeded(
                Payment(
                    paymentHash: paymentHash, preimage: preimage, amount: Millisatoshi(max(0, sent - fees)),
                    fee: Millisatoshi(fees)))
        }
        // Completed = succeeded or failed; not paid and completed is failed, not completed is still in flight.
        if json["completedAt"] != nil { return .failed(reason: "phoenixd reports the payment failed") }
        return .pending
    }

    /// The spendable balance (`balanceSat`); fee credit (`feeCreditSat`) only pays for future liquidity, not invoices.
    public func balance() async throws(PaymentError) -> Millisatoshi {
        let answer = try await endpoint.exchange(.GET, "/getbalance", timeout: timeout, paying: false)
        guard answer.status == 200 else { throw failure(answer, doing: "a balance request") }
        guard let sats = WalletJSON.int64(answer.json["balanceSat"]) else {
            throw .badResponse("phoenixd's balance has no balanceSat")
        }
        return Millisatoshi(sats * 1000)
    }

    /// The node id and chain from `/getinfo`; phoenixd has no alias and takes no fee limit.
    public func info() async throws(PaymentError) -> WalletInfo {
        let answer = try await endpoint.exchange(.GET, "/getinfo", timeout: timeout, paying: false)
        guard answer.status == 200 else { throw failure(answer, doing: "an info request") }
        return WalletInfo(
            backend: backendName, network: WalletJSON.network(answer.json["chain"]),
            nodeID: answer.json["nodeId"] as? String, alias: nil, supports: [.pay, .lookup, .balance])
    }

    private func failure(_ answer: WalletEndpoint.Answer, doing what: String) -> PaymentError {
        if answer.status == 401 || answer.status == 403 {
            return .unauthorized("phoenixd refused the password (HTTP \(answer.status))")
        }
        return .unavailable("phoenixd answered HTTP \(answer.status) to \(what)")
    }

    /// A final failure by its `reason`: phoenixd answers PaymentFailed only when no part is in flight.
    static func failure(reason: String) -> PaymentError {
        let key = reason.lowercased().filter { $0.isLetter }
        // Paid before, or a payment for it still in flight: only a lookup can tell what became of it.
        if key.contains("alreadypaid") || key.contains("inprogress") || key.contains("pending") {
            return .outcomeUnknown("phoenixd already has a payment for this invoice (\(reason)); look it up")
        }
        if key.contains("insufficient") || key.contains("notenough") || key.contains("balance") {
            return .insufficientBalance("phoenixd: \(reason)")
        }
        if key.contains("route") || key.contains("unreachable") || key.contains("noavailablechannels") {
            return .noRoute("phoenixd: \(reason)")
        }
        if key.contains("expired") { return .invoiceExpired("phoenixd: \(reason)") }
        return .rejected("phoenixd: the payment failed (\(reason))")
    }

    /// phoenixd's error bodies are plain text; keep a short piece for the message.
    private static func plainText(_ answer: WalletEndpoint.Answer) -> String {
        String(answer.text.prefix(200))
    }
}
