import Crypto
import DropboltCore
import DropboltL402
import DropboltLightning
import DropboltSats4AI
import DropboltStore
import Foundation
import Logging

/// Everything the workers share.
struct PipelineContext: Sendable {
    let configuration: DropboltConfiguration
    let store: Store
    let ruleBook: RuleBook
    let provider: Sats4AIClient
    let wallet: (any Wallet)?
    let spool: Spool
    let logger: Logger
    /// How long a paid sats4ai token stays usable for the paid retry.
    var tokenValidity: TimeInterval = 600
    /// Largest original accepted (sats4ai publishes no limit; larger bodies only waste a quote).
    var maximumImageBytes = 40 << 20
}

/// Takes one job through DESIGN §5's state machine, journaling each step before the next.
///
/// It never throws: every outcome lands in the job's row (a new state, or the same state with `not_before` and a
/// reason). It never calls ``Wallet/pay(_:maxFee:)`` except right after committing `paying` in the same run, so
/// a job found in `paying` (after a crash or an unclear answer) is only ever looked up.
struct JobProcessor: Sendable {
    let context: PipelineContext

    private var store: Store { context.store }

    func run(_ job: JobRecord) async {
        var logger = context.logger
        logger[metadataKey: "job.id"] = "\(job.id ?? 0)"
        logger[metadataKey: "rule.name"] = "\(job.rule)"
        logger[metadataKey: "file.path"] = "\(job.path)"
        do {
            switch job.state {
            case .queued, .held, .invoiced:
                // `invoiced` after a crash: nothing was paid, and the token may be stale; start again.
                try await start(job, logger: logger)
            case .paying:
                try await resolvePaying(job, logger: logger)
            case .paid:
                try await fetch(job, logger: logger)
            case .fetched:
                try await writeOutput(job, logger: logger)
            case .done, .failed, .attention:
                return
            }
        } catch {
            // A store or file error: leave the job where it is and look again later; nothing is lost.
            logger.error("job step failed; will retry", metadata: ["error": "\(error)"])
            // Writing a spooled result is free and idempotent, so it is tried again soon.
            let wait: TimeInterval = job.state == .fetched || job.state == .paid ? 5 : 30
            try? await store.deferJob(
                jobID: job.id ?? 0, until: Date().addingTimeInterval(wait), reason: "internal error: \(error)", at: Date())
        }
    }

    // MARK: queued → invoiced → paying

    private func start(_ job: JobRecord, logger: Logger) async throws {
        let id = job.id ?? 0
        guard let rule = context.ruleBook.ruleSet.rules.first(where: { $0.name == job.rule && $0.enabled }) else {
            try await hold(id, "rule \(job.rule) is not loaded or is disabled", seconds: 600)
            return
        }
        // The image and its request body live only inside `sendUnpaid`: the paid retry reads the spooled body
        // again, and keeping both copies alive through the payment doubled the peak memory for big images.
        guard let reply = try await sendUnpaid(job, rule: rule, logger: logger) else { return }
        switch reply.status {
        case 402:
            try await invoiced(job, rule: rule, reply: reply, logger: logger)
        case 200:
            // Served without payment: keep the result like a paid one.
            try await keepResult(job, rule: rule, reply: reply, logger: logger)
        case 429:
            let wait = reply.errorBody.retryAfterSeconds ?? 10
            try await hold(id, "rate limited by the provider; retrying in \(wait) s", seconds: TimeInterval(wait))
        case 400..<500:
            let error = reply.errorBody
            try await fail(
                id, "provider refused the request (HTTP \(reply.status) \(error.errorCode ?? "")): \(error.error ?? error.text ?? "")", logger)
        default:
            try await hold(id, "provider error HTTP \(reply.status)", seconds: backoff(job.attempts))
        }
    }

    /// Reads and checks the original, spools the request body and POSTs it unpaid; nil when the job was failed,
    /// held or settled on the way (already recorded).
    private func sendUnpaid(_ job: JobRecord, rule: Rule, logger: Logger) async throws -> ProviderReply? {
        let id = job.id ?? 0
        let now = Date()
        guard let original = DurableFile.read(job.path, limit: context.maximumImageBytes) else {
            let exists = FileManager.default.fileExists(atPath: job.path)
            try await fail(id, exists ? "the original is larger than \(context.maximumImageBytes >> 20) MB" : "the original is gone", logger)
            return nil
        }
        guard Self.sha256Hex(original) == job.sha256 else {
            try await fail(id, "the original changed after it was queued; its new content has a job of its own", logger)
            return nil
        }
        if try await settleDuplicate(job, rule: rule, logger: logger) { return nil }

        let body: [UInt8]
        do {
            body = try spooledBody(job) ?? requestBody(for: rule, image: original)
        } catch {
            try await fail(id, "cannot send this file: \(error)", logger)
            return nil
        }
        let requestPath = context.spool.requestPath(job: id)
        if job.requestSHA256 != Self.sha256Hex(body) || !FileManager.default.fileExists(atPath: requestPath) {
            try context.spool.write(body, to: requestPath)
            try await store.recordRequestSpooled(jobID: id, path: requestPath, sha256: Self.sha256Hex(body), at: now)
        }
        let endpoint: Sats4AIEndpoint = rule.action == .edit ? .imageEdit : .analyzeImage
        do {
            return try await context.provider.post(endpoint, body: body)
        } catch {
            try await hold(id, "provider unreachable: \(error)", seconds: backoff(job.attempts))
            return nil
        }
    }

    /// The spooled body of an earlier attempt, when it is intact (a retry must send the same bytes).
    private func spooledBody(_ job: JobRecord) -> [UInt8]? {
        guard let path = job.requestPath, let sha = job.requestSHA256, let bytes = DurableFile.read(path),
            Self.sha256Hex(bytes) == sha
        else { return nil }
        return bytes
    }

    private func requestBody(for rule: Rule, image: [UInt8]) throws -> [UInt8] {
        switch rule.action {
        case .edit:
            return try ImageEditRequest(
                prompt: rule.prompt ?? "", imageBytes: image, aspectRatio: rule.aspectRatio?.rawValue,
                outputFormat: rule.format?.rawValue, modelId: rule.model
            ).encodedBody()
        case .analyze:
            return try AnalyzeImageRequest(imageBytes: image, prompt: rule.prompt, modelId: rule.model).encodedBody()
        }
    }

    /// A 402 arrived: parse and check it, record `invoiced`, then pay (or quote, without a wallet).
    private func invoiced(_ job: JobRecord, rule: Rule, reply: ProviderReply, logger: Logger) async throws {
        let id = job.id ?? 0
        let url = context.provider.url(of: rule.action == .edit ? .imageEdit : .analyzeImage)
        let challenge: L402Challenge
        do {
            let challenges = try ChallengeParser.parse(headerValues: reply.values("www-authenticate"))
            guard let preferred = ChallengeParser.preferred(challenges) else {
                try await fail(id, "malformed 402 from \(url): no L402 challenge; nothing was paid", logger)
                return
            }
            challenge = preferred
        } catch {
            try await fail(id, "malformed 402 from \(url): \(error); nothing was paid", logger)
            return
        }
        let invoice: Invoice
        do {
            invoice = try Invoice.decode(challenge.invoice)
        } catch {
            try await fail(id, "the 402 from \(url) carries no valid BOLT11 invoice (\(error)); nothing was paid", logger)
            return
        }
        guard let amount = invoice.amount else {
            try await fail(id, "refused: the invoice from \(url) has no amount; nothing was paid", logger)
            return
        }
        guard amount.rawValue > 0 else {
            try await fail(id, "refused: the invoice from \(url) is for zero sats; nothing was paid", logger)
            return
        }
        let now = Date()
        guard !invoice.isExpired(at: now.addingTimeInterval(30)) else {
            if job.attempts >= 3 {
                try await fail(id, "refused: the provider keeps sending expired invoices (check the clock)", logger)
            } else {
                try await store.recordInvoiced(
                    jobID: id, invoice: invoice.string, paymentHash: invoice.paymentHashHex, amountMsat: amount.rawValue,
                    token: challenge.token, at: now)
                try await hold(id, "refused: the invoice had already expired; asking again", seconds: 30)
            }
            return
        }
        guard let wallet = context.wallet else {
            logger.notice(
                "quote-only: price recorded, nothing paid",
                metadata: ["payment.amount_msat": "\(amount.rawValue)", "l402.url": "\(url)"])
            try await store.recordStopped(
                jobID: id, state: .held,
                reason: "quote-only: price \(amount.satsRoundedUp) sats (no wallet configured)",
                notBefore: Date.distantFuture, at: now)
            return
        }
        try await store.recordInvoiced(
            jobID: id, invoice: invoice.string, paymentHash: invoice.paymentHashHex, amountMsat: amount.rawValue,
            token: challenge.token, at: now)
        let maxFee = (context.configuration.wallet?.maxFeeSats ?? 0) * 1000
        let decision = try await store.beginPaying(
            jobID: id, rule: rule.name, invoice: invoice.string, paymentHash: invoice.paymentHashHex,
            amountMsat: amount.rawValue, maxFeeMsat: maxFee,
            limits: BudgetCalendar.limits(for: rule, budget: context.configuration.budget, now: now), at: now)
        if case .refused(let reason, let state) = decision {
            logger.warning("payment refused by a limit", metadata: ["reason": "\(reason)", "job.state": "\(state)"])
            return
        }
        try await pay(job, invoice: invoice, wallet: wallet, maxFee: Millisatoshi(maxFee), logger: logger)
    }

    /// `paying` is committed; this is the one call to the wallet for this payment hash.
    private func pay(
        _ job: JobRecord, invoice: Invoice, wallet: any Wallet, maxFee: Millisatoshi, logger: Logger
    ) async throws {
        let id = job.id ?? 0
        let hash = invoice.paymentHashHex
        var logger = logger
        logger[metadataKey: "payment.hash"] = "\(hash)"
        logger[metadataKey: "payment.amount_msat"] = "\(invoice.amount?.rawValue ?? 0)"
        let payment: Payment
        do {
            payment = try await wallet.pay(invoice, maxFee: maxFee)
        } catch {
            if error.moneyMayHaveMoved {
                logger.warning("payment outcome unknown; looking it up", metadata: ["error": "\(error)"])
                try await store.deferJob(
                    jobID: id, until: Date().addingTimeInterval(3),
                    reason: "payment outcome unknown (\(error.shortDescription)); looking it up", at: Date())
                return
            }
            logger.error("payment failed", metadata: ["error": "\(error)"])
            let (next, wait) = afterFailedPayment(error, attempts: job.attempts + 1)
            try await store.recordPaymentFailed(
                jobID: id, paymentHash: hash, reason: "payment failed: \(error)", next: next,
                notBefore: wait.map { Date().addingTimeInterval($0) }, at: Date())
            return
        }
        try await paid(id, hash: hash, payment: payment, logger: logger)
    }

    /// Where a job goes after a payment that certainly did not happen.
    private func afterFailedPayment(_ error: PaymentError, attempts: Int) -> (JobState, TimeInterval?) {
        if error.shortDescription == "unauthorized" { return (.held, 600) }
        if error.isTransient { return (.held, backoff(attempts)) }
        return attempts >= 5 ? (.failed, nil) : (.queued, nil)
    }

    /// Records a successful payment, checking the preimage (DESIGN §5 rule 4), then fetches.
    private func paid(_ id: Int64, hash: String, payment: Payment, logger: Logger) async throws {
        let now = Date()
        try await store.recordPaid(
            jobID: id, paymentHash: hash, preimage: Hex.string(payment.preimage), feeMsat: payment.fee.rawValue, at: now)
        guard payment.preimageMatchesHash else {
            logger.error("wallet returned a preimage that does not match the payment hash")
            try await store.recordStopped(
                jobID: id, state: .attention,
                reason: "paid, but the wallet's preimage does not match the payment hash: no credential to fetch with",
                at: now)
            return
        }
        logger.info("paid", metadata: ["payment.fee_msat": "\(payment.fee.rawValue)"])
        if let job = try await store.job(id: id) { try await fetch(job, logger: logger) }
    }

    // MARK: paying (recovery)

    private func resolvePaying(_ job: JobRecord, logger: Logger) async throws {
        let id = job.id ?? 0
        guard let hashHex = job.paymentHash, let hash = Hex.bytes(hashHex) else {
            try await attention(id, "paying without a payment hash", logger)
            return
        }
        guard let wallet = context.wallet else {
            try await store.deferJob(
                jobID: id, until: Date().addingTimeInterval(600),
                reason: "a payment is in flight; configure the wallet again to look it up", at: Date())
            return
        }
        let status: PaymentStatus
        do {
            status = try await wallet.lookup(paymentHash: hash)
        } catch {
            try await store.deferJob(
                jobID: id, until: Date().addingTimeInterval(15), reason: "payment lookup failed: \(error)", at: Date())
            return
        }
        switch status {
        case .succeeded(let payment):
            try await paid(id, hash: hashHex, payment: payment, logger: logger)
        case .failed(let reason):
            try await store.recordPaymentFailed(
                jobID: id, paymentHash: hashHex, reason: "payment failed (\(reason)); asking for a new invoice",
                next: job.attempts >= 5 ? .failed : .queued, notBefore: nil, at: Date())
        case .pending:
            try await store.deferJob(
                jobID: id, until: Date().addingTimeInterval(10), reason: "payment in flight; looking again", at: Date())
        case .notFound:
            let expired = job.invoice.flatMap { try? Invoice.decode($0) }?.isExpired(at: Date()) ?? true
            if expired || job.updatedAt < Date().addingTimeInterval(-120) {
                try await store.recordPaymentFailed(
                    jobID: id, paymentHash: hashHex,
                    reason: "the wallet has no record of the payment: it was never sent; asking for a new invoice",
                    next: .queued, notBefore: nil, at: Date())
            } else {
                try await store.deferJob(
                    jobID: id, until: Date().addingTimeInterval(10), reason: "payment not seen by the wallet yet",
                    at: Date())
            }
        }
    }

    // MARK: paid → fetched

    private func fetch(_ job: JobRecord, logger: Logger) async throws {
        let id = job.id ?? 0
        guard let hash = job.paymentHash, let payment = try await store.payment(hash: hash),
            let preimage = payment.preimage, let token = job.credential
        else {
            try await attention(id, "paid, but the credential is incomplete", logger)
            return
        }
        guard let body = spooledBody(job) else {
            try await attention(id, "paid, but the spooled request body is missing or damaged", logger)
            return
        }
        let credential = try L402Credential(token: token, preimageHex: preimage)
        let paidAt = payment.settledAt ?? payment.createdAt
        let deadline = paidAt.addingTimeInterval(context.tokenValidity)
        // Disabled rules still finish what they paid for; a deleted rule file holds the job until it is back.
        guard let rule = context.ruleBook.ruleSet.rules.first(where: { $0.name == job.rule }) else {
            try await store.deferJob(
                jobID: id, until: Date().addingTimeInterval(60), reason: "rule \(job.rule) is not loaded", at: Date())
            return
        }
        let endpoint: Sats4AIEndpoint = rule.action == .edit ? .imageEdit : .analyzeImage
        let reply: ProviderReply
        do {
            reply = try await context.provider.post(endpoint, body: body, authorization: credential.authorizationHeader)
        } catch {
            try await retryPaid(job, deadline: deadline, reason: "provider unreachable after payment: \(error)", wait: 10, logger)
            return
        }
        switch reply.status {
        case 200:
            try await keepResult(job, rule: rule, reply: reply, logger: logger)
        case 429:
            let wait = TimeInterval(reply.errorBody.retryAfterSeconds ?? 10)
            try await retryPaid(job, deadline: deadline, reason: "rate limited after payment", wait: wait, logger)
        case 500..<600:
            let error = reply.errorBody
            if error.refund != nil || error.errorCode == "L402_UPSTREAM_FAILED" {
                try await attention(
                    id, "paid, but the provider failed (\(error.errorCode ?? "HTTP \(reply.status)")) and offers a refund",
                    logger, refund: error.refund?.lnurlWithdraw ?? error.refundLinks.first)
            } else {
                try await retryPaid(job, deadline: deadline, reason: "provider error HTTP \(reply.status) after payment", wait: 15, logger)
            }
        default:
            // A 402 (or any other 4xx) after payment: never pay a second invoice for this job.
            let error = reply.errorBody
            try await attention(
                id,
                "paid, but the provider answered HTTP \(reply.status) \(error.errorCode ?? ""): \(error.error ?? error.text ?? "")",
                logger, refund: error.refund?.lnurlWithdraw ?? error.refundLinks.first)
        }
    }

    /// Same credential, same body, later; once the token's validity is over the job needs a person.
    private func retryPaid(_ job: JobRecord, deadline: Date, reason: String, wait: TimeInterval, _ logger: Logger) async throws {
        let id = job.id ?? 0
        let next = Date().addingTimeInterval(wait)
        if next > deadline {
            try await attention(id, "paid, but no result before the token expired: \(reason)", logger)
        } else {
            logger.warning("paid request will be retried with the same credential", metadata: ["reason": "\(reason)"])
            try await store.deferJob(jobID: id, until: next, reason: reason, at: Date())
        }
    }

    /// Turns a 200 into output bytes, spools them (`fetched`), then writes the output.
    private func keepResult(_ job: JobRecord, rule: Rule, reply: ProviderReply, logger: Logger) async throws {
        let id = job.id ?? 0
        let bytes: [UInt8]
        do {
            bytes = try await resultBytes(rule: rule, reply: reply)
        } catch {
            try await attention(id, "the provider's result could not be read: \(error)", logger)
            return
        }
        let resultPath = context.spool.resultPath(job: id)
        try context.spool.write(bytes, to: resultPath)
        let target = job.outputPath ?? rule.outputPath(forInput: job.path, date: job.createdAt)
        try await store.recordIntendedOutput(jobID: id, path: target)
        try await store.recordFetched(jobID: id, resultPath: resultPath, at: Date())
        if let job = try await store.job(id: id) { try await writeOutput(job, logger: logger) }
    }

    private func resultBytes(rule: Rule, reply: ProviderReply) async throws -> [UInt8] {
        switch rule.action {
        case .analyze:
            let response = try AnalyzeImageResponse(body: reply.body)
            return Array((response.content.trimmingCharacters(in: .whitespacesAndNewlines) + "\n").utf8)
        case .edit:
            let response = try ImageEditResponse(body: reply.body)
            if let image = try response.decodedImage(), ImageContentType.detect(image) != nil { return image }
            guard let url = response.imageUrl else { throw ResultError(message: "no image in the result") }
            // URLs expire after two hours: download now, capped, and check that it is an image.
            let download = try await context.provider.download(url, limit: Sats4AIClient.maximumResponseBytes)
            let contentType = download.values("content-type").first?.lowercased() ?? ""
            guard download.status == 200, contentType.hasPrefix("image/"), ImageContentType.detect(download.body) != nil
            else {
                throw ResultError(
                    message: "downloading \(url) gave HTTP \(download.status) (\(contentType)) without an image")
            }
            return download.body
        }
    }

    // MARK: fetched → done

    private func writeOutput(_ job: JobRecord, logger: Logger) async throws {
        let id = job.id ?? 0
        guard let resultPath = job.resultPath, let bytes = DurableFile.read(resultPath) else {
            try await attention(id, "the spooled result is missing", logger)
            return
        }
        let target: String
        if let intended = job.outputPath {
            target = intended
        } else if let rule = context.ruleBook.ruleSet.rules.first(where: { $0.name == job.rule }) {
            target = rule.outputPath(forInput: job.path, date: job.createdAt)
        } else {
            try await store.deferJob(
                jobID: id, until: Date().addingTimeInterval(60), reason: "rule \(job.rule) is not loaded", at: Date())
            return
        }
        let written = try await OutputWriter(store: store).write(bytes, target: target, originalPath: job.path)
        try await store.recordDone(
            jobID: id, originalPath: job.path, outputPath: written, outputSHA256: Self.sha256Hex(bytes),
            size: Int64(bytes.count), at: Date())
        context.spool.remove(job: id)
        logger.info("output written", metadata: ["output.path": "\(written)"])
    }

    // MARK: Duplicates

    /// Applies `on_duplicate` when the same content was done before under this rule; true when settled.
    private func settleDuplicate(_ job: JobRecord, rule: Rule, logger: Logger) async throws -> Bool {
        guard rule.onDuplicate != .pay,
            let earlier = try await store.earlierOutput(rule: rule.name, sha256: job.sha256, excludingJob: job.id ?? 0)
        else { return false }
        let id = job.id ?? 0
        switch rule.onDuplicate {
        case .skip:
            try await store.recordStopped(
                jobID: id, state: .done, reason: "same content as \(earlier.originalPath); skipped", at: Date())
            return true
        case .reuse:
            guard let bytes = DurableFile.read(earlier.outputPath), Self.sha256Hex(bytes) == earlier.sha256 else {
                return false  // the earlier output is gone or edited: pay again
            }
            let target = rule.outputPath(forInput: job.path, date: job.createdAt)
            let written = try await OutputWriter(store: store).write(bytes, target: target, originalPath: job.path)
            try await store.recordDone(
                jobID: id, originalPath: job.path, outputPath: written, outputSHA256: earlier.sha256,
                size: Int64(bytes.count), at: Date())
            logger.info("output reused from an earlier job; nothing paid", metadata: ["output.path": "\(written)"])
            return true
        case .pay:
            return false
        }
    }

    // MARK: Helpers

    private func hold(_ id: Int64, _ reason: String, seconds: TimeInterval) async throws {
        try await store.recordStopped(
            jobID: id, state: .held, reason: reason, notBefore: Date().addingTimeInterval(seconds), at: Date())
    }

    private func fail(_ id: Int64, _ reason: String, _ logger: Logger) async throws {
        logger.warning("job failed", metadata: ["reason": "\(reason)"])
        try await store.recordStopped(jobID: id, state: .failed, reason: reason, at: Date())
    }

    private func attention(_ id: Int64, _ reason: String, _ logger: Logger, refund: String? = nil) async throws {
        logger.error("job needs attention", metadata: ["reason": "\(reason)"])
        try await store.recordStopped(jobID: id, state: .attention, reason: reason, refundURL: refund, at: Date())
    }

    private func backoff(_ attempts: Int) -> TimeInterval {
        min(600, 5 * pow(2, Double(min(attempts, 7))))
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String { Hex.string(Array(SHA256.hash(data: bytes))) }
}

/// A paid result that cannot be turned into output bytes.
struct ResultError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
