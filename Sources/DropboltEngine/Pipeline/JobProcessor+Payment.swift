import DropboltCore
import DropboltLightning
import DropboltStore
import Foundation
import Logging

// paying → paid
extension JobProcessor {
    /// `paying` is committed (durably); this is the one call to the wallet for this payment hash.
    func pay(_ job: JobRecord, invoice: Invoice, wallet: any Wallet, maxFee: Millisatoshi, logger: Logger) async throws {
        let id = job.id ?? 0
        let hash = invoice.paymentHashHex
        var logger = logger
        logger[metadataKey: "payment.hash"] = "\(hash)"
        logger[metadataKey: "payment.amount_msat"] = "\(invoice.amount?.rawValue ?? 0)"
        let payment: Payment
        let sent = ContinuousClock.now
        do {
            defer { context.metrics.observe(.payment, since: sent) }
            payment = try await wallet.pay(invoice, maxFee: maxFee)
        } catch {
            if error.moneyMayHaveMoved {
                logger.warning("payment outcome unknown; looking it up", metadata: ["error": "\(error)"])
                try await defer_(
                    id, in: .paying, seconds: 3,
                    JobReason(.paymentOutcomeUnknown, "payment outcome unknown (\(error.shortDescription)); looking it up"))
                return
            }
            logger.error("payment failed", metadata: ["error": "\(error)"])
            let (next, wait, reason) = Self.afterFailedPayment(error, attempts: job.attempts + 1, backoff: backoff)
            try await store.recordPaymentFailed(
                jobID: id, paymentHash: hash, reason: reason, next: next,
                notBefore: wait.map { context.later($0) }, at: Date())
            return
        }
        // The wallet paid it, so the wallet is on this invoice's network (a backend that does not report one, such
        // as LNbits, is known from here on).
        context.walletNetwork.learn(invoice.network)
        try await paid(id, hash: hash, payment: payment, logger: logger)
    }

    /// Where a job goes after a payment that certainly did not happen: a typed decision on the error's code.
    static func afterFailedPayment(
        _ error: PaymentError, attempts: Int, backoff: (Int) -> TimeInterval
    ) -> (JobState, TimeInterval?, JobReason) {
        if error.isUnauthorized {
            return (.held, 600, JobReason(.walletUnauthorized, "the wallet refused the key: \(error)"))
        }
        if error.isTransient {
            return (.held, backoff(attempts), JobReason(.walletUnavailable, "payment failed for now: \(error)"))
        }
        if attempts >= PayingResolution.maximumPaymentAttempts {
            return (.failed, nil, JobReason(.paymentFailed, "payment failed: \(error)"))
        }
        return (.queued, nil, JobReason(.paymentNotSent, "payment failed: \(error); asking for a new invoice"))
    }

    /// Records a successful payment, checking the preimage (DESIGN §5 rule 4), then fetches.
    func paid(_ id: Int64, hash: String, payment: Payment, logger: Logger) async throws {
        let now = Date()
        // The paid request follows at once, so the same durable commit counts it (one fsync fewer per job).
        let preimage = Hex.string(payment.preimage)
        // A fee above the cap holds the rule in the same commit (a backend without a fee limit, or one that
        // ignored it): the result is still fetched; nothing more is paid for the rule until a person releases it.
        let cap = Millisatoshi(exactlySats: context.configuration.wallet?.maxFeeSats ?? 0) ?? .zero
        let (job, feeHold) = try await store.recordPaid(
            jobID: id, paymentHash: hash, preimage: preimage, feeMsat: payment.fee.rawValue,
            countingRequest: payment.preimageMatchesHash, feeCap: cap, at: now)
        if let reason = feeHold {
            logger.error(
                "routing fee above the cap; the rule is held",
                metadata: ["payment.fee_msat": "\(payment.fee.rawValue)", "rule": "\(job.rule)", "reason": "\(reason.text)"])
        }
        guard payment.preimageMatchesHash else {
            logger.error("wallet returned a preimage that does not match the payment hash")
            try await store.recordStopped(
                jobID: id, from: .paid, state: .attention,
                reason: JobReason(
                    .preimageMismatch,
                    "paid, but the wallet's preimage does not match the payment hash: no credential to fetch with"),
                at: now)
            return
        }
        logger.info("paid", metadata: ["payment.fee_msat": "\(payment.fee.rawValue)"])
        try await fetch(job, justPaid: JustPaid(preimageHex: preimage, settledAt: now), logger: logger)
    }

    /// A job in `paying` (after a crash or an unclear answer) is only ever looked up, never paid again.
    func resolvePaying(_ job: JobRecord, logger: Logger) async throws {
        let id = job.id ?? 0
        guard let hashHex = job.paymentHash, let hash = Hex.bytes(hashHex) else {
            try await attention(id, from: .paying, JobReason(.payingWithoutHash, "paying without a payment hash"), logger)
            return
        }
        guard let wallet = context.wallet else {
            try await defer_(
                id, in: .paying, seconds: 600,
                JobReason(.walletNotConfigured, "a payment is in flight; configure the wallet again to look it up"))
            return
        }
        let payment = try await store.payment(hash: hashHex)
        if let committedTo = payment?.wallet, committedTo != wallet.identity {
            // Another wallet cannot know this payment: its "not found" would requeue a job that may be paid. A person
            // looks it up in the wallet that paid; the job never goes back to the queue from here.
            try await attention(
                id, from: .paying,
                JobReason(
                    .walletChanged,
                    "paid from another wallet (\(committedTo)); look the payment \(hashHex) up there"),
                logger)
            return
        }
        let status: PaymentStatus
        do {
            status = try await wallet.lookup(paymentHash: hash)
        } catch {
            try await defer_(id, in: .paying, seconds: 15, JobReason(.lookupFailed, "payment lookup failed: \(error)"))
            return
        }
        let payingSince = payment?.createdAt ?? job.updatedAt
        let now = Date()
        let resolution = PayingResolution.decide(
            status,
            elapsed: PayingResolution.elapsed(
                payingSince: payingSince, now: now, bootAtPaying: payment?.bootInstant, bootNow: BootClock.now()),
            lifetimeAtPaying: job.invoice.flatMap { try? Invoice.decode($0) }.map { $0.expiresAt.timeIntervalSince(payingSince) },
            attempts: job.attempts, notFoundGrace: TimeInterval(wallet.notFoundGrace.components.seconds))
        switch resolution {
        case .paid(let payment):
            try await paid(id, hash: hashHex, payment: payment, logger: logger)
        case .notPaid(let reason, let next):
            try await store.recordPaymentFailed(
                jobID: id, paymentHash: hashHex, reason: reason, next: next, notBefore: nil, at: Date())
        case .lookAgain(let seconds, let reason):
            try await defer_(id, in: .paying, seconds: seconds, reason)
        }
    }
}
