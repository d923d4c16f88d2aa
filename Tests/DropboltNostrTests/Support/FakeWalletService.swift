import Crypto
import DropboltCore
import DropboltLightning
import DropboltTesting
import Foundation

@testable import DropboltNostr

/// An NWC wallet service for tests: answers `pay_invoice`, `lookup_invoice`, `get_balance` and `get_info` from an
/// in-memory ledger, through the same crypto a real one uses. It pays an invoice only when it knows the preimage
/// (the test registers it, as a payee would reveal it) and counts every payment attempt per hash.
actor FakeWalletService {
    /// The service's key; its public half goes in the connection string.
    let key = NostrSecretKey.random()
    /// The client key the connection string hands out.
    let clientKey = NostrSecretKey.random()
    private var balance: Int64
    private var preimages: [String: [UInt8]] = [:]
    private var paid: [String: (preimage: [UInt8], amount: Int64)] = [:]
    private(set) var payAttempts: [String: Int] = [:]
    /// The scheme of every request it could read, in order (what the client chose).
    private(set) var schemesReceived: [NWCEncryption] = []
    private var nextPayError: (code: String, message: String)?
    private var answering = true

    init(balance: Int64) { self.balance = balance }

    /// `nostr+walletconnect://` for this service at `relay`.
    nonisolated func connectionString(relay: String) -> String {
        let encoded = relay.replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: "/", with: "%2F")
        return "nostr+walletconnect://\(key.publicKey.hex)?relay=\(encoded)&secret=\(Hex.string(clientKey.bytes))"
    }

    /// The kind-13194 info event; `encryption` nil leaves the tag out (a NIP-04-only service).
    nonisolated func infoEvent(encryption: String?) -> NostrEvent {
        let tags = encryption.map { [["encryption", $0]] } ?? []
        return NostrEvent.signed(
            kind: NWCKind.info, tags: tags, content: "pay_invoice lookup_invoice get_balance get_info", by: key)
    }

    /// Makes an invoice for `sats` whose preimage this wallet will "learn" when paying it.
    func makeInvoice(sats: Int64) -> (bolt11: String, preimage: [UInt8]) {
        let preimage = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let hash = Array(SHA256.hash(data: preimage))
        preimages[Hex.string(hash)] = preimage
        let bolt11 = InvoiceSigner().invoice(
            hrp: "lnbcrt\(sats * 10)n", timestamp: Int64(Date().timeIntervalSince1970),
            fields: [.bytes("p", hash), .bytes("s", [UInt8](repeating: 7, count: 32)), .text("d", "test")])
        return (bolt11, preimage)
    }

    /// The next `pay_invoice` fails with this error code after recording the attempt.
    func failNextPayment(code: String, message: String) { nextPayError = (code, message) }

    /// Stops (or resumes) answering requests; requests are still received and acted on.
    func setAnswering(_ on: Bool) { answering = on }

    /// Total `pay_invoice` attempts for all hashes.
    var totalPayAttempts: Int { payAttempts.values.reduce(0, +) }

    /// The current balance in msat.
    var balanceMsat: Int64 { balance }

    /// Acts on a request event and returns the signed response, or nil when not addressed here or silenced.
    func answer(_ request: NostrEvent) -> NostrEvent? {
        guard request.firstTag("p") == [key.publicKey.hex], let client = try? NostrPublicKey(hex: request.pubkey),
            let encryption = NWCEncryption.of(request),
            let plaintext = try? encryption.decrypt(request.content, secret: key, peer: client),
            let object = try? JSONSerialization.jsonObject(with: Data(plaintext.utf8)) as? [String: Any],
            let method = object["method"] as? String
        else { return nil }
        let params = object["params"] as? [String: Any] ?? [:]
        schemesReceived.append(encryption)
        let body = respond(method: method, params: params)
        guard answering else { return nil }
        let json = String(decoding: try! JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        var tags = [["p", client.hex], ["e", request.id]]
        if encryption == .nip44 { tags.append(["encryption", "nip44_v2"]) }
        let content = try! encryption.encrypt(json, secret: key, peer: client)
        return NostrEvent.signed(kind: NWCKind.response, tags: tags, content: content, by: key)
    }

    private func respond(method: String, params: [String: Any]) -> [String: Any] {
        switch method {
        case "pay_invoice":
            guard let bolt11 = params["invoice"] as? String, let invoice = try? Invoice.decode(bolt11) else {
                return error(method, "OTHER", "bad invoice")
            }
            let hash = invoice.paymentHashHex
            payAttempts[hash, default: 0] += 1
            if let failure = nextPayError {
                nextPayError = nil
                return error(method, failure.code, failure.message)
            }
            let amount = invoice.amount?.rawValue ?? 0
            guard paid[hash] == nil else { return error(method, "PAYMENT_FAILED", "already paid") }
            guard amount <= balance else { return error(method, "INSUFFICIENT_BALANCE", "not enough") }
            guard let preimage = preimages[hash] else { return error(method, "PAYMENT_FAILED", "no route") }
            balance -= amount + 1000
            paid[hash] = (preimage, amount)
            return ["result_type": method, "result": ["preimage": Hex.string(preimage), "fees_paid": 1000]]
        case "lookup_invoice":
            guard let hash = params["payment_hash"] as? String, let payment = paid[hash] else {
                return error(method, "NOT_FOUND", "no such payment")
            }
            return [
                "result_type": method,
                "result": [
                    "type": "outgoing", "state": "settled", "preimage": Hex.string(payment.preimage),
                    "payment_hash": hash, "amount": payment.amount, "fees_paid": 1000, "settled_at": 1_700_000_000,
                ],
            ]
        case "get_balance":
            return ["result_type": method, "result": ["balance": balance]]
        case "get_info":
            return [
                "result_type": method,
                "result": [
                    "alias": "fake", "pubkey": key.publicKey.hex, "network": "regtest",
                    "methods": ["pay_invoice", "lookup_invoice", "get_balance", "get_info"],
                ],
            ]
        default:
            return error(method, "NOT_IMPLEMENTED", "no")
        }
    }

    private func error(_ method: String, _ code: String, _ message: String) -> [String: Any] {
        ["result_type": method, "error": ["code": code, "message": message]]
    }
}
