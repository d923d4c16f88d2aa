import DropboltCore
import DropboltLightning

extension NWCResponse.ErrorBody {
    /// What a `pay_invoice` error means for the money: only answers that say the payment was never attempted count
    /// as "not paid".
    ///
    /// `PAYMENT_FAILED` is outcome-unknown because NIP-47 includes timeouts in it (an HTLC may still be in flight);
    /// `INTERNAL` because Alby Hub reports every payment failure that way; `OTHER` and unknown codes because nothing
    /// says otherwise. The engine then asks `lookup_invoice`, which settles it.
    public var paymentError: PaymentError {
        let words = "NWC \(code): \(message)"
        switch code {
        case .insufficientBalance: return .insufficientBalance(words)
        case .rateLimited, .quotaExceeded: return .unavailable(words)
        case .unauthorized, .restricted: return .unauthorized(words)
        case .notImplemented, .unsupportedEncryption: return .rejected(words)
        default: return .outcomeUnknown(words)
        }
    }

    /// What an error of a read-only method (`lookup_invoice`, `get_balance`, `get_info`) means: nothing moved either
    /// way; a refused key is `unauthorized`, anything else `unavailable`.
    public func queryError(method: NWCMethod) -> PaymentError {
        let words = "NWC \(method.rawValue) \(code): \(message)"
        switch code {
        case .unauthorized, .restricted: return .unauthorized(words)
        default: return .unavailable(words)
        }
    }
}

extension NWCTransaction {
    /// The transaction as a ``PaymentStatus``: `settled` (or, from older wallets, no state but a `settled_at`) with a
    /// preimage is paid; `failed` and `expired` are failed; anything else, a settled one without a preimage included,
    /// is still pending.
    public func paymentStatus(paymentHash: [UInt8]) -> PaymentStatus {
        switch state {
        case "failed", "expired":
            return .failed(reason: "the NWC wallet reports the payment \(state ?? "failed")")
        default:
            let settled = state == "settled" || (state == nil && settledAt != nil)
            guard settled, let preimage = preimage.flatMap(Hex.bytes), preimage.count == 32 else { return .pending }
            return .succeeded(
                Payment(
                    paymentHash: paymentHash, preimage: preimage, amount: Millisatoshi(abs(amount ?? 0)),
                    fee: Millisatoshi(abs(feesPaid ?? 0))))
        }
    }
}
