import DropboltCore
import DropboltL402
import DropboltLightning
import DropboltSats4AI
import DropboltStore
import Foundation
import Glibc
import Logging
import ServiceLifecycle

// queued → invoiced → paying
extension JobProcessor {
    func start(_ job: JobRecord, logger: Logger) async throws {
        let id = job.id ?? 0
        guard let rule = rule(named: job.rule, enabledOnly: true) else {
            try await hold(
                id, from: job.state, JobReason(.ruleUnavailable, "rule \(job.rule) is not loaded or is disabled"),
                seconds: 600)
            return
        }
        if let reason = try await store.ruleHold(job.rule)?.jobReason {
            try await self.hold(id, from: job.state, reason, seconds: Store.ruleHoldRecheck)
            return
        }
        // Before asking for an invoice: a result that cannot be written must never be paid for (DESIGN §5 rule 11).
        let outputPath = rule.outputPath(forInput: job.path, date: job.createdAt)
        let outputName = (outputPath as NSString).lastPathComponent
        // NAME_MAX and PATH_MAX, less room for the `-N` a taken name gets.
        if outputName.utf8.count > 250 || outputPath.utf8.count > 4000 {
            try await fail(
                id, from: job.state,
                JobReason(
                    .outputNameTooLong,
                    "the output \(outputName) would be \(outputName.utf8.count) bytes long (path \(outputPath.utf8.count)); "
                        + "the file system allows 255 (4096): shorten the file name or the rule's output template"),
                logger)
            return
        }
        let outputFolder = (outputPath as NSString).deletingLastPathComponent
        if access(outputFolder, W_OK) != 0 {
            let why = String(cString: strerror(errno))
            try await hold(
                id, from: job.state,
                JobReason(.outputUnwritable, "the output folder \(outputFolder) cannot be written (\(why)); nothing is paid until it can"),
                seconds: 20)
            return
        }
        // The image and its request body live only inside `sendUnpaid`: the paid retry reads the spooled body
        // again, and keeping both copies alive through the payment doubled the peak memory for big images.
        guard let (reply, request) = try await sendUnpaid(job, rule: rule, logger: logger) else { return }
        switch reply.status {
        case 402:
            try await invoiced(job, rule: rule, reply: reply, request: request, logger: logger)
        case 200:
            // Served without payment: keep the result like a paid one.
            try await keepAnswer(job, from: job.state, rule: rule, answer: reply.body, durable: false, logger: logger)
        case 429:
            let wait = reply.errorBody.retryAfterSeconds ?? 10
            try await hold(
                id, from: job.state, JobReason(.rateLimited, "rate limited by the provider; retrying in \(wait) s"),
                seconds: TimeInterval(wait))
        case 400..<500:
            let error = reply.errorBody
            try await fail(
                id, from: job.state,
                JobReason(
                    .providerRefused,
                    "provider refused the request (HTTP \(reply.status) \(error.errorCode ?? "")): \(error.error ?? error.text ?? "")"),
                logger)
        default:
            try await hold(
                id, from: job.state, JobReason(.providerError, "provider error HTTP \(reply.status)"),
                seconds: backoff(job.attempts))
        }
    }

    /// A job about to ask for a new invoice while it still carries the hash of an earlier one: if the wallet knows
    /// that payment (a power cut undid the `paying` commit after the wallet was called), it goes back to `paying`
    /// instead. True when the job was handled here.
    func resolveEarlierPayment(_ job: JobRecord, logger: Logger) async throws -> Bool {
        guard let wallet = context.wallet, let hashHex = job.paymentHash, let hash = Hex.bytes(hashHex),
            let invoice = job.invoice, let amount = job.amountMsat, let id = job.id
        else { return false }
        if try await store.payment(hash: hashHex) != nil { return false }  // recorded: its own rules apply
        let status: PaymentStatus
        do {
            status = try await wallet.lookup(paymentHash: hash)
        } catch {
            try await defer_(
                id, in: job.state, seconds: 15,
                JobReason(.lookupFailed, "checking the earlier invoice before asking for a new one failed: \(error)"))
            return true
        }
        switch status {
        case .notFound, .failed:
            return false
        case .succeeded, .pending:
            logger.warning("the wallet knows a payment this job has no record of; resuming it", metadata: ["payment.hash": "\(hashHex)"])
            let maxFee = Millisatoshi(exactlySats: context.configuration.wallet?.maxFeeSats ?? 0)?.rawValue ?? 0
            try await store.adoptPayment(
                jobID: id, from: job.state, rule: job.rule, invoice: invoice, paymentHash: hashHex, amountMsat: amount,
                maxFeeMsat: maxFee, at: Date(), boot: BootClock.now(),
                wallet: wallet.identity)
            if let adopted = try await store.job(id: id) { try await resolvePaying(adopted, logger: logger) }
            return true
        }
    }

    /// A request body written to the spool but not yet recorded in the job's row.
    struct SpooledRequest {
        var path: String
        var sha256: String
    }

    /// Checks the original, spools the request body (one streaming pass over the image) and POSTs it unpaid; nil
    /// when the job was failed, held or settled on the way (already recorded). The body's spool file is recorded
    /// with the invoice, in the same commit (a crash before that loses nothing: no payment can have started).
    private func sendUnpaid(_ job: JobRecord, rule: Rule, logger: Logger) async throws -> (ProviderReply, SpooledRequest?)? {
        let id = job.id ?? 0
        var request: SpooledRequest?
        let body: RequestBody
        if let spooled = spooledBody(job) {
            // A retry sends the same bytes; the original must still be the file the job was queued for.
            guard let (sha256, size) = FileHasher.sha256AndSize(ofFileAt: job.path) else {
                try await fail(id, from: job.state, JobReason(.originalMissing, "the original is gone"), logger)
                return nil
            }
            guard size <= context.maximumImageBytes, sha256 == job.sha256 else {
                try await fail(
                    id, from: job.state, reason(size > context.maximumImageBytes ? .originalTooLarge : .originalChanged),
                    logger)
                return nil
            }
            body = spooled
        } else {
            do {
                let spooled = try RequestSpooler.spool(
                    original: job.path, expectedSHA256: job.sha256, limit: context.maximumImageBytes,
                    to: context.spool.requestPath(job: id)
                ) { head throws(Sats4AIError) in try Self.requestFrame(for: rule, head: head) }
                request = SpooledRequest(path: spooled.path, sha256: spooled.sha256)
                body = spooled.body
                context.spoolMemory.remember(path: spooled.path, sha256: spooled.sha256)
            } catch .write(let error) {
                throw error
            } catch {
                try await fail(id, from: job.state, reason(error), logger)
                return nil
            }
        }
        if try await settleDuplicate(job, rule: rule, logger: logger) {
            if let request { unlink(request.path) }
            return nil
        }
        let endpoint: Sats4AIEndpoint = rule.action == .edit ? .imageEdit : .analyzeImage
        let sent = ContinuousClock.now
        defer { context.metrics.observe(.providerRequest, since: sent) }
        do {
            return (try await context.provider.post(endpoint, body: body), request)
        } catch {
            try await hold(
                id, from: job.state, JobReason(.providerUnreachable, "provider unreachable: \(error)"),
                seconds: backoff(job.attempts))
            return nil
        }
    }

    /// Why a job cannot be sent, for each way its original or its body can fail.
    private func reason(_ failure: RequestSpooler.Failure) -> JobReason {
        switch failure {
        case .originalMissing: JobReason(.originalMissing, "the original is gone")
        case .originalUnreadable(let message): JobReason(.originalMissing, "the original cannot be read (\(message))")
        case .originalTooLarge: JobReason(.originalTooLarge, "the original is larger than \(context.maximumImageBytes >> 20) MB")
        case .originalChanged:
            JobReason(.originalChanged, "the original changed after it was queued; its new content has a job of its own")
        case .unbuildable(let error): JobReason(.requestUnbuildable, "cannot send this file: \(error)")
        case .write(let error): JobReason(.requestUnbuildable, "cannot spool the request: \(error)")
        }
    }

    /// The spooled body of an earlier attempt, when it is intact (a retry must send the same bytes).
    func spooledBody(_ job: JobRecord) -> RequestBody? {
        guard let path = job.requestPath, let sha = job.requestSHA256 else { return nil }
        return RequestSpooler.verified(path: path, sha256: sha, memory: context.spoolMemory)
    }

    /// The JSON around the image's base64 in the unpaid request under `rule`; `head` is the image's first bytes.
    static func requestFrame(for rule: Rule, head: [UInt8]) throws(Sats4AIError) -> RequestBodyFrame {
        switch rule.action {
        case .edit:
            return try ImageEditRequest(
                prompt: rule.prompt ?? "", streamedImageHead: head, aspectRatio: rule.aspectRatio?.rawValue,
                outputFormat: rule.format?.rawValue, modelId: rule.model
            ).bodyFrame()
        case .analyze:
            return try AnalyzeImageRequest(streamedImageHead: head, prompt: rule.prompt, modelId: rule.model).bodyFrame()
        }
    }

    /// The whole JSON body of the unpaid request for `image` under `rule`: the same bytes the spooler streams.
    static func requestBody(for rule: Rule, image: [UInt8]) throws(Sats4AIError) -> [UInt8] {
        let frame = try requestFrame(for: rule, head: image)
        var body = frame.prefix
        image.withUnsafeBytes { RequestBodyFrame.appendBase64(of: $0, to: &body) }
        body.append(contentsOf: frame.suffix)
        return body
    }

    /// A 402 arrived: parse and check it, record `invoiced`, then pay (or quote, without a wallet).
    private func invoiced(
        _ job: JobRecord, rule: Rule, reply: ProviderReply, request: SpooledRequest?, logger: Logger
    ) async throws {
        let id = job.id ?? 0
        let url = context.provider.url(of: rule.action == .edit ? .imageEdit : .analyzeImage)
        // Before the clock is read: the first call waits for the wallet's answer.
        if let wallet = context.wallet { await context.walletNetwork.askOnce(wallet, logger: context.logger) }
        let now = Date()
        let challenge: L402Challenge
        let invoice: Invoice
        let amount: Millisatoshi
        switch InvoiceAcceptance.decide(
            wwwAuthenticate: reply.values("www-authenticate"), url: "\(url)", attempts: job.attempts, now: now,
            walletNetwork: context.walletNetwork.current)
        {
        case .refuse(let reason):
            try await fail(id, from: job.state, reason, logger)
            return
        case .expired(let expiredChallenge, let expiredInvoice, let expiredAmount, let reason, let giveUp):
            if giveUp {
                try await fail(id, from: job.state, reason, logger)
            } else {
                try await store.recordInvoiced(
                    jobID: id, from: job.state, invoice: expiredInvoice.string, paymentHash: expiredInvoice.paymentHashHex,
                    amountMsat: expiredAmount.rawValue, token: expiredChallenge.token, requestPath: request?.path,
                    requestSHA256: request?.sha256, at: now)
                try await hold(id, from: .invoiced, reason, seconds: 30)
            }
            return
        case .accept(let acceptedChallenge, let acceptedInvoice, let acceptedAmount):
            (challenge, invoice, amount) = (acceptedChallenge, acceptedInvoice, acceptedAmount)
        }
        guard let wallet = context.wallet else {
            logger.notice(
                "quote-only: price recorded, nothing paid",
                metadata: ["payment.amount_msat": "\(amount.rawValue)", "l402.url": "\(url)"])
            try await store.recordStopped(
                jobID: id, from: job.state, state: .held,
                reason: JobReason(.quoteOnly, "quote-only: price \(amount.satsRoundedUp) sats (no wallet configured)"),
                notBefore: Date.distantFuture, at: now)
            return
        }
        // A stop began while the quote was on its way: start no payment now (the stop would have to wait for it and
        // the paid request); the next start looks the invoice up and asks again.
        if Task.isShuttingDownGracefully {
            try await store.recordInvoiced(
                jobID: id, from: job.state, invoice: invoice.string, paymentHash: invoice.paymentHashHex,
                amountMsat: amount.rawValue, token: challenge.token, requestPath: request?.path,
                requestSHA256: request?.sha256, at: now)
            try await defer_(
                id, in: .invoiced, seconds: 0,
                JobReason(.stopping, "the daemon was stopping before this payment; nothing was paid"))
            return
        }
        // Configured sats are at most all bitcoin (checked at load), so this fits; 0 if it somehow does not.
        let maxFee = Millisatoshi(exactlySats: context.configuration.wallet?.maxFeeSats ?? 0) ?? .zero
        // The invoice and the `paying` decision share one durable commit (one fewer per paid job).
        let decision = try await store.recordInvoicedAndBeginPaying(
            jobID: id, from: job.state, rule: rule.name, invoice: invoice.string, paymentHash: invoice.paymentHashHex,
            amountMsat: amount.rawValue, token: challenge.token, requestPath: request?.path,
            requestSHA256: request?.sha256, maxFeeMsat: maxFee.rawValue,
            limits: BudgetCalendar.limits(for: rule, budget: context.configuration.budget, now: now), at: now,
            boot: BootClock.now(), wallet: wallet.identity)
        if case .refused(let reason, let state) = decision {
            logger.warning("payment refused before paying (a limit or a held rule)", metadata: ["reason": "\(reason)", "job.state": "\(state)"])
            return
        }
        try await pay(job, invoice: invoice, wallet: wallet, maxFee: maxFee, logger: logger)
    }

    /// Applies `on_duplicate` when the same content was done before under this rule; true when settled.
    private func settleDuplicate(_ job: JobRecord, rule: Rule, logger: Logger) async throws -> Bool {
        guard rule.onDuplicate != .pay,
            let earlier = try await store.earlierOutput(rule: rule.name, sha256: job.sha256, excludingJob: job.id ?? 0)
        else { return false }
        let id = job.id ?? 0
        switch rule.onDuplicate {
        case .skip:
            try await store.recordStopped(
                jobID: id, from: job.state, state: .done,
                reason: JobReason(.duplicateSkipped, "same content as \(earlier.originalPath); skipped"), at: Date())
            return true
        case .reuse:
            guard let bytes = DurableFile.read(earlier.outputPath), Self.sha256Hex(bytes) == earlier.sha256 else {
                return false  // the earlier output is gone or edited: pay again
            }
            let target = rule.outputPath(forInput: job.path, date: job.createdAt)
            let written = try await OutputWriter(store: store).write(bytes, target: target, originalPath: job.path)
            try await store.recordDone(
                jobID: id, from: job.state, originalPath: job.path, outputPath: written, outputSHA256: earlier.sha256,
                size: Int64(bytes.count), at: Date())
            var metadata = Self.outcomeMetadata(job, output: written)
            metadata["job.sats"] = "0"
            logger.info("job done: output reused from an earlier job; nothing paid", metadata: metadata)
            return true
        case .pay:
            return false
        }
    }
}
