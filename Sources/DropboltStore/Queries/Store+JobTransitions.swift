import DropboltCore
import Foundation
import GRDB

extension Store {
    /// Jobs a worker can take now: `queued` and `held` ones, and jobs interrupted in `invoiced`, `paying`, `paid` or
    /// `fetched` (recovered by their own rules), each only once its `not_before` has passed; with `scan`, only the
    /// jobs of that `dropbolt scan` run. The oldest first, of the jobs that never waited and of those whose wait
    /// ended (up to `limit` of each, those longest due first).
    public func runnableJobs(now: Date, excluding busy: Set<Int64>, limit: Int, scan: Int64? = nil) async throws
        -> [JobRecord]
    {
        try await read("list runnable jobs") { db in
            let sql = Self.runnableJobsSQL(excluding: busy.count, scan: scan != nil)
            var filter: StatementArguments = []
            if let scan { filter += [scan] }
            filter += StatementArguments(busy.sorted())
            let arguments: StatementArguments =
                filter + [limit] + [DatabaseTimestamp.string(from: now)] + filter + [limit, limit]
            // A long exclusion list (many jobs cooling down after failed steps) would fill the cache with one-offs.
            let statement = busy.count <= 16 ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
            return try JobRecord.fetchAll(statement, arguments: arguments)
        }
    }

    /// The query of ``runnableJobs(now:excluding:limit:scan:)``; its arguments: [scan], the excluded ids, limit; now,
    /// [scan], the excluded ids, limit; limit.
    ///
    /// Two ranges of the partial index `jobs_runnable` (v11), each read in its own order, so SQLite stops after
    /// `limit` rows: jobs with no `not_before` by id, and jobs due by now by `not_before`; then the few found are
    /// sorted by id. Through the index on state, SQLite read every waiting job's row on every call, and for a scan's
    /// jobs it would read all of them through `jobs_on_scan_id` (hence `INDEXED BY`). The `state IN` condition
    /// must stay word for word the index's own, or SQLite cannot use it.
    static func runnableJobsSQL(excluding busyCount: Int, scan: Bool) -> String {
        var filter = scan ? " AND scan_id = ?" : ""
        if busyCount > 0 {
            filter += " AND id NOT IN (" + placeholders(busyCount) + ")"
        }
        let runnable =
            "SELECT * FROM jobs INDEXED BY jobs_runnable "
            + "WHERE state IN ('queued', 'held', 'invoiced', 'paying', 'paid', 'fetched')"
        return """
            SELECT * FROM (\(runnable) AND not_before IS NULL\(filter) ORDER BY id LIMIT ?)
            UNION ALL
            SELECT * FROM (\(runnable) AND not_before <= ?\(filter) ORDER BY not_before LIMIT ?)
            ORDER BY id LIMIT ?
            """
    }

    /// Step 2: the 402 arrived; the job is `invoiced` with its invoice, hash, amount and token — and, in the same
    /// commit, the spooled request body that 402 answered (`requestPath`, `requestSHA256`) when it is not recorded
    /// yet: the paid request must send exactly those bytes.
    public func recordInvoiced(
        jobID: Int64, from state: JobState, invoice: String, paymentHash: String, amountMsat: Int64, token: String,
        requestPath: String? = nil, requestSHA256: String? = nil, at now: Date
    ) async throws {
        try await write("record invoice of job \(jobID)") { db in
            try Self.invoiced(
                db, jobID: jobID, from: state, invoice: invoice, paymentHash: paymentHash, amountMsat: amountMsat,
                token: token, requestPath: requestPath, requestSHA256: requestSHA256, at: now)
        }
    }

    /// The `invoiced` transition of
    /// ``recordInvoiced(jobID:from:invoice:paymentHash:amountMsat:token:requestPath:requestSHA256:at:)``, inside the
    /// caller's transaction.
    static func invoiced(
        _ db: Database, jobID: Int64, from state: JobState, invoice: String, paymentHash: String, amountMsat: Int64,
        token: String, requestPath: String?, requestSHA256: String?, at now: Date
    ) throws {
        try transition(
            db, jobID: jobID, from: state,
            set: """
                state = 'invoiced', invoice = ?, payment_hash = ?, amount_msat = ?, credential = ?, reason = NULL,
                reason_code = NULL, not_before = NULL, attempts = attempts + 1,
                request_path = COALESCE(?, request_path), request_sha256 = COALESCE(?, request_sha256), updated_at = ?
                """,
            [invoice, paymentHash, amountMsat, token, requestPath, requestSHA256, now.databaseText])
    }

    /// Puts a job back into `paying` for a payment the wallet knows but whose `paying` commit was lost (a power cut
    /// before SQLite made it durable). No budget check: the money may already have moved; the lookup decides.
    ///
    /// The payment row is created if missing (`pending`) with a reservation of `amount + maxFee`.
    public func adoptPayment(
        jobID: Int64, from state: JobState, rule: String, invoice: String, paymentHash: String, amountMsat: Int64,
        maxFeeMsat: Int64, at now: Date, boot: BootInstant? = nil, wallet: String? = nil
    ) async throws {
        try await durableWrite("adopt the payment of job \(jobID)") { db in
            try Self.transition(
                db, jobID: jobID, from: state,
                set: """
                    state = 'paying', invoice = ?, payment_hash = ?, amount_msat = ?, reason = NULL, reason_code = NULL,
                    not_before = NULL, updated_at = ?
                    """,
                [invoice, paymentHash, amountMsat, now.databaseText])
            if try PaymentRecord.fetchOne(db, paymentHash: paymentHash) == nil {
                var payment = PaymentRecord(
                    jobID: jobID, paymentHash: paymentHash, invoice: invoice, amountMsat: amountMsat, createdAt: now,
                    bootID: boot?.bootID, bootNanoseconds: boot?.nanoseconds, wallet: wallet)
                try payment.insert(db)
                let reserve = Millisatoshi(amountMsat).adding(Millisatoshi(maxFeeMsat)) ?? Millisatoshi(amountMsat)
                try Self.reserve(
                    db, jobID: jobID, paymentID: payment.id, rule: rule, amountMsat: reserve.rawValue, at: now)
            }
        }
    }

    /// Step 4: the wallet paid. The reservation becomes spend and fee; the payment row keeps the preimage.
    ///
    /// With `countingRequest`, the same commit also counts the paid request the caller sends next, as
    /// ``recordPaidRequestSent(jobID:at:)`` would. With `feeCap`, a fee above it holds the job's rule in the same
    /// commit (``FeeCap/check(fee:cap:rule:paymentHash:)``): no crash between the two can leave it paying on.
    /// - Returns: The job as this commit left it, and the reason its rule is held when the fee went above `feeCap`.
    /// - Throws: ``StoreError/stateConflict`` when the job is no longer `paying`.
    @discardableResult
    public func recordPaid(
        jobID: Int64, paymentHash: String, preimage: String, feeMsat: Int64, countingRequest: Bool = false,
        feeCap: Millisatoshi? = nil, at now: Date
    ) async throws -> (job: JobRecord, feeHold: JobReason?) {
        try await durableWrite("record payment of job \(jobID)") { db in
            try Self.transition(
                db, jobID: jobID, from: .paying,
                set: """
                    state = 'paid', fee_msat = ?, paid_requests = paid_requests + ?, reason = NULL, reason_code = NULL,
                    not_before = NULL, updated_at = ?
                    """,
                [feeMsat, countingRequest ? 1 : 0, now.databaseText])
            guard
                let payment = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT id, status, amount_msat FROM payments WHERE payment_hash = ?"),
                    arguments: [paymentHash]),
                let job = try JobRecord.fetchOne(db, id: jobID)
            else { throw StoreError.queryFailed }
            let feeHold = feeCap.flatMap {
                FeeCap.check(fee: Millisatoshi(feeMsat), cap: $0, rule: job.rule, paymentHash: paymentHash)
            }
            if let feeHold { try Self.hold(db, rule: job.rule, reason: feeHold, paymentHash: paymentHash, at: now) }
            let paymentID: Int64 = try payment.decode(forColumn: "id")
            // A payment is counted once, whatever calls this.
            guard try payment.decode(PaymentRecord.Status.self, forColumn: "status") == .pending else {
                return (job, feeHold)
            }
            try db.executeCached(
                "UPDATE payments SET status = 'succeeded', preimage = ?, fee_msat = ?, settled_at = ? WHERE id = ?",
                [preimage, feeMsat, now.databaseText, paymentID])
            try Self.releaseReservation(db, jobID: jobID, rule: job.rule, at: now)
            try Self.append(
                db, jobID: jobID, paymentID: paymentID, rule: job.rule, kind: .spend,
                amountMsat: try payment.decode(forColumn: "amount_msat"), at: now)
            if feeMsat > 0 {
                try Self.append(
                    db, jobID: jobID, paymentID: paymentID, rule: job.rule, kind: .fee, amountMsat: feeMsat, at: now)
            }
            return (job, feeHold)
        }
    }

    /// The wallet says the payment failed for good: release the reservation and move the job on from `paying`.
    ///
    /// `next` is `.queued` (a fresh 402 comes next), `.held` (retry at `notBefore`) or `.failed`.
    public func recordPaymentFailed(
        jobID: Int64, paymentHash: String, reason: JobReason, next: JobState, notBefore: Date?, at now: Date
    ) async throws {
        try await durableWrite("record failed payment of job \(jobID)") { db in
            guard let job = try JobRecord.fetchOne(db, id: jobID) else { throw StoreError.queryFailed }
            try Self.transition(
                db, jobID: jobID, from: .paying,
                set: """
                    state = ?, reason = ?, reason_code = ?, not_before = ?, invoice = NULL, payment_hash = NULL,
                    credential = NULL, amount_msat = NULL, updated_at = ?
                    """,
                [next, reason.text, reason.code.rawValue, notBefore?.databaseText, now.databaseText])
            try db.executeCached(
                "UPDATE payments SET status = 'failed', settled_at = ? WHERE payment_hash = ? AND status = 'pending'",
                [now.databaseText, paymentHash])
            try Self.releaseReservation(db, jobID: jobID, rule: job.rule, at: now)
        }
    }

    /// Counts a paid request about to be sent, durably before it leaves: a later 401 for a token that was sent
    /// before means the provider took it on a request whose answer was lost.
    public func recordPaidRequestSent(jobID: Int64, at now: Date) async throws {
        try await durableWrite("record paid request of job \(jobID)") { db in
            try Self.transition(
                db, jobID: jobID, from: .paid, set: "paid_requests = paid_requests + 1, updated_at = ?",
                [now.databaseText])
        }
    }

    /// Step 5: the paid result is spooled (fsync'd) at `resultPath`.
    public func recordFetched(jobID: Int64, from state: JobState, resultPath: String, at now: Date) async throws {
        try await durableWrite("record fetched result of job \(jobID)") { db in
            try Self.transition(
                db, jobID: jobID, from: state,
                set: "state = 'fetched', result_path = ?, reason = NULL, reason_code = NULL, not_before = NULL, updated_at = ?",
                [resultPath, now.databaseText])
        }
    }

    /// Step 6: the output is in place; the job is `done` and the output is recorded as ours.
    public func recordDone(
        jobID: Int64, from state: JobState, originalPath: String, outputPath: String, outputSHA256: String,
        size: Int64, at now: Date
    ) async throws {
        try await durableWrite("record output of job \(jobID)") { db in
            try Self.transition(
                db, jobID: jobID, from: state,
                set: "state = 'done', output_path = ?, reason = NULL, reason_code = NULL, not_before = NULL, updated_at = ?",
                [outputPath, now.databaseText])
            try db.executeCached(
                """
                INSERT INTO outputs (job_id, original_path, output_path, sha256, size, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(output_path) DO UPDATE SET job_id = excluded.job_id,
                original_path = excluded.original_path, sha256 = excluded.sha256, size = excluded.size,
                created_at = excluded.created_at
                """,
                [jobID, originalPath, outputPath, outputSHA256, size, now.databaseText])
        }
    }

    /// Moves a job from `from` to `held` (retry at `notBefore`), `failed`, `attention` or `done` (a skip),
    /// releasing any live reservation when it is held or failed.
    ///
    /// Use ``recordPaymentFailed(jobID:paymentHash:reason:next:notBefore:at:)`` when a payment failed, and never
    /// this with `.queued` after money moved.
    public func recordStopped(
        jobID: Int64, from current: JobState, state: JobState, reason: JobReason, notBefore: Date? = nil,
        refundURL: String? = nil, at now: Date
    ) async throws {
        try await write("record \(state.rawValue) job \(jobID)") { db in
            guard let job = try JobRecord.fetchOne(db, id: jobID) else { throw StoreError.queryFailed }
            try Self.transition(
                db, jobID: jobID, from: current,
                set: "state = ?, reason = ?, reason_code = ?, not_before = ?, refund_url = COALESCE(?, refund_url), updated_at = ?",
                [state, reason.text, reason.code.rawValue, notBefore?.databaseText, refundURL, now.databaseText])
            if state == .failed || state == .held {
                try Self.releaseReservation(db, jobID: jobID, rule: job.rule, at: now)
            }
        }
    }

    /// Leaves a job in `state` but not before `until`, saying why (a payment to look up again, a result to fetch
    /// again).
    public func deferJob(jobID: Int64, in state: JobState, until: Date, reason: JobReason, at now: Date) async throws {
        try await write("defer job \(jobID)") { db in
            try Self.transition(
                db, jobID: jobID, from: state, set: "not_before = ?, reason = ?, reason_code = ?, updated_at = ?",
                [until.databaseText, reason.text, reason.code.rawValue, now.databaseText])
        }
    }

    /// Records where the output of a job will go (chosen once, so `{date}` and the name stay stable on retries).
    public func recordIntendedOutput(jobID: Int64, path: String) async throws {
        try await write("record output path of job \(jobID)") { db in
            try db.executeCached("UPDATE jobs SET output_path = ? WHERE id = ?", [path, jobID])
        }
    }

    /// Lets jobs held in quote-only mode (``JobReason/Code/quoteOnly``) run again, once a wallet is configured.
    public func releaseQuoteOnlyHolds(at now: Date) async throws -> Int {
        try await write("release quote-only holds") { db in
            try db.execute(
                sql: "UPDATE jobs SET not_before = NULL, updated_at = ? WHERE state = 'held' AND reason_code = ?",
                arguments: [now.databaseText, JobReason.Code.quoteOnly.rawValue])
            return db.changesCount
        }
    }

    /// Puts a `queued`/`held`/`failed` job back to `queued` (CLI `retry`). Jobs where money moved are refused.
    /// - Returns: true when the job was re-queued.
    public func requeue(jobID: Int64, at now: Date) async throws -> Bool {
        try await write("re-queue job \(jobID)") { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'queued', reason = NULL, reason_code = NULL, not_before = NULL, invoice = NULL,
                    payment_hash = NULL, credential = NULL, amount_msat = NULL, updated_at = ?
                    WHERE id = ? AND state IN ('failed', 'held', 'queued')
                    """,
                arguments: [now.databaseText, jobID])
            return db.changesCount > 0
        }
    }

    /// The payment row for a hash.
    public func payment(hash: String) async throws -> PaymentRecord? {
        try await read("read payment") { db in
            try PaymentRecord.fetchOne(db, paymentHash: hash)
        }
    }

    /// The earlier finished output of the same content under the same rule (for `on_duplicate`).
    public func earlierOutput(rule: String, sha256: String, excludingJob jobID: Int64) async throws -> OutputRecord? {
        try await read("find earlier output") { db in
            // Asked for every job before its first request: from the statement cache.
            try OutputRecord.fetchOne(db.cachedStatement(sql: Self.earlierOutputSQL), arguments: [rule, sha256, jobID])
        }
    }

    /// The query of ``earlierOutput(rule:sha256:excludingJob:)``: rule, content hash, job to leave out. It finds the
    /// jobs through `jobs_on_rule_sha256` (v10), whatever the number of finished jobs. `INDEXED BY`, because without
    /// statistics SQLite prefers the index on state (every `done` job), and so that losing the index is an error
    /// rather than a query that slows down with the history.
    static let earlierOutputSQL = """
        SELECT outputs.* FROM outputs JOIN jobs INDEXED BY jobs_on_rule_sha256 ON jobs.id = outputs.job_id
        WHERE jobs.rule = ? AND jobs.sha256 = ? AND jobs.state = 'done' AND jobs.id != ?
        ORDER BY outputs.id DESC LIMIT 1
        """

    /// The output dropbolt recorded at `path`, if any (outputs are never treated as the user's files).
    public func output(at path: String) async throws -> OutputRecord? {
        try await read("read output") { db in
            try OutputRecord.filter(OutputRecord.Columns.outputPath == path).fetchOne(db)
        }
    }

    // MARK: Compare-and-set

    /// Runs `UPDATE jobs SET <set> WHERE id = ? AND state = ?`: every transition leaves only the state its caller
    /// read, so two processes (or a process and `dropbolt retry`) can never both move one job.
    /// - Throws: ``StoreError/stateConflict`` when the job is not in `state` (or does not exist).
    static func transition(
        _ db: Database, jobID: Int64, from state: JobState, set assignments: String, _ arguments: StatementArguments
    ) throws {
        try db.executeCached("UPDATE jobs SET \(assignments) WHERE id = ? AND state = ?", arguments + [jobID, state])
        guard db.changesCount == 1 else {
            let found = try JobState.fetchOne(db, sql: "SELECT state FROM jobs WHERE id = ?", arguments: [jobID])
            throw StoreError.stateConflict(jobID: jobID, expected: state, found: found)
        }
    }

    /// `a + b`, saturating at `Int64.max` (a sum that large exceeds every limit, which is the right answer).
    static func checkedSum(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }
}
