/// Why a job is where it is: a typed ``Code`` that decisions match on, and the text a person reads.
///
/// The code is stored in its own column (`jobs.reason_code`) and shown beside the text; control flow never looks at
/// the text, so rewording a message cannot change what dropbolt does.
///
/// ```swift
/// let reason = JobReason(.quoteOnly, "quote-only: price 300 sats (no wallet configured)")
/// if job.reasonCode == .quoteOnly { … }
/// ```
public struct JobReason: Sendable, Hashable, CustomStringConvertible {
    /// The typed cause. Raw values are stored in the database: never rename one, only add.
    public enum Code: String, Sendable, Hashable, CaseIterable, Codable {
        // Waiting (`held`, or a state left with a `not_before`).
        /// The job's rule is missing or disabled.
        case ruleUnavailable = "rule_unavailable"
        /// The provider asked to slow down (429).
        case rateLimited = "rate_limited"
        /// The provider could not be reached before payment.
        case providerUnreachable = "provider_unreachable"
        /// The provider answered 5xx before payment.
        case providerError = "provider_error"
        /// The invoice had expired when it arrived; a fresh one is asked for.
        case invoiceExpired = "invoice_expired"
        /// No wallet is configured: the price was recorded, nothing paid.
        case quoteOnly = "quote_only"
        /// The global daily limit would be passed.
        case dailyBudget = "daily_budget"
        /// The rule's daily limit would be passed.
        case ruleDailyBudget = "rule_daily_budget"
        /// The monthly limit would be passed.
        case monthlyBudget = "monthly_budget"
        /// The wallet refused the key.
        case walletUnauthorized = "wallet_unauthorized"
        /// The wallet is down, out of balance or has no route for now.
        case walletUnavailable = "wallet_unavailable"
        /// A payment is in flight but no wallet is configured to look it up.
        case walletNotConfigured = "wallet_not_configured"
        /// A payment was committed through a wallet other than the one configured now (`attention`: look it up there).
        case walletChanged = "wallet_changed"
        /// The wallet's answer to a payment was lost; the payment is being looked up.
        case paymentOutcomeUnknown = "payment_outcome_unknown"
        /// The wallet reports the payment in flight.
        case paymentInFlight = "payment_in_flight"
        /// The wallet does not know the payment yet; inside the grace period it may still arrive.
        case paymentNotSeen = "payment_not_seen"
        /// The payment lookup itself failed.
        case lookupFailed = "lookup_failed"
        /// Paid; the request is retried with the same credential.
        case paidRetry = "paid_retry"
        /// A store or file error; the step is tried again.
        case internalError = "internal_error"
        /// The daemon was stopping before this job's payment: nothing was paid; it resumes at the next start.
        case stopping = "stopping"
        /// The output folder cannot be written; nothing is paid until it can.
        case outputUnwritable = "output_unwritable"
        /// The job's rule is held: a payment's routing fee went above `wallet.max_fee_sats`; nothing is paid for
        /// the rule until a person releases it (`dropbolt rules release`).
        case ruleHeldFeeAboveCap = "rule_held_fee_above_cap"

        // Back to the queue.
        /// The wallet certainly did not pay; a fresh invoice comes next.
        case paymentNotSent = "payment_not_sent"

        // Ended without money moving (`failed`, or `done` for a skip).
        /// The original file is gone.
        case originalMissing = "original_missing"
        /// The original is larger than dropbolt sends.
        case originalTooLarge = "original_too_large"
        /// The original changed after it was queued.
        case originalChanged = "original_changed"
        /// No request body could be built for the file.
        case requestUnbuildable = "request_unbuildable"
        /// The provider refused the request (4xx) before any payment.
        case providerRefused = "provider_refused"
        /// The 402 had no usable L402 challenge.
        case malformedChallenge = "malformed_challenge"
        /// The challenge's invoice is not valid BOLT11.
        case invalidInvoice = "invalid_invoice"
        /// The invoice has no amount.
        case invoiceWithoutAmount = "invoice_without_amount"
        /// The invoice is for zero.
        case zeroAmountInvoice = "zero_amount_invoice"
        /// The invoice is for another network than the wallet's (e.g. testnet against a mainnet node).
        case invoiceWrongNetwork = "invoice_wrong_network"
        /// The token commits to another payment hash than the invoice's.
        case tokenHashMismatch = "token_hash_mismatch"
        /// The provider keeps sending expired invoices.
        case invoicesKeepExpiring = "invoices_keep_expiring"
        /// The invoice is above the per-image limit.
        case aboveImageLimit = "above_image_limit"
        /// The amounts cannot be added up without overflowing (an absurd invoice).
        case amountOverflow = "amount_overflow"
        /// The wallet refused the payment for good, too many times.
        case paymentFailed = "payment_failed"
        /// The output's name or path would be longer than the file system allows.
        case outputNameTooLong = "output_name_too_long"
        /// The same content was done before under this rule and `on_duplicate: skip`.
        case duplicateSkipped = "duplicate_skipped"

        // Money moved, no result (`attention`).
        /// The wallet's preimage does not match the payment hash.
        case preimageMismatch = "preimage_mismatch"
        /// Paid, but the token or preimage to fetch with is missing.
        case paidWithoutCredential = "paid_without_credential"
        /// Paid, but the spooled request body is gone or damaged.
        case paidRequestMissing = "paid_request_missing"
        /// Paid, and the provider refused the paid request (402 or another 4xx).
        case paidRejected = "paid_rejected"
        /// Paid, the provider failed and offers a refund.
        case paidRefundOffered = "paid_refund_offered"
        /// Paid, and no result came before the token's validity ended.
        case paidTokenExpired = "paid_token_expired"
        /// Paid, and the answer could not be turned into a result (kept for the user).
        case paidResultUnreadable = "paid_result_unreadable"
        /// Paid, and the provider took the token on a request whose answer never became durable (a kill or a
        /// cut connection after the provider accepted the token).
        case paidAnswerLost = "paid_answer_lost"
        /// The spooled result vanished before the output was written.
        case paidResultMissing = "paid_result_missing"
        /// A job in `paying` has no payment hash.
        case payingWithoutHash = "paying_without_hash"
    }

    /// The typed cause.
    public var code: Code
    /// What a person reads (`dropbolt status`).
    public var text: String

    /// Creates a reason.
    public init(_ code: Code, _ text: String) {
        self.code = code
        self.text = text
    }

    /// `text [code]`.
    public var description: String { "\(text) [\(code.rawValue)]" }
}
