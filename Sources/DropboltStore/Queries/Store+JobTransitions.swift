import Foundation
import GRDB

/// The limits a payment is checked against, in millisatoshis, with the windows they apply to.
public struct BudgetLimits: Sendable, Equatable {
    /// Largest invoice amount for one image (the tighter of the rule's and the global limit).
    public var perImageMsat: Int64
    /// The rule's own daily limit, if it has one.
    public var ruleDailyMsat: Int64?
    /// The global daily limit.
    public var dailyMsat: Int64
    /// The global monthly limit.
    public var monthlyMsat: Int64
    /// Start of today (local midnight); spend since then counts against the daily limits.
    public var dayStart: Date
    /// Start of this month (local); spend since then counts against the monthly limit.
    public var monthStart: Date
    /// When today's limit frees up again (next local midnight).
    public var nextDay: Date
    /// When this month's limit frees up again.
    public var nextMonth: Date

    /// Creates limits.
    public init(
        perImageMsat: Int64, ruleDailyMsat: Int64?, dailyMsat: Int64, monthlyMsat: Int64, dayStart: Date,
        monthStart: Date, nextDay: Date, nextMonth: Date
    ) {
        self.perImageMsat = perImageMsat
        self.ruleDailyMsat = ruleDailyMsat
        self.dailyMsat = dailyMsat
        self.monthlyMsat = monthlyMsat
        self.dayStart = dayStart
        self.monthStart = monthStart
        self.nextDay = nextDay
        self.nextMonth = nextMonth
    }
}

/// The outcome of asking to move a job into `paying`.
public enum PayingDecision: Sendable, Equatable {
    /// Committed: the job is `paying`, the payment row is `pending`, the reservation is in the ledger.
    case approved
    /// Refused before paying; the job is now `held` (until `notBefore`) or `failed`, with the reason.
    case refused(reason: String, state: JobState)
}

extension Store {
    /// Jobs a worker can take now, oldest first: `queued` and `held` ones, and jobs interrupted in `invoiced`,
    /// `paying`, `paid` or `fetched` (recovered by their own rules), each only once its `not_before` has passed.
    public func runnableJobs(now: Date, excluding busy: Set<Int64>, limit: Int) async throws -> [JobRecord] {
        try await read("list runnable jobs") { db in
            try JobRecord
                .filter(
                    [JobState.queued, .held, .invoiced, .paying, .paid, .fetched].contains(JobRecord.Columns.state)
                )
                .filter(
                    JobRecord.Columns.notBefore == nil
                        || JobRecord.Columns.notBefore <= DatabaseTimestamp.string(from: now)
                )
                .filter(!busy.contains(JobRecord.Columns.id))
                .order(JobRecord.Columns.id)
                .limit(limit)
                .fetchAll(db)
        }
    }

    /// Step 1: the request body is spooled (its path and SHA-256 recorded) before the first POST.
    public func recordRequestSpooled(jobID: Int64, path: String, sha256: String, at now: Date) async throws {
        try await write("record spooled request of job \(jobID)") { db in
            try db.execute(
                sql: "UPDATE jobs SET request_path = ?, request_sha256 = ?, updated_at = ? WHERE id = ?",
                arguments: [path, sha256, now.databaseText, jobID])
        }
    }

    /// Step 2: the 402 arrived; the job is `invoiced` with its invoice, hash, amount and token.
    public func recordInvoiced(
        jobID: Int64, invoice: String, paymentHash: String, amountMsat: Int64, token: String, at now: Date
    ) async throws {
        try await write("record invoice of job \(jobID)") { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'invoiced', invoice = ?, payment_hash = ?, amount_msat = ?, credential = ?,
                    reason = NULL, not_before = NULL, attempts = attempts + 1, updated_at = ? WHERE id = ?
                    """,
                arguments: [invoice, paymentHash, amountMsat, token, now.databaseText, jobID])
        }
    }

    /// Step 3: checks every limit and, in the same transaction, reserves `amount + maxFee` and moves the job to
    /// `paying` with a `pending` payment row (DESIGN §5 rules 2 and 7). Nothing is paid here.
    ///
    /// Budget sums count spend and fees in the window plus every live reservation, so parallel workers cannot
    /// overshoot a limit together.
    public func beginPaying(
        jobID: Int64, rule: String, invoice: String, paymentHash: String, amountMsat: Int64, maxFeeMsat: Int64,
        limits: BudgetLimits, at now: Date
    ) async throws -> PayingDecision {
        try await write("begin paying job \(jobID)") { db in
            let reserve = amountMsat + maxFeeMsat
            func refuse(_ reason: String, _ state: JobState, until notBefore: Date?) throws -> PayingDecision {
                try db.execute(
                    sql: "UPDATE jobs SET state = ?, reason = ?, not_before = ?, updated_at = ? WHERE id = ?",
                    arguments: [state, reason, notBefore?.databaseText, now.databaseText, jobID])
                return .refused(reason: reason, state: state)
            }
            if amountMsat > limits.perImageMsat {
                return try refuse(
                    "invoice of \(amountMsat / 1000) sats is above the per-image limit of "
                        + "\(limits.perImageMsat / 1000) sats", .failed, until: nil)
            }
            let live = try Self.liveReservations(db, rule: nil)
            let today = try Self.spent(db, since: limits.dayStart, rule: nil) + live
            if today + reserve > limits.dailyMsat {
                return try refuse(
                    "daily budget: \(today / 1000) of \(limits.dailyMsat / 1000) sats used; this image needs up to "
                        + "\(reserve / 1000)", .held, until: limits.nextDay)
            }
            if let ruleDaily = limits.ruleDailyMsat {
                let ruleToday =
                    try Self.spent(db, since: limits.dayStart, rule: rule) + Self.liveReservations(db, rule: rule)
                if ruleToday + reserve > ruleDaily {
                    return try refuse(
                        "rule daily budget: \(ruleToday / 1000) of \(ruleDaily / 1000) sats used; this image needs up "
                            + "to \(reserve / 1000)", .held, until: limits.nextDay)
                }
            }
            let month = try Self.spent(db, since: limits.monthStart, rule: nil) + live
            if month + reserve > limits.monthlyMsat {
                return try refuse(
                    "monthly budget: \(month / 1000) of \(limits.monthlyMsat / 1000) sats used; this image needs up "
                        + "to \(reserve / 1000)", .held, until: limits.nextMonth)
            }
            var payment = PaymentRecord(
                jobID: jobID, paymentHash: paymentHash, invoice: invoice, amountMsat: amountMsat, createdAt: now)
            try payment.insert(db)
            var entry = LedgerEntry(
                jobID: jobID, paymentID: payment.id, rule: rule, kind: .reserve, amountMsat: reserve, createdAt: now)
            try entry.insert(db)
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'paying', invoice = ?, payment_hash = ?, amount_msat = ?, reason = NULL,
                    not_before = NULL, updated_at = ? WHERE id = ?
                    """,
                arguments: [invoice, paymentHash, amountMsat, now.databaseText, jobID])
            return .approved
        }
    }

    /// Step 4: the wallet paid. The reservation becomes spend and fee; the payment row keeps the preimage.
    public func recordPaid(
        jobID: Int64, paymentHash: String, preimage: String, feeMsat: Int64, at now: Date
    ) async throws {
        try await write("record payment of job \(jobID)") { db in
            guard let payment = try PaymentRecord.filter(PaymentRecord.Columns.paymentHash == paymentHash).fetchOne(db),
                let job = try JobRecord.fetchOne(db, key: jobID)
            else { throw StoreError.queryFailed }
            try db.execute(
                sql:
                    "UPDATE payments SET status = 'succeeded', preimage = ?, fee_msat = ?, settled_at = ? WHERE id = ?",
                arguments: [preimage, feeMsat, now.databaseText, payment.id])
            try Self.releaseReservation(db, jobID: jobID, rule: job.rule, at: now)
            var spend = LedgerEntry(
                jobID: jobID, paymentID: payment.id, rule: job.rule, kind: .spend, amountMsat: payment.amountMsat,
                createdAt: now)
            try spend.insert(db)
            if feeMsat > 0 {
                var fee = LedgerEntry(
                    jobID: jobID, paymentID: payment.id, rule: job.rule, kind: .fee, amountMsat: feeMsat, createdAt: now
                )
                try fee.insert(db)
            }
            try db.execute(
                sql:
                    "UPDATE jobs SET state = 'paid', fee_msat = ?, reason = NULL, not_before = NULL, updated_at = ? WHERE id = ?",
                arguments: [feeMsat, now.databaseText, jobID])
        }
    }

    /// The wallet says the payment failed for good: release the reservation and move the job on.
    ///
    /// `next` is `.queued` (a fresh 402 comes next), `.held` (retry at `notBefore`) or `.failed`.
    public func recordPaymentFailed(
        jobID: Int64, paymentHash: String, reason: String, next: JobState, notBefore: Date?, at now: Date
    ) async throws {
        try await write("record failed payment of job \(jobID)") { db in
            guard let job = try JobRecord.fetchOne(db, key: jobID) else { throw StoreError.queryFailed }
            try db.execute(
                sql:
                    "UPDATE payments SET status = 'failed', settled_at = ? WHERE payment_hash = ? AND status = 'pending'",
                arguments: [now.databaseText, paymentHash])
            try Self.releaseReservation(db, jobID: jobID, rule: job.rule, at: now)
            try db.execute(
                sql: """
                    UPDATE jobs SET state = ?, reason = ?, not_before = ?, invoice = NULL, payment_hash = NULL,
                    credential = NULL, amount_msat = NULL, updated_at = ? WHERE id = ?
                    """,
                arguments: [next, reason, notBefore?.databaseText, now.databaseText, jobID])
        }
    }

    /// Step 5: the paid result is spooled (fsync'd) at `resultPath`.
    public func recordFetched(jobID: Int64, resultPath: String, at now: Date) async throws {
        try await write("record fetched result of job \(jobID)") { db in
            try db.execute(
                sql:
                    "UPDATE jobs SET state = 'fetched', result_path = ?, reason = NULL, not_before = NULL, updated_at = ? WHERE id = ?",
                arguments: [resultPath, now.databaseText, jobID])
        }
    }

    /// Step 6: the output is in place; the job is `done` and the output is recorded as ours.
    public func recordDone(
        jobID: Int64, originalPath: String, outputPath: String, outputSHA256: String, size: Int64, at now: Date
    ) async throws {
        try await write("record output of job \(jobID)") { db in
            try db.execute(
                sql: """
                    INSERT INTO outputs (job_id, original_path, output_path, sha256, size, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT(output_path) DO UPDATE SET job_id = excluded.job_id,
                    original_path = excluded.original_path, sha256 = excluded.sha256, size = excluded.size,
                    created_at = excluded.created_at
                    """,
                arguments: [jobID, originalPath, outputPath, outputSHA256, size, now.databaseText])
            try db.execute(
                sql:
                    "UPDATE jobs SET state = 'done', output_path = ?, reason = NULL, not_before = NULL, updated_at = ? WHERE id = ?",
                arguments: [outputPath, now.databaseText, jobID])
        }
    }

    /// Moves a job to `held` (retry at `notBefore`), `failed` or `attention`, releasing any live reservation.
    ///
    /// Use ``recordPaymentFailed(jobID:paymentHash:reason:next:notBefore:at:)`` when a payment failed, and never
    /// this with `.queued` after money moved.
    public func recordStopped(
        jobID: Int64, state: JobState, reason: String, notBefore: Date? = nil, refundURL: String? = nil, at now: Date
    ) async throws {
        try await write("record \(state.rawValue) job \(jobID)") { db in
            guard let job = try JobRecord.fetchOne(db, key: jobID) else { throw StoreError.queryFailed }
            if state == .failed || state == .held {
                try Self.releaseReservation(db, jobID: jobID, rule: job.rule, at: now)
            }
            try db.execute(
                sql:
                    "UPDATE jobs SET state = ?, reason = ?, not_before = ?, refund_url = COALESCE(?, refund_url), updated_at = ? WHERE id = ?",
                arguments: [state, reason, notBefore?.databaseText, refundURL, now.databaseText, jobID])
        }
    }

    /// Leaves a job in its state but not before `until`, saying why (a payment to look up again, a result to
    /// fetch again).
    public func deferJob(jobID: Int64, until: Date, reason: String, at now: Date) async throws {
        try await write("defer job \(jobID)") { db in
            try db.execute(
                sql: "UPDATE jobs SET not_before = ?, reason = ?, updated_at = ? WHERE id = ?",
                arguments: [until.databaseText, reason, now.databaseText, jobID])
        }
    }

    /// Records where the output of a job will go (chosen once, so `{date}` and the name stay stable on retries).
    public func recordIntendedOutput(jobID: Int64, path: String) async throws {
        try await write("record output path of job \(jobID)") { db in
            try db.execute(sql: "UPDATE jobs SET output_path = ? WHERE id = ?", arguments: [path, jobID])
        }
    }

    /// Lets jobs held in quote-only mode run again, once a wallet is configured.
    public func releaseQuoteOnlyHolds(at now: Date) async throws -> Int {
        try await write("release quote-only holds") { db in
            try db.execute(
                sql:
                    "UPDATE jobs SET not_before = NULL, updated_at = ? WHERE state = 'held' AND reason LIKE 'quote-only%'",
                arguments: [now.databaseText])
            return db.changesCount
        }
    }

    /// Puts a `queued`/`held`/`failed` job back to `queued` (CLI `retry`). Jobs where money moved are refused.
    /// - Returns: true when the job was re-queued.
    public func requeue(jobID: Int64, at now: Date) async throws -> Bool {
        try await write("re-queue job \(jobID)") { db in
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'queued', reason = NULL, not_before = NULL, invoice = NULL,
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
            try PaymentRecord.filter(PaymentRecord.Columns.paymentHash == hash).fetchOne(db)
        }
    }

    /// The earlier finished output of the same content under the same rule (for `on_duplicate`).
    public func earlierOutput(rule: String, sha256: String, excludingJob jobID: Int64) async throws -> OutputRecord? {
        try await read("find earlier output") { db in
            try OutputRecord.fetchOne(
                db,
                sql: """
                    SELECT outputs.* FROM outputs JOIN jobs ON jobs.id = outputs.job_id
                    WHERE jobs.rule = ? AND jobs.sha256 = ? AND jobs.state = 'done' AND jobs.id != ?
                    ORDER BY outputs.id DESC LIMIT 1
                    """,
                arguments: [rule, sha256, jobID])
        }
    }

    /// The output dropbolt recorded at `path`, if any (outputs are never treated as the user's files).
    public func output(at path: String) async throws -> OutputRecord? {
        try await read("read output") { db in
            try OutputRecord.filter(OutputRecord.Columns.outputPath == path).fetchOne(db)
        }
    }

    // MARK: Ledger sums

    /// Spend plus fees since `start`, for one rule or all.
    static func spent(_ db: Database, since start: Date, rule: String?) throws -> Int64 {
        var sql = "SELECT COALESCE(SUM(amount_msat), 0) FROM ledger WHERE kind IN ('spend', 'fee') AND created_at >= ?"
        var arguments: StatementArguments = [start.databaseText]
        if let rule {
            sql += " AND rule = ?"
            arguments += [rule]
        }
        return try Int64.fetchOne(db, sql: sql, arguments: arguments) ?? 0
    }

    /// Reserved and not yet released, for one rule or all.
    static func liveReservations(_ db: Database, rule: String?) throws -> Int64 {
        var sql = """
            SELECT COALESCE(SUM(CASE kind WHEN 'reserve' THEN amount_msat ELSE -amount_msat END), 0)
            FROM ledger WHERE kind IN ('reserve', 'release')
            """
        var arguments: StatementArguments = []
        if let rule {
            sql += " AND rule = ?"
            arguments += [rule]
        }
        return try Int64.fetchOne(db, sql: sql, arguments: arguments) ?? 0
    }

    /// Writes a `release` for whatever the job still has reserved.
    static func releaseReservation(_ db: Database, jobID: Int64, rule: String, at now: Date) throws {
        let live =
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT COALESCE(SUM(CASE kind WHEN 'reserve' THEN amount_msat ELSE -amount_msat END), 0)
                    FROM ledger WHERE job_id = ? AND kind IN ('reserve', 'release')
                    """,
                arguments: [jobID]) ?? 0
        guard live > 0 else { return }
        var release = LedgerEntry(jobID: jobID, rule: rule, kind: .release, amountMsat: live, createdAt: now)
        try release.insert(db)
    }
}
