import DropboltCore
import DropboltStore
import DropboltTesting
import Foundation
import GRDB
import Synchronization
import Testing

/// Issue 8, gaps 1, 2 and 6: transitions are compare-and-set, commits are durable (FULL), one daemon per state
/// folder, and reasons are typed.
@Suite("State transitions, durability and the daemon lock")
struct StateTransitionTests {
    private static let hash = String(repeating: "ab", count: 32)
    private static let limits = BudgetLimits(
        perImageMsat: .max, ruleDailyMsat: nil, dailyMsat: .max, monthlyMsat: .max, dayStart: testDate(-86_400),
        monthStart: testDate(-86_400), nextDay: testDate(86_400), nextMonth: testDate(86_400 * 30))

    private func invoicedJob(_ store: Store) async throws -> Int64 {
        let id = try #require(try await store.recordIntake([.fixture(1)], at: testDate()).first?.id)
        try await store.recordInvoiced(
            jobID: id, from: .queued, invoice: "lnbc1", paymentHash: Self.hash, amountMsat: 300_000, token: "dG9r",
            at: testDate())
        return id
    }

    @Test func twoWorkersReadingTheSameStateCannotBothMoveTheJob() async throws {
        let dir = try TemporaryDirectory(prefix: "cas")
        defer { dir.remove() }
        let first = try Store.open(stateFolder: dir.path)
        let second = try Store.open(stateFolder: dir.path)
        let id = try await invoicedJob(first)
        // Both read `invoiced`; only one may commit `paying` (and so only one may call the wallet).
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for store in [first, second] {
                group.addTask {
                    (try? await store.recordInvoicedAndBeginPaying(
                        jobID: id, from: .invoiced, rule: "edit", invoice: "lnbc1", paymentHash: Self.hash,
                        amountMsat: 300_000, token: "dG9r", maxFeeMsat: 0, limits: Self.limits, at: testDate()))
                        == .approved
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        let second2 = try await #require(throws: StoreError.self) {
            try await second.recordInvoicedAndBeginPaying(
                jobID: id, from: .invoiced, rule: "edit", invoice: "lnbc1", paymentHash: Self.hash, amountMsat: 300_000,
                token: "dG9r", maxFeeMsat: 0, limits: Self.limits, at: testDate())
        }
        #expect(second2 == .stateConflict)
        #expect(second2.description.contains("is paying, not invoiced"), "\(second2)")
        let payments = try await first.reader.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM payments") }
        #expect(payments == 1)
    }

    @Test func everyTransitionChecksTheStateItLeaves() async throws {
        let dir = try TemporaryDirectory(prefix: "cas")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let id = try await invoicedJob(store)
        // The job is `invoiced`: transitions written for other states must not touch it.
        await #expect(throws: StoreError.stateConflict) {
            try await store.recordPaid(jobID: id, paymentHash: Self.hash, preimage: "00", feeMsat: 0, at: testDate())
        }
        await #expect(throws: StoreError.stateConflict) {
            try await store.recordFetched(jobID: id, from: .paid, resultPath: "/x", at: testDate())
        }
        await #expect(throws: StoreError.stateConflict) {
            try await store.deferJob(
                jobID: id, in: .paying, until: testDate(), reason: JobReason(.paymentInFlight, "x"), at: testDate())
        }
        await #expect(throws: StoreError.stateConflict) {
            try await store.recordInvoiced(
                jobID: id, from: .queued, invoice: "lnbc2", paymentHash: Self.hash, amountMsat: 1, token: "x",
                at: testDate())
        }
        let job = try #require(try await store.job(id: id))
        #expect(job.state == .invoiced)
        #expect(job.invoice == "lnbc1")
    }

    /// A stop cancels tasks; the commit that records a payment the wallet made must still land.
    @Test func aCancelledTaskStillCommitsThePaymentItRecords() async throws {
        let dir = try TemporaryDirectory(prefix: "cancel")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let id = try await invoicedJob(store)
        let decision = try await store.recordInvoicedAndBeginPaying(
            jobID: id, from: .invoiced, rule: "edit", invoice: "lnbc1", paymentHash: Self.hash, amountMsat: 300_000,
            token: "dG9r", maxFeeMsat: 0, limits: Self.limits, at: testDate())
        #expect(decision == .approved)
        let recorder = Task {
            // Ends when the task is cancelled, so the commit below runs in a cancelled task.
            try? await Task.sleep(for: .seconds(600))
            #expect(Task.isCancelled)
            return try await store.recordPaid(
                jobID: id, paymentHash: Self.hash, preimage: "00", feeMsat: 0, at: testDate())
        }
        recorder.cancel()
        #expect(try await recorder.value.job.state == .paid)
        #expect(try await store.job(id: id)?.state == .paid)
        #expect(try await store.payment(hash: Self.hash)?.status == .succeeded)
    }

    @Test func reasonsAreStoredWithTheirCode() async throws {
        let dir = try TemporaryDirectory(prefix: "reason")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let id = try #require(try await store.recordIntake([.fixture(1)], at: testDate()).first?.id)
        try await store.recordStopped(
            jobID: id, from: .queued, state: .held, reason: JobReason(.quoteOnly, "any wording at all"),
            notBefore: .distantFuture, at: testDate())
        let held = try #require(try await store.job(id: id))
        #expect(held.reasonCode == .quoteOnly)
        #expect(held.reason == "any wording at all")
        // Released by its code, whatever the text says.
        #expect(try await store.releaseQuoteOnlyHolds(at: testDate()) == 1)
    }

    @Test func commitsThatPrecedeOrRecordMoneyMovingAreDurable() async throws {
        let dir = try TemporaryDirectory(prefix: "sync")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let id = try await invoicedJob(store)
        let statements = Mutex<[String]>([])
        try await store.writer.writeWithoutTransaction { db in
            db.trace(options: .statement) { event in statements.withLock { $0.append("\(event)") } }
        }
        _ = try await store.recordInvoicedAndBeginPaying(
            jobID: id, from: .invoiced, rule: "edit", invoice: "lnbc1", paymentHash: Self.hash, amountMsat: 300_000,
            token: "dG9r", maxFeeMsat: 0, limits: Self.limits, at: testDate())
        try await store.deferJob(
            jobID: id, in: .paying, until: testDate(), reason: JobReason(.paymentInFlight, "x"), at: testDate())
        let trace = statements.withLock { $0 }
        // `paying` commits under FULL (the WAL is fsync'd before the wallet may be called); the defer does not need to.
        let full = try #require(trace.firstIndex { $0.contains("PRAGMA synchronous = FULL") })
        let paying = try #require(trace.firstIndex { $0.contains("state = 'paying'") })
        let commit = try #require(trace[paying...].firstIndex { $0.hasPrefix("COMMIT") })
        let normal = try #require(trace[commit...].firstIndex { $0.contains("PRAGMA synchronous = NORMAL") })
        #expect(full < paying && paying < commit && commit < normal)
        let deferred = try #require(trace.lastIndex { $0.contains("not_before = ?") || $0.contains("not_before = '") })
        #expect(!trace[normal...deferred].contains { $0.contains("PRAGMA synchronous = FULL") })
    }

    /// The paid path records the 402's invoice and begins paying in one commit: both transitions inside one durable
    /// transaction, with what each of the two separate calls would have written.
    @Test func theInvoiceAndThePayingDecisionShareOneDurableCommit() async throws {
        let dir = try TemporaryDirectory(prefix: "merged")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let id = try #require(try await store.recordIntake([.fixture(1)], at: testDate()).first?.id)
        let statements = Mutex<[String]>([])
        try await store.writer.writeWithoutTransaction { db in
            db.trace(options: .statement) { event in statements.withLock { $0.append("\(event)") } }
        }
        let decision = try await store.recordInvoicedAndBeginPaying(
            jobID: id, from: .queued, rule: "edit", invoice: "lnbc1", paymentHash: Self.hash, amountMsat: 300_000,
            token: "dG9r", requestPath: "/spool/1.request", requestSHA256: "cd", maxFeeMsat: 2_000,
            limits: Self.limits, at: testDate(), wallet: "lnbits:x")
        #expect(decision == .approved)
        let trace = statements.withLock { $0 }
        let full = try #require(trace.firstIndex { $0.contains("PRAGMA synchronous = FULL") })
        let invoiced = try #require(trace.firstIndex { $0.contains("state = 'invoiced'") })
        let paying = try #require(trace.firstIndex { $0.contains("state = 'paying'") })
        let commit = try #require(trace[paying...].firstIndex { $0.hasPrefix("COMMIT") })
        #expect(full < invoiced && invoiced < paying && paying < commit)
        #expect(trace.filter { $0.hasPrefix("COMMIT") }.count == 1, "\(trace)")
        let job = try #require(try await store.job(id: id))
        #expect(job.state == .paying)
        #expect(job.attempts == 1)
        #expect(job.credential == "dG9r")
        #expect(job.requestPath == "/spool/1.request" && job.requestSHA256 == "cd")
        #expect(try await store.payment(hash: Self.hash)?.wallet == "lnbits:x")
        #expect(try await store.reservedTotal() == 302_000)
    }

    /// A refusal in the merged commit still records the invoice (the quote is known), and a job that is no longer in
    /// the state the caller read is left exactly as it was.
    @Test func theMergedCommitRecordsARefusalAndChangesNothingOnAConflict() async throws {
        let dir = try TemporaryDirectory(prefix: "merged")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let jobs = try await store.recordIntake([.fixture(1), .fixture(2)], at: testDate())
        let (heldID, queuedID) = (try #require(jobs.first?.id), try #require(jobs.last?.id))
        try await store.holdRule(
            "edit", reason: JobReason(.ruleHeldFeeAboveCap, "fee too high"), paymentHash: nil, at: testDate())
        let refused = try await store.recordInvoicedAndBeginPaying(
            jobID: heldID, from: .queued, rule: "edit", invoice: "lnbc1", paymentHash: Self.hash, amountMsat: 300_000,
            token: "dG9r", maxFeeMsat: 0, limits: Self.limits, at: testDate())
        guard case .refused(_, .held) = refused else {
            Issue.record("expected a refusal that holds the job, got \(refused)")
            return
        }
        let held = try #require(try await store.job(id: heldID))
        #expect(held.state == .held && held.invoice == "lnbc1" && held.attempts == 1)
        #expect(try await store.payment(hash: Self.hash) == nil)

        await #expect(throws: StoreError.stateConflict) {
            try await store.recordInvoicedAndBeginPaying(
                jobID: queuedID, from: .held, rule: "other", invoice: "lnbc2", paymentHash: Self.hash,
                amountMsat: 1_000, token: "dG9r", maxFeeMsat: 0, limits: Self.limits, at: testDate())
        }
        let untouched = try #require(try await store.job(id: queuedID))
        #expect(untouched.state == .queued && untouched.invoice == nil && untouched.attempts == 0)
        #expect(try await store.reservedTotal() == 0)
    }

    @Test func aSecondDaemonIsRefusedAndToldTheFirstOnesPid() throws {
        let dir = try TemporaryDirectory(prefix: "lock")
        defer { dir.remove() }
        let state = dir.url("state")
        var first: StateFolderLock? = try StateFolderLock.acquire(stateFolder: state)
        #expect(StateFolderLock.holder(stateFolder: state) == getpid())
        let refusal = try #require(throws: StoreError.self) { try StateFolderLock.acquire(stateFolder: state) }
        #expect(refusal == .lockedByAnotherDaemon)
        #expect(refusal.description.contains("pid \(getpid())"), "\(refusal)")
        #expect(refusal.description.contains(state), "\(refusal)")
        // Read-only commands never need the lock.
        _ = try Store.open(stateFolder: state)
        #expect(throws: Never.self) { try Store.openReadOnly(stateFolder: state) }
        withExtendedLifetime(first) {}
        first = nil
        #expect(StateFolderLock.holder(stateFolder: state) == nil)
        _ = try StateFolderLock.acquire(stateFolder: state)
    }

    @Test func olderQuoteOnlyHoldsGetTheirCodeOnMigration() async throws {
        let dir = try TemporaryDirectory(prefix: "migrate")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let id = try #require(try await store.recordIntake([.fixture(1)], at: testDate()).first?.id)
        try store.close()
        // Rewind to v2 with a row as v2 wrote it, then migrate again.
        let queue = try DatabaseQueue(path: dir.path + "/" + Store.databaseFileName)
        try await queue.write { db in
            try db.execute(sql: "ALTER TABLE jobs DROP COLUMN reason_code")
            try db.execute(sql: "ALTER TABLE jobs DROP COLUMN paid_requests")
            try db.execute(sql: "ALTER TABLE payments DROP COLUMN boot_id")
            try db.execute(sql: "ALTER TABLE payments DROP COLUMN boot_ns")
            try db.execute(sql: "ALTER TABLE payments DROP COLUMN wallet")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier IN ('v3', 'v4')")
            try db.execute(
                sql: "UPDATE jobs SET state = 'held', reason = 'quote-only: price 3 sats (no wallet configured)' WHERE id = ?",
                arguments: [id])
        }
        try queue.close()
        let migrated = try Store.open(stateFolder: dir.path)
        #expect(try await migrated.job(id: id)?.reasonCode == .quoteOnly)
    }
}
