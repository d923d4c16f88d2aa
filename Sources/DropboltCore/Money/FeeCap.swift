/// The check on a routing fee after a payment (issue: the fee cap): some wallets take no fee limit with the payment
/// (phoenixd, a user's command), and any wallet may report more than it was allowed. A pure function of typed
/// amounts.
///
/// ```swift
/// if let hold = FeeCap.check(fee: payment.fee, cap: .sats(10), rule: "captions", paymentHash: hash) { … }
/// ```
public enum FeeCap {
    /// Nil when `fee` is within `cap`; otherwise the reason to hold `rule` (the payment is already made: its
    /// result is still fetched, but nothing more is paid for the rule until a person releases it).
    public static func check(fee: Millisatoshi, cap: Millisatoshi, rule: String, paymentHash: String) -> JobReason? {
        guard fee.rawValue > cap.rawValue else { return nil }
        return JobReason(
            .ruleHeldFeeAboveCap,
            "rule \(rule) is held: payment \(paymentHash) cost \(fee.rawValue) msat in routing fees, above "
                + "wallet.max_fee_sats (\(cap.rawValue / 1000) sats); check the wallet's fee settings, then run "
                + "`dropbolt rules release \(rule)`")
    }
}
