/// Core Lightning's errors as payment errors: each `pay` error code says whether a payment may still be in flight.
extension CLNWallet {
    /// `pay`'s error codes (common/jsonrpc_errors.h) that dropbolt tells apart.
    private enum PayCode {
        static let inProgress: Int64 = 200
        static let hashAlreadyUsed: Int64 = 201
        static let destinationPermanentFailure: Int64 = 203
        static let routeNotFound: Int64 = 205
        static let routeTooExpensive: Int64 = 206
        static let invoiceExpired: Int64 = 207
        static let stoppedRetrying: Int64 = 210
        static let invoiceRequestInvalid: Int64 = 212
        static let alreadyPaid: Int64 = 219
        static let invalidParameters: Int64 = -32602
        static let unknownCommand: Int64 = -32601
        static let missingRune: Int64 = 1501
        static let runeNotPermitted: Int64 = 1502
    }

    /// The error an answer other than 200/201 to `pay` stands for. Only codes that mean "no part of this payment is
    /// in flight" say nothing was paid; anything else (the catch-all -1, an unreadable body) is an unknown outcome.
    static func payError(_ answer: WalletEndpoint.Answer) -> PaymentError {
        guard let (code, message) = error(in: answer) else {
            if answer.status == 401 || answer.status == 403 {
                return .unauthorized("Core Lightning refused the rune (HTTP \(answer.status))")
            }
            return .outcomeUnknown("Core Lightning answered HTTP \(answer.status) to the payment")
        }
        let lowered = message.lowercased()
        let lacksFunds =
            lowered.contains("insufficient") || lowered.contains("not enough funds")
            || lowered.contains("don't have sufficient funds") || lowered.contains("spendable")
        switch code {
        case PayCode.missingRune, PayCode.runeNotPermitted:
            return .unauthorized("Core Lightning refused the rune: \(message)")
        case PayCode.inProgress, PayCode.hashAlreadyUsed, PayCode.alreadyPaid:
            return .outcomeUnknown("Core Lightning already has a payment for this hash (\(message)); look it up")
        case PayCode.routeNotFound, PayCode.routeTooExpensive, PayCode.stoppedRetrying:
            if lacksFunds { return .insufficientBalance("Core Lightning: \(message)") }
            if code == PayCode.stoppedRetrying { return .rejected("Core Lightning stopped trying: \(message)") }
            return .noRoute("Core Lightning: \(message)")
        case PayCode.invoiceExpired:
            return .invoiceExpired("Core Lightning: \(message)")
        case PayCode.destinationPermanentFailure, PayCode.invoiceRequestInvalid, PayCode.invalidParameters:
            return .rejected("Core Lightning refused the payment: \(message)")
        case PayCode.unknownCommand:
            return .unavailable("Core Lightning does not offer pay over REST: \(message)")
        default:
            return .outcomeUnknown("Core Lightning answered the payment with error \(code): \(message)")
        }
    }

    /// The error a failed read-only call (listpays, listfunds, getinfo) stands for.
    static func failure(_ answer: WalletEndpoint.Answer, doing what: String) -> PaymentError {
        let (code, message) = error(in: answer) ?? (0, "HTTP \(answer.status)")
        if answer.status == 401 || answer.status == 403 || code == PayCode.missingRune
            || code == PayCode.runeNotPermitted
        {
            return .unauthorized("Core Lightning refused the rune for \(what): \(message)")
        }
        return .unavailable("Core Lightning answered HTTP \(answer.status) to \(what): \(message)")
    }

    /// The JSON-RPC error in an answer: `{"code", "message"}` (clnrest) or `{"error": {"code", "message"}}`.
    private static func error(in answer: WalletEndpoint.Answer) -> (code: Int64, message: String)? {
        let body = answer.json["error"] as? [String: Any] ?? answer.json
        guard let message = body["message"] as? String else { return nil }
        return (WalletJSON.int64(body["code"]) ?? -1, message)
    }
}

extension WalletJSON {
    /// A Core Lightning amount: an integer of msat, or an older `"1234msat"` string.
    static func msat(_ value: Any?) -> Int64? {
        if let text = value as? String, text.hasSuffix("msat") { return Int64(text.dropLast(4)) }
        return int64(value)
    }
}
