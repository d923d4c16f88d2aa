import DropboltCore
import DropboltLightning
import DropboltStore
import Foundation
import Testing

@testable import DropboltEngine

/// Issue 8, gap 8: the "not found" grace runs from the moment `paying` was entered, so re-checks cannot extend it.
struct PayingResolutionTests {
    private let payingSince = Date(timeIntervalSince1970: 1_800_000_000)
    private var expiry: Date { payingSince.addingTimeInterval(3600) }

    @Test func notFoundIsRequeuedOnceTheGraceSincePayingHasPassedHoweverOftenItWasChecked() {
        // Re-check every 10 s, as the pipeline does; the old rule measured from the last re-check and never ended.
        var now = payingSince
        var checks = 0
        while true {
            let decision = PayingResolution.decide(
                .notFound, payingSince: payingSince, invoiceExpiry: expiry, attempts: 1, notFoundGrace: 120, now: now)
            checks += 1
            if case .notPaid(let reason, let next) = decision {
                #expect(reason.code == .paymentNotSent)
                #expect(next == .queued)
                break
            }
            guard case .lookAgain(let seconds, let reason) = decision else { Issue.record("\(decision)"); return }
            #expect(reason.code == .paymentNotSeen)
            #expect(seconds <= 10)
            now = now.addingTimeInterval(seconds)
            if checks > 100 { Issue.record("the grace never ended"); return }
        }
        #expect(now.timeIntervalSince(payingSince) >= 120)
        #expect(now.timeIntervalSince(payingSince) < 131)
    }

    @Test func aDefinitiveBackendNeedsNoGraceAndAnExpiredInvoiceCannotBePaidAnyMore() {
        let definitive = PayingResolution.decide(
            .notFound, payingSince: payingSince, invoiceExpiry: expiry, attempts: 1, notFoundGrace: 0, now: payingSince)
        #expect(definitive == .notPaid(definitive.reason!, next: .queued))
        let expired = PayingResolution.decide(
            .notFound, payingSince: payingSince, invoiceExpiry: payingSince.addingTimeInterval(5), attempts: 1,
            notFoundGrace: 120, now: payingSince.addingTimeInterval(6))
        #expect(expired.reason?.code == .paymentNotSent)
    }

    @Test func aClockThatJumpedBackNeverEndsTheGraceEarly() {
        // The wall clock now reads an hour before `paying` was entered: keep looking, never requeue.
        let decision = PayingResolution.decide(
            .notFound, payingSince: payingSince, invoiceExpiry: expiry, attempts: 1, notFoundGrace: 120,
            now: payingSince.addingTimeInterval(-3600))
        #expect(decision.reason?.code == .paymentNotSeen)
        if case .lookAgain(let seconds, _) = decision { #expect(seconds == 10) } else { Issue.record("\(decision)") }
    }

    @Test func pendingWaitsFailedRequeuesThenGivesUpSucceededPays() {
        let payment = Payment(paymentHash: [1], preimage: [2], amount: .sats(1), fee: .zero)
        let pending = PayingResolution.decide(
            .pending, payingSince: payingSince, invoiceExpiry: nil, attempts: 1, notFoundGrace: 120,
            now: payingSince.addingTimeInterval(10_000))
        #expect(pending.reason?.code == .paymentInFlight)
        let failed = PayingResolution.decide(
            .failed(reason: "no route"), payingSince: payingSince, invoiceExpiry: nil, attempts: 1, notFoundGrace: 120,
            now: payingSince)
        #expect(failed == .notPaid(failed.reason!, next: .queued))
        let failedTooOften = PayingResolution.decide(
            .failed(reason: "no route"), payingSince: payingSince, invoiceExpiry: nil, attempts: 5, notFoundGrace: 120,
            now: payingSince)
        #expect(failedTooOften == .notPaid(JobReason(.paymentFailed, failedTooOften.reason!.text), next: .failed))
        #expect(
            PayingResolution.decide(
                .succeeded(payment), payingSince: payingSince, invoiceExpiry: nil, attempts: 1, notFoundGrace: 120,
                now: payingSince) == .paid(payment))
    }

    @Test func aFailedPaymentsNextStepIsDecidedByTheErrorsCodeNotItsWording() {
        let unauthorized = JobProcessor.afterFailedPayment(
            .unauthorized("some words"), attempts: 1, backoff: { _ in 5 })
        #expect(unauthorized.0 == .held)
        #expect(unauthorized.2.code == .walletUnauthorized)
        let unavailable = JobProcessor.afterFailedPayment(.unavailable("unauthorized"), attempts: 1, backoff: { _ in 5 })
        #expect(unavailable.2.code == .walletUnavailable)
        let rejected = JobProcessor.afterFailedPayment(.rejected("x"), attempts: 1, backoff: { _ in 5 })
        #expect(rejected.0 == .queued)
        #expect(JobProcessor.afterFailedPayment(.rejected("x"), attempts: 5, backoff: { _ in 5 }).0 == .failed)
    }
}

extension PayingResolution {
    fileprivate var reason: JobReason? {
        switch self {
        case .paid: nil
        case .notPaid(let reason, _), .lookAgain(_, let reason): reason
        }
    }
}
