/// The refund sats4ai attaches to an error after a paid call failed (`L402_UPSTREAM_FAILED`,
/// `L402_REFUND_ISSUED`): `"refund": {charge_id, refund_amount, lnurl_withdraw, status}`.
///
/// Claiming it needs an LNURL-withdraw (LUD-03) capable wallet; dropbolt keeps it with the job in `attention`.
public struct ProviderRefund: Sendable, Hashable {
    /// The provider's charge id, as text.
    public var chargeID: String?
    /// The amount refunded, as the provider sent it (sats in its examples; the unit is not documented).
    public var amount: Double?
    /// The LNURL-withdraw link that pays the refund out.
    public var lnurlWithdraw: String?
    /// `pending`, `claimed` or `expired`.
    public var status: String?

    /// Creates a refund record from its fields.
    public init(chargeID: String? = nil, amount: Double? = nil, lnurlWithdraw: String? = nil, status: String? = nil) {
        self.chargeID = chargeID
        self.amount = amount
        self.lnurlWithdraw = lnurlWithdraw
        self.status = status
    }
}
