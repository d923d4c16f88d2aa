import DropboltCore
import Foundation

/// Reading LND's payment update streams (`{"result": lnrpc.Payment}` or `{"error": {code, message}}` per line) and
/// its errors, with the money question answered for each.
extension LNDWallet {
    /// gRPC status codes LND's REST gateway passes through in error bodies.
    private enum GRPCCode {
        static let invalidArgument: Int64 = 3
        static let notFound: Int64 = 5
        static let alreadyExists: Int64 = 6
        static let permissionDenied: Int64 = 7
        static let unauthenticated: Int64 = 16
    }

    /// The decision one line of `/v2/router/send` makes, or nil to read on (IN_FLIGHT, INITIATED, keep-alives).
    static func sendUpdate(
        _ line: [String: Any], index: Int, httpStatus: Int, paymentHash: [UInt8], amount: Millisatoshi?
    ) -> Result<Payment, PaymentError>? {
        if let (code, message) = error(in: line) {
            // After an update the payment exists: whatever broke, its HTLCs may still settle.
            guard index == 0 else { return .failure(.outcomeUnknown("LND's payment stream failed: \(message)")) }
            return .failure(refusal(code: code, message: message))
        }
        guard let payment = line["result"] as? [String: Any] else {
            if index == 0, httpStatus != 200 {
                return .failure(.outcomeUnknown("LND answered HTTP \(httpStatus) to the payment"))
            }
            return nil
        }
        guard let hash = WalletJSON.bytes32(hex: payment["payment_hash"]), hash == paymentHash else {
            return .failure(.outcomeUnknown("LND's payment update is for another payment hash"))
        }
        switch payment["status"] as? String {
        case "SUCCEEDED":
            guard let succeeded = succeeded(payment, paymentHash: paymentHash, amount: amount) else {
                return .failure(.outcomeUnknown("LND reported success without a usable preimage"))
            }
            return .success(succeeded)
        case "FAILED":
            // FAILED is final in LND: every HTLC of the payment has failed, nothing was paid.
            return .failure(failure(reason: payment["failure_reason"] as? String ?? "FAILURE_REASON_NONE"))
        default:
            return nil
        }
    }

    /// The payment's state from the first line of `/v2/router/track/{hash}`.
    static func trackUpdate(
        _ line: [String: Any], httpStatus: Int, paymentHash: [UInt8]
    ) -> Result<PaymentStatus, PaymentError>? {
        if let (code, message) = error(in: line) {
            if code == GRPCCode.notFound || message.contains("isn't initiated") { return .success(.notFound) }
            if isAuthorization(code: code, message: message) {
                return .failure(.unauthorized("LND refused the macaroon: \(message)"))
            }
            return .failure(.unavailable("LND could not look the payment up: \(message)"))
        }
        guard let payment = line["result"] as? [String: Any] else {
            if httpStatus != 200 {
                return .failure(.unavailable("LND answered HTTP \(httpStatus) to a payment lookup"))
            }
            return nil
        }
        switch payment["status"] as? String {
        case "SUCCEEDED":
            // Succeeded but no preimage to show yet cannot be used as proof: look again later.
            guard let succeeded = succeeded(payment, paymentHash: paymentHash, amount: nil) else {
                return .success(.pending)
            }
            return .success(.succeeded(succeeded))
        case "FAILED":
            return .success(.failed(reason: payment["failure_reason"] as? String ?? "FAILURE_REASON_NONE"))
        default:
            return .success(.pending)
        }
    }

    /// The error a non-200 answer to a unary call (balance, info) stands for.
    static func failure(_ answer: WalletEndpoint.Answer, doing what: String) -> PaymentError {
        let (code, message) = error(in: answer.json) ?? (nil, "HTTP \(answer.status)")
        if answer.status == 401 || answer.status == 403 || isAuthorization(code: code, message: message) {
            return .unauthorized("LND refused the macaroon (HTTP \(answer.status)): \(message)")
        }
        return .unavailable("LND answered HTTP \(answer.status) to \(what): \(message)")
    }

    /// 32 bytes as URL-safe base64 with padding, as LND's gateway takes `bytes` path parameters.
    static func urlSafeBase64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
    }

    private static func succeeded(_ payment: [String: Any], paymentHash: [UInt8], amount: Millisatoshi?) -> Payment? {
        guard let preimage = WalletJSON.bytes32(hex: payment["payment_preimage"]) else { return nil }
        let value = WalletJSON.int64(payment["value_msat"]).map(Millisatoshi.init)
        return Payment(
            paymentHash: paymentHash, preimage: preimage, amount: amount ?? value ?? .zero,
            fee: Millisatoshi(WalletJSON.int64(payment["fee_msat"]) ?? 0))
    }

    /// A final FAILED payment by its `failure_reason`; none of them leaves money moving.
    private static func failure(reason: String) -> PaymentError {
        switch reason {
        case "FAILURE_REASON_NO_ROUTE": .noRoute("LND found no route to the payee")
        case "FAILURE_REASON_INSUFFICIENT_BALANCE": .insufficientBalance("LND has not enough outbound balance")
        case "FAILURE_REASON_INCORRECT_PAYMENT_DETAILS": .rejected("the payee refused the payment (incorrect details)")
        case "FAILURE_REASON_TIMEOUT": .rejected("LND gave up finding a route in time; nothing was paid")
        default: .rejected("LND: the payment failed (\(reason))")
        }
    }

    /// An error on `/v2/router/send` before any update: LND refused to start the payment, except when it already
    /// has one for this hash (paid, or in flight) — then only a lookup can tell.
    private static func refusal(code: Int64?, message: String) -> PaymentError {
        let lowered = message.lowercased()
        if code == GRPCCode.alreadyExists || lowered.contains("already paid") || lowered.contains("in transition")
            || lowered.contains("already exists")
        {
            return .outcomeUnknown("LND already has a payment for this hash (\(message)); look it up")
        }
        if isAuthorization(code: code, message: message) {
            return .unauthorized("LND refused the macaroon: \(message)")
        }
        if lowered.contains("invoice expired") { return .invoiceExpired("LND: \(message)") }
        if code == GRPCCode.invalidArgument { return .rejected("LND refused the payment: \(message)") }
        // Code 14 (unavailable) is not "LND refused": the REST gateway also sends it when its stream to LND breaks,
        // which can be after the payment started. Like every other error it is looked up.
        return .outcomeUnknown("LND answered the payment with an error: \(message)")
    }

    private static func isAuthorization(code: Int64?, message: String) -> Bool {
        code == GRPCCode.unauthenticated || code == GRPCCode.permissionDenied
            || message.contains("verification failed") || message.contains("macaroon")
    }

    /// The gRPC error in a line: `{"error": {"code", "message"}}` (streams) or `{"code", "message"}` (unary).
    private static func error(in line: [String: Any]) -> (code: Int64?, message: String)? {
        let body = line["error"] as? [String: Any] ?? line
        guard let message = body["message"] as? String else { return nil }
        return (WalletJSON.int64(body["code"]), message)
    }
}
