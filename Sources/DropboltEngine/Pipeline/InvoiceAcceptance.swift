import DropboltCore
import DropboltL402
import DropboltLightning
import Foundation

/// What a 402 leads to before any money moves (DESIGN §5 rules 1–4): a pure function of the challenge headers, the
/// clock and how often the job has asked already. The budget comes after it (``PaymentBudget``).
///
/// ```swift
/// switch InvoiceAcceptance.decide(wwwAuthenticate: reply.values("www-authenticate"), url: url, attempts: 0, now: now) {
/// case .accept(let challenge, let invoice, let amount): …
/// case .expired(let challenge, let invoice, let amount, let reason, let giveUp): …
/// case .refuse(let reason): …
/// }
/// ```
enum InvoiceAcceptance: Equatable {
    /// A payable invoice for `amount`, to be paid with the challenge's token.
    case accept(challenge: L402Challenge, invoice: Invoice, amount: Millisatoshi)
    /// The invoice expires before it could be paid: record it and ask again later (`giveUp` false), or stop asking
    /// because the provider keeps sending expired invoices (`giveUp` true; the clock is probably wrong).
    case expired(challenge: L402Challenge, invoice: Invoice, amount: Millisatoshi, reason: JobReason, giveUp: Bool)
    /// Never pay this: the job fails with `reason`, and nothing was paid.
    case refuse(JobReason)

    /// An invoice must stay valid at least this long after it arrives (time to commit `paying` and pay).
    static let expiryMargin: TimeInterval = 30
    /// Expired invoices tolerated before the job fails instead of asking again.
    static let expiredAttemptsBeforeGivingUp = 3

    /// Decides on the `WWW-Authenticate` values of a 402 from `url` (named in reasons), at `now`, for a wallet on
    /// `walletNetwork` (nil while it is not known: then any network passes, and the wallet itself refuses).
    static func decide(
        wwwAuthenticate: [String], url: String, attempts: Int, now: Date, walletNetwork: Network? = nil
    ) -> InvoiceAcceptance {
        let challenge: L402Challenge
        do {
            guard let preferred = ChallengeParser.preferred(try ChallengeParser.parse(headerValues: wwwAuthenticate))
            else {
                return .refuse(
                    JobReason(.malformedChallenge, "malformed 402 from \(url): no L402 challenge; nothing was paid"))
            }
            challenge = preferred
        } catch {
            return .refuse(JobReason(.malformedChallenge, "malformed 402 from \(url): \(error); nothing was paid"))
        }
        let invoice: Invoice
        do {
            invoice = try Invoice.decode(challenge.invoice)
        } catch {
            return .refuse(
                JobReason(
                    .invalidInvoice, "the 402 from \(url) carries no valid BOLT11 invoice (\(error)); nothing was paid")
            )
        }
        guard let amount = invoice.amount else {
            return .refuse(
                JobReason(.invoiceWithoutAmount, "refused: the invoice from \(url) has no amount; nothing was paid"))
        }
        guard amount.rawValue > 0 else {
            return .refuse(
                JobReason(.zeroAmountInvoice, "refused: the invoice from \(url) is for zero sats; nothing was paid"))
        }
        if let walletNetwork, invoice.network != walletNetwork {
            return .refuse(
                JobReason(
                    .invoiceWrongNetwork,
                    "refused: the invoice from \(url) is for \(invoice.network.displayName) (ln\(invoice.network.rawValue)…) "
                        + "but the wallet pays on \(walletNetwork.displayName); nothing was paid"))
        }
        if let committed = MacaroonIdentifier.paymentHash(inToken: challenge.token), committed != invoice.paymentHash {
            return .refuse(
                JobReason(
                    .tokenHashMismatch,
                    "refused: the token from \(url) is for payment hash \(Hex.string(committed)), not the invoice's "
                        + "\(invoice.paymentHashHex); nothing was paid"))
        }
        guard !invoice.isExpired(at: now.addingTimeInterval(expiryMargin)) else {
            let giveUp = attempts >= expiredAttemptsBeforeGivingUp
            let reason =
                giveUp
                ? JobReason(
                    .invoicesKeepExpiring, "refused: the provider keeps sending expired invoices (check the clock)")
                : JobReason(.invoiceExpired, "refused: the invoice had already expired; asking again")
            return .expired(challenge: challenge, invoice: invoice, amount: amount, reason: reason, giveUp: giveUp)
        }
        return .accept(challenge: challenge, invoice: invoice, amount: amount)
    }
}
