import DropboltCore
import DropboltStore
import DropboltTesting
import Foundation
import GRDB
import Testing

/// The budget decision inside the store's transaction (DESIGN §5 rules 7 and 8), on a real SQLite file: what is
/// spent, reserved and released is what the next decision sees.
@Suite("Budget decisions on the store")
struct StoreBudgetTests {
    /// Today started a day after the month did; tomorrow and next month are in the future.
    private static func limits(
        perImage: Int64 = .max, ruleDaily: Int64? = nil, daily: Int64 = .max, monthly: Int64 = .max
    ) -> BudgetLimits {
        BudgetLimits(
            perImageMsat: perImage, ruleDailyMsat: ruleDaily, dailyMsat: daily, monthlyMsat: monthly,
            dayStart: testDate(-3_600), monthStart: testDate(-90_000), nextDay: testDate(80_000),
            nextMonth: testDate(2_000_000))
    }

    private static func hash(_ number: Int) -> String { String(format: "%064x", number) }

    /// A job of `rule` in `invoiced` for `amountMsat`.
    private static func invoicedJob(_ store: Store, _ number: Int, rule: String = "edit", amountMsat: Int64)
        async throws
        -> Int64
    {
        let id = try #require(try await store.recordIntake([.fixture(number, rules: [rule])], at: testDate()).first?.id)
        try await store.recordInvoiced(
            jobID: id, from: .queued, invoice: "lnbc\(number)", paymentHash: hash(number), amountMsat: amountMsat,
            token: "dG9r", at: testDate())
        return id
    }

    private static func begin(
        _ store: Store, _ id: Int64, _ number: Int, rule: String = "edit", amountMsat: Int64, maxFeeMsat: Int64 = 0,
        limits: BudgetLimits, at date: Date = testDate()
    ) async throws -> PayingDecision {
        try await store.recordInvoicedAndBeginPaying(
            jobID: id, from: .invoiced, rule: rule, invoice: "lnbc\(number)", paymentHash: hash(number),
            amountMsat: amountMsat, token: "dG9r", maxFeeMsat: maxFeeMsat, limits: limits, at: date)
    }

    /// The job's state and typed reason.
    private static func state(_ store: Store, _ id: Int64) async throws -> (JobState?, JobReason.Code?) {
        let job = try await store.job(id: id)
        return (job?.state, job?.reasonCode)
    }

    @Test func spendEarlierThisMonthCountsAgainstTheMonthlyLimit() async throws {
        let dir = try TemporaryDirectory(prefix: "budget")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let limits = Self.limits(monthly: 1_000_000)
        // 700 sats paid yesterday: outside today, inside the month.
        let first = try await Self.invoicedJob(store, 1, amountMsat: 700_000)
        #expect(
            try await Self.begin(store, first, 1, amountMsat: 700_000, limits: limits, at: testDate(-7_200))
                == .approved)
        try await store.recordPaid(
            jobID: first, paymentHash: Self.hash(1), preimage: "00", feeMsat: 0, at: testDate(-7_200))
        // 300 sats more fit exactly; one msat more does not, and the job waits for next month.
        let second = try await Self.invoicedJob(store, 2, amountMsat: 300_001)
        let refused = try await Self.begin(store, second, 2, amountMsat: 300_001, limits: limits)
        guard case .refused(let reason, let state) = refused else {
            Issue.record("expected a refusal, got \(refused)")
            return
        }
        #expect(reason.code == .monthlyBudget)
        #expect(state == .held)
        #expect(try await store.job(id: second)?.notBefore == limits.nextMonth)
        let third = try await Self.invoicedJob(store, 3, amountMsat: 300_000)
        #expect(try await Self.begin(store, third, 3, amountMsat: 300_000, limits: limits) == .approved)
    }

    @Test func aRulesDailyLimitHoldsOnlyThatRule() async throws {
        let dir = try TemporaryDirectory(prefix: "budget")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let limits = Self.limits(ruleDaily: 500_000)
        let first = try await Self.invoicedJob(store, 1, rule: "edit", amountMsat: 400_000)
        #expect(try await Self.begin(store, first, 1, rule: "edit", amountMsat: 400_000, limits: limits) == .approved)
        try await store.recordPaid(jobID: first, paymentHash: Self.hash(1), preimage: "00", feeMsat: 0, at: testDate())
        // The same rule: 400 + 200 > 500, held until tomorrow.
        let second = try await Self.invoicedJob(store, 2, rule: "edit", amountMsat: 200_000)
        let refused = try await Self.begin(store, second, 2, rule: "edit", amountMsat: 200_000, limits: limits)
        #expect(refused != .approved)
        #expect(try await Self.state(store, second) == (.held, .ruleDailyBudget))
        #expect(try await store.job(id: second)?.notBefore == limits.nextDay)
        // Another rule has its own daily limit (the caller passes that rule's), untouched by "edit"'s spend.
        let other = try await Self.invoicedJob(store, 3, rule: "captions", amountMsat: 200_000)
        #expect(
            try await Self.begin(store, other, 3, rule: "captions", amountMsat: 200_000, limits: limits) == .approved)
    }

    @Test func aFailedPaymentReleasesItsReservation() async throws {
        let dir = try TemporaryDirectory(prefix: "budget")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let limits = Self.limits(daily: 1_000_000)
        // 600 + 100 fee reserved: another 400 does not fit while the reservation lives.
        let first = try await Self.invoicedJob(store, 1, amountMsat: 600_000)
        #expect(
            try await Self.begin(store, first, 1, amountMsat: 600_000, maxFeeMsat: 100_000, limits: limits) == .approved
        )
        #expect(try await store.reservedTotal() == 700_000)
        #expect(try await store.reservedTotal(rule: "edit") == 700_000)
        #expect(try await store.reservedTotal(rule: "other") == 0)
        let second = try await Self.invoicedJob(store, 2, amountMsat: 400_000)
        let whileReserved = try await Self.begin(store, second, 2, amountMsat: 400_000, limits: limits)
        #expect(whileReserved != .approved)
        #expect(try await Self.state(store, second) == (.held, .dailyBudget))
        // The wallet says the first payment failed: its reservation is released and the same 400 now fits.
        try await store.recordPaymentFailed(
            jobID: first, paymentHash: Self.hash(1), reason: JobReason(.paymentFailed, "no route"), next: .queued,
            notBefore: nil, at: testDate())
        #expect(try await store.reservedTotal() == 0)
        let third = try await Self.invoicedJob(store, 3, amountMsat: 400_000)
        #expect(try await Self.begin(store, third, 3, amountMsat: 400_000, limits: limits) == .approved)
        #expect(try await store.reservedTotal() == 400_000)
        // A paid one turns its reservation into spend and fee, never both: 400 spent + 0 reserved.
        try await store.recordPaid(jobID: third, paymentHash: Self.hash(3), preimage: "00", feeMsat: 0, at: testDate())
        let ledger = try await store.reader.read { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT COALESCE(SUM(CASE kind WHEN 'reserve' THEN amount_msat WHEN 'release' THEN -amount_msat
                    ELSE 0 END), 0) FROM ledger
                    """)
        }
        #expect(ledger == 0, "a reservation outlived its payment")
        #expect(try await store.reservedTotal() == 0)
    }

    @Test func reservationsLiveInALedgerBeforeTheReservationsTableAreCarriedOverByTheMigration() async throws {
        let dir = try TemporaryDirectory(prefix: "budget")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let limits = Self.limits(daily: 10_000_000)
        // Two live reservations (one per rule) and one released, as a v6 store would hold them in its ledger only.
        for (number, rule) in [(1, "edit"), (2, "captions"), (3, "edit")] {
            let id = try await Self.invoicedJob(store, number, rule: rule, amountMsat: 100_000 * Int64(number))
            #expect(
                try await Self.begin(store, id, number, rule: rule, amountMsat: 100_000 * Int64(number), limits: limits)
                    == .approved)
            if number == 3 {
                try await store.recordPaymentFailed(
                    jobID: id, paymentHash: Self.hash(3), reason: JobReason(.paymentFailed, "no route"), next: .queued,
                    notBefore: nil, at: testDate())
            }
        }
        try store.close()
        try await rewindMigrations(["v7"], in: dir.path, undo: "DROP TABLE reservations")
        let migrated = try Store.open(stateFolder: dir.path)
        #expect(try await migrated.reservedTotal() == 300_000)
        #expect(try await migrated.reservedTotal(rule: "edit") == 100_000)
        #expect(try await migrated.reservedTotal(rule: "captions") == 200_000)
    }

    @Test func workersRacingForTheLastSatsNeverOvershoot() async throws {
        let dir = try TemporaryDirectory(prefix: "budget")
        defer { dir.remove() }
        // Two daemons' pools and many workers: 10 invoices of 300 sats against 1,000 sats left today.
        let stores = [try Store.open(stateFolder: dir.path), try Store.open(stateFolder: dir.path)]
        let limits = Self.limits(daily: 1_000_000)
        var ids: [Int64] = []
        for number in 1...10 { ids.append(try await Self.invoicedJob(stores[0], number, amountMsat: 300_000)) }
        let approved = await withTaskGroup(of: Bool.self) { group in
            for (index, id) in ids.enumerated() {
                group.addTask {
                    let outcome = try? await Self.begin(
                        stores[index % 2], id, index + 1, amountMsat: 300_000, limits: limits)
                    return outcome == .approved
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(approved == 3)
        let reserved = try await stores[0].reader.read { db in
            try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(amount_msat), 0) FROM ledger WHERE kind = 'reserve'")
        }
        #expect(reserved == 900_000)
        #expect(try await stores[0].reservedTotal() == 900_000)
        let paying = try await stores[0].reader.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs WHERE state = 'paying'")
        }
        #expect(paying == 3)
    }

    @Test func aFeeAboveTheCapHoldsTheRuleInThePaymentsOwnCommit() async throws {
        let dir = try TemporaryDirectory(prefix: "budget")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let within = try await Self.invoicedJob(store, 1, amountMsat: 1_000)
        #expect(try await Self.begin(store, within, 1, amountMsat: 1_000, limits: Self.limits()) == .approved)
        let withinCap = try await store.recordPaid(
            jobID: within, paymentHash: Self.hash(1), preimage: "00", feeMsat: 10_000, feeCap: .sats(10), at: testDate())
        #expect(withinCap.feeHold == nil)
        #expect(try await store.ruleHolds().isEmpty)

        let above = try await Self.invoicedJob(store, 2, amountMsat: 1_000)
        #expect(try await Self.begin(store, above, 2, amountMsat: 1_000, limits: Self.limits()) == .approved)
        let aboveCap = try await store.recordPaid(
            jobID: above, paymentHash: Self.hash(2), preimage: "00", feeMsat: 10_001, feeCap: .sats(10), at: testDate())
        #expect(aboveCap.feeHold?.code == .ruleHeldFeeAboveCap)
        let holds = try await store.ruleHolds()
        #expect(holds.map(\.rule) == ["edit"])
        #expect(holds.first?.paymentHash == Self.hash(2))
        #expect(try await Self.state(store, above) == (.paid, nil))
        let next = try await Self.invoicedJob(store, 3, amountMsat: 1_000)
        guard case .refused(_, .held) = try await Self.begin(store, next, 3, amountMsat: 1_000, limits: Self.limits())
        else {
            Issue.record("a held rule paid")
            return
        }
    }

    @Test func aHoldWhoseCodeThisVersionDoesNotKnowStillHoldsTheRule() async throws {
        let dir = try TemporaryDirectory(prefix: "budget")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        // As a newer dropbolt might write it.
        try await store.writer.write { db in
            try db.execute(
                sql: "INSERT INTO rule_holds (rule, reason_code, reason, created_at) VALUES ('edit', ?, ?, ?)",
                arguments: ["rule_held_for_a_future_reason", "held by a newer version", "2026-01-01 00:00:00.000"])
        }
        let job = try await Self.invoicedJob(store, 1, amountMsat: 1_000)
        let decision = try await Self.begin(store, job, 1, amountMsat: 1_000, limits: Self.limits())
        #expect(decision == .refused(reason: JobReason(.ruleHeldFeeAboveCap, "held by a newer version"), state: .held))
        #expect(try await store.reservedTotal() == 0)
    }

    @Test func aHeldRulePaysNothingUntilReleasedAndOtherRulesGoOn() async throws {
        let dir = try TemporaryDirectory(prefix: "budget")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let reason = try #require(
            FeeCap.check(fee: Millisatoshi(11_000), cap: .sats(10), rule: "edit", paymentHash: Self.hash(9)))
        try await store.holdRule("edit", reason: reason, paymentHash: Self.hash(9), at: testDate())
        // A second hold keeps the first (it names the payment that caused it).
        try await store.holdRule("edit", reason: JobReason(.ruleHeldFeeAboveCap, "later"), paymentHash: nil, at: testDate(5))
        #expect(try await store.ruleHolds().map(\.reason) == [reason.text])

        let held = try await Self.invoicedJob(store, 1, amountMsat: 1_000)
        let refused = try await Self.begin(store, held, 1, amountMsat: 1_000, limits: Self.limits())
        #expect(refused == .refused(reason: reason, state: .held))
        #expect(try await Self.state(store, held) == (.held, .ruleHeldFeeAboveCap))
        #expect(try await store.reservedTotal() == 0)

        let other = try await Self.invoicedJob(store, 2, rule: "captions", amountMsat: 1_000)
        #expect(try await Self.begin(store, other, 2, rule: "captions", amountMsat: 1_000, limits: Self.limits()) == .approved)

        let (released, woken) = try await store.releaseRuleHold(rule: "edit", at: testDate(10))
        #expect(released && woken == 1)
        #expect(try await store.job(id: held)?.notBefore == nil)
        #expect(try await store.ruleHolds().isEmpty)
        #expect(try await store.releaseRuleHold(rule: "edit", at: testDate(20)).released == false)
    }
}
