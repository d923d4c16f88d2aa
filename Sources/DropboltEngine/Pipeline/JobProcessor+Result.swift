import DropboltCore
import DropboltL402
import DropboltSats4AI
import DropboltStore
import Foundation
import Logging

// paid → fetched → done
extension JobProcessor {
    func fetch(_ job: JobRecord, logger: Logger) async throws {
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
        guard let hash = job.paymentHash, let payment = try await store.payment(hash: hash),
            let preimage = payment.preimage, let token = job.credential
        else {
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
        let credential = try L402Credential(token: token, preimageHex: preimage)
        let deadline = (payment.settledAt ?? payment.createdAt).addingTimeInterval(context.tokenValidity)
        let endpoint: Sats4AIEndpoint = rule.action == .edit ? .imageEdit : .analyzeImage
        // Counted durably before the request leaves: a 401 for a token sent before means the provider took it on a
        // request whose answer never became durable here.
        try await store.recordPaidRequestSent(jobID: id, at: Date())
        let reply: ProviderReply
        let sent = ContinuousClock.now
        do {
            defer { context.metrics.observe(.providerRequest, since: sent) }
            reply = try await context.provider.post(endpoint, body: body, authorization: credential.authorizationHeader)
        } catch {
            try await retryPaid(
                job, deadline: deadline,
                JobReason(.paidRetry, "provider unreachable after payment: \(error)"), wait: 10, logger)
            return
        }
        switch reply.status {
        case 200:
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
                metadata: ["answer.bytes": "\(reply.body.count)", "answer.spool_us": "\(spoolTime.components.attoseconds / 1_000_000_000_000 + spoolTime.components.seconds * 1_000_000)"])
            try await keepAnswer(job, from: .paid, rule: rule, answer: reply.body, durable: durable, logger: logger)
        case 429:
            let wait = TimeInterval(reply.errorBody.retryAfterSeconds ?? 10)
            try await retryPaid(job, deadline: deadline, JobReason(.paidRetry, "rate limited after payment"), wait: wait, logger)
        case 401 where job.paidRequests > 0:
            try await attention(
                id, from: .paid,
                JobReason(
                    .paidAnswerLost,
                    "paid, and the provider took the token on an earlier request whose answer was lost (the daemon "
                        + "stopped or the connection broke after the provider accepted it)"),
                logger)
        case 500..<600:
            let error = reply.errorBody
            if error.refund != nil || error.errorCode == "L402_UPSTREAM_FAILED" {
                try await attention(
                    id, from: .paid,
                    JobReason(
                        .paidRefundOffered,
                        "paid, but the provider failed (\(error.errorCode ?? "HTTP \(reply.status)")) and offers a refund"),
                    logger, refund: error.refund?.lnurlWithdraw ?? error.refundLinks.first)
            } else {
                try await retryPaid(
                    job, deadline: deadline, JobReason(.paidRetry, "provider error HTTP \(reply.status) after payment"),
                    wait: 15, logger)
            }
        default:
            // A 402 (or any other 4xx) after payment: never pay a second invoice for this job.
            let error = reply.errorBody
            try await attention(
                id, from: .paid,
                JobReason(
                    .paidRejected,
                    "paid, but the provider answered HTTP \(reply.status) \(error.errorCode ?? ""): \(error.error ?? error.text ?? "")"),
                logger, refund: error.refund?.lnurlWithdraw ?? error.refundLinks.first)
        }
    }

    /// Same credential, same body, later; once the token's validity is over the job needs a person.
    private func retryPaid(
        _ job: JobRecord, deadline: Date, _ reason: JobReason, wait: TimeInterval, _ logger: Logger
    ) async throws {
        let id = job.id ?? 0
        if Date().addingTimeInterval(wait) > deadline {
            try await attention(
                id, from: .paid, JobReason(.paidTokenExpired, "paid, but no result before the token expired: \(reason.text)"),
                logger)
        } else {
            logger.warning("paid request will be retried with the same credential", metadata: ["reason": "\(reason)"])
            try await defer_(id, in: .paid, seconds: wait, reason)
        }
    }

    /// Turns a 200's body into output bytes, spools them (`fetched`), then writes the output.
    ///
    /// A paid answer that cannot be read is kept in `kept/` for the user and the job needs attention.
    func keepAnswer(
        _ job: JobRecord, from state: JobState, rule: Rule, answer: [UInt8], durable: Bool, logger: Logger
    ) async throws {
        let id = job.id ?? 0
        let bytes: [UInt8]
        do {
            bytes = try await resultBytes(rule: rule, answer: answer)
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
        let resultPath = context.spool.resultPath(job: id)
        do {
            try context.spool.write(bytes, to: resultPath)
        } catch {
            // The state folder is full or broken: the result exists only in memory now, so write the output
            // straight away rather than lose it.
            logger.error("the result could not be spooled; writing the output directly", metadata: ["error": "\(error)"])
            let written = try await OutputWriter(store: store).write(bytes, target: target, originalPath: job.path)
            try await store.recordDone(
                jobID: id, from: state, originalPath: job.path, outputPath: written, outputSHA256: Self.sha256Hex(bytes),
                size: Int64(bytes.count), at: Date())
            context.spool.remove(job: id)
            return
        }
        try await store.recordIntendedOutput(jobID: id, path: target)
        try await store.recordFetched(jobID: id, from: state, resultPath: resultPath, at: Date())
        if durable { unlink(context.spool.answerPath(job: id)) }
        if let job = try await store.job(id: id) { try await writeOutput(job, logger: logger) }
    }

    /// The output bytes in an answer: analysis text, or the edited image (base64 preferred; a missing or malformed
    /// `base64Image` falls back to downloading `imageUrl` at once, since those URLs expire).
    private func resultBytes(rule: Rule, answer: [UInt8]) async throws -> [UInt8] {
        switch rule.action {
        case .analyze:
            let response = try AnalyzeImageResponse(body: answer)
            return Array((response.content.trimmingCharacters(in: .whitespacesAndNewlines) + "\n").utf8)
        case .edit:
            let response = try ImageEditResponse(body: answer)
            if let image = try? response.decodedImage(), ImageContentType.detect(image) != nil {
                return image
            }
            guard let url = response.imageUrl else {
                throw ResultError(message: "no readable image in the result (base64Image malformed, no imageUrl)")
            }
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
        try await store.recordDone(
            jobID: id, from: .fetched, originalPath: job.path, outputPath: written, outputSHA256: Self.sha256Hex(bytes),
            size: Int64(bytes.count), at: Date())
        context.spool.remove(job: id)
        // The one line per finished job: rule, file and job id come with the logger's metadata.
        logger.info("job done", metadata: Self.outcomeMetadata(job, output: written))
    }
}
