import DropboltCore
import DropboltLightning
import DropboltStore
import Foundation
import Testing

@testable import DropboltEngine

/// Issue 8, gap 8 and clock jumps: the "not found" grace runs from the moment `paying` was entered, on a clock the
/// wall clock cannot move, so neither re-checks nor a clock that is set forward or back can end it early.
struct PayingResolutionTests {
    private let payingSince = Date(timeIntervalSince1970: 1_800_000_000)
    private let lifetime: TimeInterval = 3600

    private func decide(_ status: PaymentStatus, elapsed: TimeInterval, attempts: Int = 1, grace: TimeInterval = 120)
        -> PayingResolution
    {
        PayingResolution.decide(
            status, elapsed: elapsed, lifetimeAtPaying: lifetime, attempts: attempts, notFoundGrace: grace)
    }

    @Test func notFoundIsRequeuedOnceTheGraceSincePayingHasPassedHoweverOftenItWasChecked() {
        // Re-check as the pipeline does; the old rule measured from the last re-check and never ended.
        var elapsed: TimeInterval = 0
        var checks = 0
        while true {
            let decision = decide(.notFound, elapsed: elapsed)
            checks += 1
            if case .notPaid(let reason, let next) = decision {
                #expect(reason.code == .paymentNotSent)
                #expect(next == .queued)
                break
            }
            guard case .lookAgain(let seconds, let reason) = decision else { Issue.record("\(decision)"); return }
            #expect(reason.code == .paymentNotSeen)
            #expect(seconds <= 10)
            elapsed += seconds
            if checks > 100 { Issue.record("the grace never ended"); return }
        }
        #expect(elapsed >= 120 && elapsed < 131)
    }

    @Test func aDefinitiveBackendNeedsNoGraceAndAnExpiredInvoiceCannotBePaidAnyMore() {
        #expect(decide(.notFound, elapsed: 0, grace: 0).reason?.code == .paymentNotSent)
        let expired = PayingResolution.decide(
            .notFound, elapsed: 6, lifetimeAtPaying: 5, attempts: 1, notFoundGrace: 120)
        #expect(expired.reason?.code == .paymentNotSent)
    }

    @Test func aWallClockSetForwardOrBackDoesNotEndTheGraceEarly() {
        let boot = BootInstant(bootID: "boot-a", nanoseconds: 5_000_000_000_000)
        let tenSecondsLater = BootInstant(bootID: "boot-a", nanoseconds: boot.nanoseconds + 10_000_000_000)
        for jump: TimeInterval in [-3600, 86_400, 30 * 86_400] {
            let elapsed = PayingResolution.elapsed(
                payingSince: payingSince, now: payingSince.addingTimeInterval(jump), bootAtPaying: boot,
                bootNow: tenSecondsLater)
            #expect(elapsed == 10)
            // A day's jump would have "expired" the invoice and requeued a payment that may still be on its way.
            #expect(decide(.notFound, elapsed: elapsed).reason?.code == .paymentNotSeen, "jump \(jump)")
        }
        // After a reboot only the time since this boot is certain: a lower bound, so never early.
        let afterReboot = BootInstant(bootID: "boot-b", nanoseconds: 30_000_000_000)
        #expect(afterReboot.seconds(since: boot) == 30)
        // Without boot instants (rows from before v4) the wall clock is used, never negative.
        #expect(
            PayingResolution.elapsed(
                payingSince: payingSince, now: payingSince.addingTimeInterval(-3600), bootAtPaying: nil, bootNow: nil) == 0)
    }

    @Test func theBootClockIsReadAndStoredWithThePayment() async throws {
        let now = try #require(BootClock.now())
        #expect(!now.bootID.isEmpty && now.nanoseconds > 0)
        let later = try #require(BootClock.now())
        #expect(later.seconds(since: now) >= 0)
    }

    @Test func pendingWaitsFailedRequeuesThenGivesUpSucceededPays() {
        let payment = Payment(paymentHash: [1], preimage: [2], amount: .sats(1), fee: .zero)
        #expect(decide(.pending, elapsed: 10_000).reason?.code == .paymentInFlight)
        let failed = decide(.failed(reason: "no route"), elapsed: 0)
        #expect(failed == .notPaid(failed.reason!, next: .queued))
        let failedTooOften = decide(.failed(reason: "no route"), elapsed: 0, attempts: 5)
        #expect(failedTooOften == .notPaid(JobReason(.paymentFailed, failedTooOften.reason!.text), next: .failed))
        #expect(decide(.succeeded(payment), elapsed: 0) == .paid(payment))
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
