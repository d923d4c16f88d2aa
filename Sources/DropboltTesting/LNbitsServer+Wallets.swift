import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One row of LNbits' `GET /api/v1/payments`: what a wallet's own record says about a payment.
///
/// Amounts are in millisatoshi; outgoing payments have a negative ``amountMsat``.
public struct LNbitsPayment: Sendable, Hashable {
    /// The invoice's payment hash, 64 lower-case hex characters.
    public var paymentHash: String
    /// Signed amount in msat: negative for an outgoing payment, positive for an incoming one.
    public var amountMsat: Int64
    /// Routing fee in msat as LNbits reports it (0 for internal payments; LNbits may report it negative).
    public var feeMsat: Int64
    /// `success`, `pending` or `failed`.
    public var status: String
    /// The preimage as hex, when LNbits knows it.
    public var preimage: String?

    /// True for a payment this wallet sent.
    public var isOutgoing: Bool { amountMsat < 0 }

    /// Creates a payment record from its fields.
    public init(paymentHash: String, amountMsat: Int64, feeMsat: Int64, status: String, preimage: String?) {
        self.paymentHash = paymentHash
        self.amountMsat = amountMsat
        self.feeMsat = feeMsat
        self.status = status
        self.preimage = preimage
    }
}

extension LNbitsServer {
    /// An LNbits API call answered with an unexpected status or body.
    public struct APIError: Error, CustomStringConvertible {
        /// The call, e.g. `POST /api/v1/payments`.
        public let call: String
        /// The HTTP status LNbits answered.
        public let status: Int
        /// LNbits' `detail` message, or the start of the body.
        public let detail: String
        /// One line naming the call, the status and the detail.
        public var description: String { "LNbits \(call) → \(status): \(detail)" }
    }

    /// Creates an invoice on the ``payee`` wallet (its invoice key) and returns it with its payment hash.
    ///
    /// `amountSats` must be positive (LNbits refuses amountless invoices). LNbits' FakeWallet invoices are
    /// `lnbc…` and, unless told otherwise, expire after an hour.
    public func createInvoice(
        amountSats: Int, memo: String, expirySeconds: Int = 3600
    ) async throws -> (bolt11: String, paymentHash: String) {
        let body: [String: Any] = ["out": false, "amount": amountSats, "memo": memo, "expiry": expirySeconds]
        let object = try await callObject(.POST, "/api/v1/payments", key: payee.inkey, body: body, expect: [200, 201])
        guard let bolt11 = object["bolt11"] as? String, let hash = object["payment_hash"] as? String else {
            throw APIError(call: "POST /api/v1/payments", status: 201, detail: "no bolt11/payment_hash in \(object)")
        }
        return (bolt11, hash)
    }

    /// Pays `bolt11` from `keys`' wallet (its admin key; default ``payer``) and returns the preimage.
    ///
    /// Only invoices of this LNbits can be paid (FakeWallet); anything else throws ``APIError`` with status 520.
    public func pay(bolt11: String, from keys: Keys? = nil) async throws -> (paymentHash: String, preimage: String) {
        let wallet = keys ?? payer
        let object = try await callObject(
            .POST, "/api/v1/payments", key: wallet.adminkey, body: ["out": true, "bolt11": bolt11], expect: [200, 201])
        guard let hash = object["payment_hash"] as? String, let preimage = object["preimage"] as? String else {
            throw APIError(call: "POST /api/v1/payments", status: 201, detail: "no payment_hash/preimage in \(object)")
        }
        return (hash, preimage)
    }

    /// Whether the payment with `paymentHash` is settled, as `keys`' wallet sees it (`GET /api/v1/payments/<hash>`,
    /// `paid`). An unknown hash is not paid.
    public func isPaid(paymentHash: String, keys: Keys? = nil) async throws -> Bool {
        let wallet = keys ?? payee
        let (status, bytes) = try await call(.GET, "/api/v1/payments/\(paymentHash)", key: wallet.inkey, body: nil)
        if status == 404 { return false }
        guard status == 200, let object = Self.jsonObject(bytes) else {
            throw APIError(call: "GET /api/v1/payments/<hash>", status: status, detail: Self.detail(bytes))
        }
        return object["paid"] as? Bool ?? false
    }

    /// The wallet's balance in msat (`GET /api/v1/wallet`).
    public func balanceMsat(_ keys: Keys) async throws -> Int64 {
        let object = try await callObject(.GET, "/api/v1/wallet", key: keys.inkey, body: nil, expect: [200])
        guard let balance = object["balance"] as? NSNumber else {
            throw APIError(call: "GET /api/v1/wallet", status: 200, detail: "no balance in \(object)")
        }
        return balance.int64Value
    }

    /// Every payment in the wallet's record, newest first (`GET /api/v1/payments`, a plain JSON array), incoming
    /// and outgoing, whatever their status.
    public func payments(_ keys: Keys) async throws -> [LNbitsPayment] {
        // LNbits pages this list (10 rows by default); ask for all a test can make.
        let (status, bytes) = try await call(.GET, "/api/v1/payments?limit=100000", key: keys.inkey, body: nil)
        guard status == 200, let rows = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [[String: Any]]
        else {
            throw APIError(call: "GET /api/v1/payments", status: status, detail: Self.detail(bytes))
        }
        return try rows.map { row in
            guard let hash = row["payment_hash"] as? String, let amount = row["amount"] as? NSNumber else {
                throw APIError(call: "GET /api/v1/payments", status: status, detail: "row without hash/amount: \(row)")
            }
            return LNbitsPayment(
                paymentHash: hash,
                amountMsat: amount.int64Value,
                feeMsat: (row["fee"] as? NSNumber)?.int64Value ?? 0,
                status: row["status"] as? String ?? "",
                preimage: row["preimage"] as? String)
        }
    }

    /// The outgoing payments of `keys`' wallet whose status is `success`: what that wallet really paid.
    public func succeededOutgoingPayments(_ keys: Keys) async throws -> [LNbitsPayment] {
        try await payments(keys).filter { $0.isOutgoing && $0.status == "success" }
    }

    // MARK: - Private

    /// Calls LNbits and returns the JSON object of a response whose status is one of `expect`.
    private func callObject(
        _ method: HTTPMethod, _ path: String, key: String, body: [String: Any]?, expect: Set<Int>
    ) async throws -> [String: Any] {
        let (status, bytes) = try await call(method, path, key: key, body: body)
        guard expect.contains(status), let object = Self.jsonObject(bytes) else {
            throw APIError(call: "\(method.rawValue) \(path)", status: status, detail: Self.detail(bytes))
        }
        return object
    }

    private func call(
        _ method: HTTPMethod, _ path: String, key: String, body: [String: Any]?
    ) async throws -> (Int, [UInt8]) {
        var request = HTTPClientRequest(url: url + path)
        request.method = method
        request.headers.add(name: "X-Api-Key", value: key)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: body))))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), Array(buffer.readableBytesView))
    }

    private static func jsonObject(_ bytes: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
    }

    /// LNbits' `{"detail": …}` message, else the first 300 bytes of the body.
    private static func detail(_ bytes: [UInt8]) -> String {
        if let detail = jsonObject(bytes)?["detail"] { return "\(detail)" }
        return String(decoding: bytes.prefix(300), as: UTF8.self)
    }
}
