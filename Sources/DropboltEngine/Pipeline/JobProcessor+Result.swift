import DropboltCore
import DropboltL402
import DropboltSats4AI
import DropboltStore
import Foundation
import Logging

// paid → fetched → done
extension JobProcessor {
    /// A payment this run just recorded, with the request it counted
    /// (``Store/recordPaid(jobID:paymentHash:preimage:feeMsat:countingRequest:feeCap:at:)``).
    struct JustPaid {
        var preimageHex: String
        var settledAt: Date
    }

    /// Sends the paid request (or uses an answer spooled earlier). `justPaid` comes from the payment this run just
    /// made: its request is already counted and its preimage need not be read back.
    func fetch(_ job: JobRecord, justPaid: JustPaid? = nil, logger: Logger) async throws {
        let requestCounted = justPaid != nil
        let id = job.id ?? 0
        // Disabled rules still finish what they paid for; a deleted rule file holds the job until it is back.
        guard let rule = rule(named: job.rule, enabledOnly: false) else {
            try await defer_(id, in: .paid, seconds: 60, JobReason(.ruleUnavailable, "rule \(job.rule) is not loaded"))
            return
        }
        // An answer spooled by an earlier run is the paid result: use it, never send the spent token again.
        if let answer = DurableFile.read(context.spool.answerPath(job: id), limit: Sats4AIClient.maximumResponseBytes) {
            try await keepAnswer(job, from: .paid, rule: rule, answer: answer, durable: true, logger: logger)
            return
        }
        let paid: JustPaid?
        if let justPaid {
            paid = justPaid
        } else if let hash = job.paymentHash, let payment = try await store.payment(hash: hash),
            let preimage = payment.preimage
        {
            paid = JustPaid(preimageHex: preimage, settledAt: payment.settledAt ?? payment.createdAt)
        } else {
            paid = nil
        }
        guard let paid, let token = job.credential else {
            try await attention(
                id, from: .paid, JobReason(.paidWithoutCredential, "paid, but the credential is incomplete"), logger)
            return
        }
        guard let body = spooledBody(job) else {
            try await attention(
                id, from: .paid,
                JobReason(.paidRequestMissing, "paid, but the spooled request body is missing or damaged"), logger)
            return
        }
        let credential = try L402Credential(token: token, preimageHex: paid.preimageHex)
        let deadline = paid.settledAt.addingTimeInterval(context.tokenValidity)
        let endpoint: Sats4AIEndpoint = rule.action == .edit ? .imageEdit : .analyzeImage
        // Counted durably before the request leaves: a 401 for a token sent before means the provider took it on a
        // request whose answer never became durable here.
        if !requestCounted { try await store.recordPaidRequestSent(jobID: id, at: Date()) }
        let reply: ProviderReply
        let sent = ContinuousClock.now
        let outcome: PaidReplyOutcome
        do {
            defer { context.metrics.observe(.providerRequest, since: sent) }
            reply = try await context.provider.post(endpoint, body: body, authorization: credential.authorizationHeader)
            outcome = PaidReplyOutcome.decide(
                status: reply.status, error: reply.errorBody,
                earlierPaidRequests: requestCounted ? job.paidRequests - 1 : job.paidRequests, deadline: deadline,
                now: Date())
        } catch {
            try await apply(PaidReplyOutcome.unanswered(problem: "\(error)", deadline: deadline, now: Date()), id, logger)
            return
        }
        guard outcome == .keep else {
            try await apply(outcome, id, logger)
            return
        }
        // The raw bytes first, before anything parses them: from here a crash loses nothing that was paid for.
        let received = ContinuousClock.now
        var durable = true
        do {
            try context.spool.write(reply.body, to: context.spool.answerPath(job: id))
        } catch {
            durable = false
            logger.error("the paid answer could not be spooled; finishing it from memory", metadata: ["error": "\(error)"])
        }
        let spoolTime = ContinuousClock.now - received
        logger.debug(
            "paid answer spooled",
            metadata: [
                "answer.bytes": "\(reply.body.count)",
                "answer.spool_us": "\(spoolTime.components.seconds * 1_000_000 + spoolTime.components.attoseconds / 1_000_000_000_000)",
            ])
        try await keepAnswer(job, from: .paid, rule: rule, answer: reply.body, durable: durable, logger: logger)
    }

    /// Records a retry or an attention outcome of a paid request.
    private func apply(_ outcome: PaidReplyOutcome, _ id: Int64, _ logger: Logger) async throws {
        switch outcome {
        case .keep:
            return
        case .retry(let reason, let wait):
            logger.warning("paid request will be retried with the same credential", metadata: ["reason": "\(reason)"])
            try await defer_(id, in: .paid, seconds: wait, reason)
        case .attention(let reason, let refund):
            try await attention(id, from: .paid, reason, logger, refund: refund)
        }
    }

    /// Turns a 200's body into output bytes and writes the output (`done`); bytes that cannot be had from the
    /// answer again (a download), or an output that cannot be written yet, are spooled first (`fetched`).
    ///
    /// A paid answer that cannot be read is kept in `kept/` for the user and the job needs attention.
    func keepAnswer(
        _ job: JobRecord, from state: JobState, rule: Rule, answer: [UInt8], durable: Bool, logger: Logger
    ) async throws {
        let id = job.id ?? 0
        let output: ProviderOutput
        do {
            output = try await context.provider.output(for: rule.action, answer: answer)
        } catch {
            guard state == .paid else {
                try await hold(
                    id, from: state, JobReason(.providerError, "the provider's unpaid answer could not be read: \(error)"),
                    seconds: backoff(job.attempts))
                return
            }
            let kept = context.spool.keep(job: id, answer: answer)
            try await attention(
                id, from: state,
                JobReason(
                    .paidResultUnreadable,
                    "paid, but the provider's answer could not be read (\(error)); "
                        + (kept.map { "the answer is kept at \($0)" } ?? "the answer could not be kept")),
                logger)
            return
        }
        let target = job.outputPath ?? rule.outputPath(forInput: job.path, date: job.createdAt)
        if !output.downloaded {
            // The answer is durable and gives the same bytes again, so the output goes straight beside the original
            // (OutputWriter is idempotent): no result spool, no `fetched` commit. Only if that write fails is the
            // result spooled for a later try.
            do {
                let written = try await OutputWriter(store: store).write(output.bytes, target: target, originalPath: job.path)
                try await recordDone(job, from: state, bytes: output.bytes, written: written, logger: logger)
                return
            } catch {
                logger.warning("the output could not be written yet; keeping the result", metadata: ["error": "\(error)"])
            }
        }
        let bytes = output.bytes
        let resultPath = context.spool.resultPath(job: id)
        do {
            try context.spool.write(bytes, to: resultPath)
        } catch {
            // The state folder is full or broken: the result exists only in memory now, so write the output
            // straight away rather than lose it.
            logger.error("the result could not be spooled; writing the output directly", metadata: ["error": "\(error)"])
            let written = try await OutputWriter(store: store).write(bytes, target: target, originalPath: job.path)
            try await recordDone(job, from: state, bytes: bytes, written: written, logger: logger)
            return
        }
        try await store.recordIntendedOutput(jobID: id, path: target)
        try await store.recordFetched(jobID: id, from: state, resultPath: resultPath, at: Date())
        if durable { unlink(context.spool.answerPath(job: id)) }
        if let job = try await store.job(id: id) { try await writeOutput(job, logger: logger) }
    }

    /// Records the output as ours and the job `done` (durably), then clears the job's spool files.
    private func recordDone(
        _ job: JobRecord, from state: JobState, bytes: [UInt8], written: String, logger: Logger
    ) async throws {
        try await store.recordDone(
            jobID: job.id ?? 0, from: state, originalPath: job.path, outputPath: written,
            outputSHA256: Self.sha256Hex(bytes), size: Int64(bytes.count), at: Date())
        context.spool.remove(job: job.id ?? 0)
        // The one line per finished job: rule, file and job id come with the logger's metadata.
        logger.info("job done", metadata: Self.outcomeMetadata(job, output: written))
    }

    func writeOutput(_ job: JobRecord, logger: Logger) async throws {
        let id = job.id ?? 0
        guard let resultPath = job.resultPath, let bytes = DurableFile.read(resultPath) else {
            try await attention(id, from: .fetched, JobReason(.paidResultMissing, "the spooled result is missing"), logger)
            return
        }
        let target: String
        if let intended = job.outputPath {
            target = intended
        } else if let rule = rule(named: job.rule, enabledOnly: false) {
            target = rule.outputPath(forInput: job.path, date: job.createdAt)
        } else {
            try await defer_(id, in: .fetched, seconds: 60, JobReason(.ruleUnavailable, "rule \(job.rule) is not loaded"))
            return
        }
        let written = try await OutputWriter(store: store).write(bytes, target: target, originalPath: job.path)
        try await recordDone(job, from: .fetched, bytes: bytes, written: written, logger: logger)
    }
}
