import DropboltCore
import DropboltL402
import DropboltLightning
import DropboltSats4AI
import DropboltTesting
import Foundation
import Testing

@testable import DropboltEngine

/// The money decisions of the paid path as pure functions of typed values and an injected clock (issue 10):
/// whether a 402's invoice may be paid, and what a paid request's answer leads to.
@Suite("Money decisions")
struct MoneyDecisionTests {
    private static let signer = InvoiceSigner()
    private static let issued = Date(timeIntervalSince1970: TimeInterval(InvoiceSigner.timestamp))
    private static let url = "https://sats4ai.com/api/l402/analyze-image"

    private static func header(invoice: String, token: String = "dG9rZW4=") -> [String] {
        ["L402 macaroon=\"\(token)\", invoice=\"\(invoice)\""]
    }

    // MARK: Invoice acceptance

    @Test func aValidInvoiceIsAcceptedWithItsAmountAndToken() throws {
        let invoice = Self.signer.invoice(hrp: "lnbc2500u")
        let decision = InvoiceAcceptance.decide(
            wwwAuthenticate: Self.header(invoice: invoice), url: Self.url, attempts: 0, now: Self.issued + 60)
        guard case .accept(let challenge, let decoded, let amount) = decision else {
            Issue.record("expected acceptance, got \(decision)")
            return
        }
        #expect(amount == Millisatoshi(250_000_000))
        #expect(challenge.token == "dG9rZW4=")
        #expect(decoded.string == invoice)
    }

    @Test func whatCannotBePaidIsRefusedWithItsCode() {
        let cases: [([String], JobReason.Code)] = [
            ([], .malformedChallenge),
            (["Bearer realm=\"x\""], .malformedChallenge),
            (["L402 macaroon=\"dG9rZW4=\", invoice=\"lnbc1notaninvoice\""], .invalidInvoice),
            (Self.header(invoice: Self.signer.invoice(hrp: "lnbc")), .invoiceWithoutAmount),
            (Self.header(invoice: Self.signer.invoice(hrp: "lnbc2500u", tamper: .recoveryID(7))), .invalidInvoice),
        ]
        for (headers, code) in cases {
            let decision = InvoiceAcceptance.decide(
                wwwAuthenticate: headers, url: Self.url, attempts: 0, now: Self.issued)
            guard case .refuse(let reason) = decision else {
                Issue.record("\(headers): expected a refusal, got \(decision)")
                continue
            }
            #expect(reason.code == code, "\(headers): \(reason)")
            #expect(reason.text.contains("nothing was paid") || reason.text.contains("refused"), "\(reason)")
        }
    }

    @Test func anInvoiceForAnotherNetworkThanTheWalletsIsRefused() {
        for (hrp, wallet, refused) in [
            ("lntb2500u", Network.bitcoin, true), ("lnbc2500u", .testnet, true), ("lnbcrt2500u", .signet, true),
            ("lntbs2500u", .signet, false), ("lnbc2500u", .bitcoin, false),
        ] {
            let decision = InvoiceAcceptance.decide(
                wwwAuthenticate: Self.header(invoice: Self.signer.invoice(hrp: hrp)), url: Self.url, attempts: 0,
                now: Self.issued + 60, walletNetwork: wallet)
            if refused {
                guard case .refuse(let reason) = decision else {
                    Issue.record("\(hrp) against \(wallet): expected a refusal, got \(decision)")
                    continue
                }
                #expect(reason.code == .invoiceWrongNetwork)
                #expect(reason.text.contains(wallet.displayName), "\(reason)")
            } else {
                guard case .accept = decision else {
                    Issue.record("\(hrp) against \(wallet): expected acceptance, got \(decision)")
                    continue
                }
            }
        }
        // While the wallet's network is unknown, the wallet itself is left to refuse.
        let unknown = InvoiceAcceptance.decide(
            wwwAuthenticate: Self.header(invoice: Self.signer.invoice(hrp: "lntb2500u")), url: Self.url, attempts: 0,
            now: Self.issued + 60, walletNetwork: nil)
        guard case .accept = unknown else { Issue.record("expected acceptance, got \(unknown)"); return }
    }

    @Test func aTokenCommittingToAnotherPaymentHashIsRefused() {
        // The signer's invoices carry BOLT 11's example payment hash 0001020304050607080900010203…0102.
        let invoiceHash: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2]
        func token(committingTo hash: [UInt8]) -> String {
            Data([2, 1, 4] + Array("lsat".utf8) + [2, 66, 0, 0] + hash + [UInt8](repeating: 9, count: 32) + [0])
                .base64EncodedString()
        }
        let invoice = Self.signer.invoice(hrp: "lnbc2500u")
        let matching = InvoiceAcceptance.decide(
            wwwAuthenticate: Self.header(invoice: invoice, token: token(committingTo: invoiceHash)), url: Self.url,
            attempts: 0, now: Self.issued + 60)
        guard case .accept = matching else { Issue.record("expected acceptance, got \(matching)"); return }
        let other = InvoiceAcceptance.decide(
            wwwAuthenticate: Self.header(invoice: invoice, token: token(committingTo: [UInt8](repeating: 0xEE, count: 32))),
            url: Self.url, attempts: 0, now: Self.issued + 60)
        guard case .refuse(let reason) = other else { Issue.record("expected a refusal, got \(other)"); return }
        #expect(reason.code == .tokenHashMismatch)
        #expect(reason.text.contains(String(repeating: "ee", count: 32)))
    }

    @Test func aFeeAboveTheCapHoldsTheRuleAndTheCapItselfDoesNot() throws {
        #expect(FeeCap.check(fee: .sats(10), cap: .sats(10), rule: "edit", paymentHash: "ab") == nil)
        #expect(FeeCap.check(fee: .zero, cap: .zero, rule: "edit", paymentHash: "ab") == nil)
        let reason = try #require(FeeCap.check(fee: Millisatoshi(10_001), cap: .sats(10), rule: "edit", paymentHash: "ab"))
        #expect(reason.code == .ruleHeldFeeAboveCap)
        #expect(reason.text.contains("10001 msat") && reason.text.contains("wallet.max_fee_sats (10 sats)"), "\(reason)")
        #expect(FeeCap.check(fee: Millisatoshi(1), cap: .zero, rule: "edit", paymentHash: "ab")?.code == .ruleHeldFeeAboveCap)
    }

    @Test func anInvoiceExpiringWithinTheMarginIsAskedAgainThenGivenUp() {
        // The signer's invoices expire an hour after issue; 29 s before that is inside the 30 s margin.
        let invoice = Self.signer.invoice(hrp: "lnbc2500u")
        let late = Self.issued + 3_600 - 29
        let first = InvoiceAcceptance.decide(
            wwwAuthenticate: Self.header(invoice: invoice), url: Self.url, attempts: 0, now: late)
        guard case .expired(_, _, let amount, let reason, let giveUp) = first else {
            Issue.record("expected expired, got \(first)")
            return
        }
        #expect(amount == Millisatoshi(250_000_000))
        #expect(reason.code == .invoiceExpired)
        #expect(!giveUp)
        let again = InvoiceAcceptance.decide(
            wwwAuthenticate: Self.header(invoice: invoice), url: Self.url,
            attempts: InvoiceAcceptance.expiredAttemptsBeforeGivingUp, now: late)
        guard case .expired(_, _, _, let lastReason, true) = again else {
            Issue.record("expected to give up, got \(again)")
            return
        }
        #expect(lastReason.code == .invoicesKeepExpiring)
        // 31 s before expiry is still fine.
        let inTime = InvoiceAcceptance.decide(
            wwwAuthenticate: Self.header(invoice: invoice), url: Self.url, attempts: 0, now: Self.issued + 3_600 - 31)
        if case .accept = inTime {} else { Issue.record("expected acceptance 31 s before expiry, got \(inTime)") }
    }

    // MARK: The answer to a paid request

    private static let deadline = Date(timeIntervalSince1970: 2_000_000_000)

    private static func outcome(
        _ status: Int, _ body: String = "", paidRequests: Int = 0, retryAfter: String? = nil, now: Date = deadline - 300
    ) -> PaidReplyOutcome {
        PaidReplyOutcome.decide(
            status: status, error: ProviderErrorBody(body: Array(body.utf8), retryAfterHeader: retryAfter),
            earlierPaidRequests: paidRequests, deadline: deadline, now: now)
    }

    @Test func a200IsKeptAndTransientFailuresAreRetriedWithTheSameCredential() {
        #expect(Self.outcome(200) == .keep)
        #expect(
            Self.outcome(429, retryAfter: "42")
                == .retry(JobReason(.paidRetry, "rate limited after payment"), after: 42))
        #expect(
            Self.outcome(503) == .retry(JobReason(.paidRetry, "provider error HTTP 503 after payment"), after: 15))
        #expect(
            PaidReplyOutcome.unanswered(problem: "connection reset", deadline: Self.deadline, now: Self.deadline - 300)
                == .retry(JobReason(.paidRetry, "provider unreachable after payment: connection reset"), after: 10))
    }

    @Test func aRetryThatWouldOutliveTheTokenNeedsAPerson() {
        let outcome = Self.outcome(503, now: Self.deadline - 14)
        guard case .attention(let reason, nil) = outcome else {
            Issue.record("expected attention, got \(outcome)")
            return
        }
        #expect(reason.code == .paidTokenExpired)
        #expect(
            Self.outcome(503, now: Self.deadline - 15) != outcome, "a retry landing exactly at the deadline is allowed")
    }

    @Test func aRejectionAfterPaymentNeverLeadsToAnotherInvoice() {
        // A 402 after payment, a 400, a first 401: attention, never back to the queue.
        for status in [402, 400, 401, 404] {
            guard case .attention(let reason, _) = Self.outcome(status, #"{"error":"no"}"#) else {
                Issue.record("HTTP \(status) must need attention")
                continue
            }
            #expect(reason.code == .paidRejected, "\(status)")
        }
        // A 401 for a token already sent once: the provider took it on a request whose answer was lost.
        guard case .attention(let lost, _) = Self.outcome(401, paidRequests: 1) else {
            Issue.record("expected attention")
            return
        }
        #expect(lost.code == .paidAnswerLost)
    }

    @Test func aProviderFailureWithARefundPointsAtIt() {
        let body =
            #"{"error":"upstream failed","error_code":"L402_UPSTREAM_FAILED","refund":{"lnurl_withdraw":"lnurl1refund"}}"#
        let outcome = Self.outcome(502, body)
        guard case .attention(let reason, let refund) = outcome else {
            Issue.record("expected attention, got \(outcome)")
            return
        }
        #expect(reason.code == .paidRefundOffered)
        #expect(refund == "lnurl1refund")
    }
}
