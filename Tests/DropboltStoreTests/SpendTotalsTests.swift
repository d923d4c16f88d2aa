import DropboltCore
import DropboltTesting
import Foundation
import GRDB
import Testing

@testable import DropboltStore

/// Budget sums read running totals per quarter-hour (migration v9) and the ledger only for the part of a quarter
/// before the first whole one; whatever the start, they must equal the ledger's own sum.
@Suite("Spend totals per quarter-hour")
struct SpendTotalsTests {
    /// `testDate(500)` starts a quarter-hour (1,750,000,500 s = 1,944,445 × 900 s).
    private static let quarterStart = testDate(500)

    private static func hash(_ number: Int) -> String { String(format: "%064x", number) }

    private static let limits = BudgetLimits(
        perImageMsat: .max, ruleDailyMsat: nil, dailyMsat: .max, monthlyMsat: .max, dayStart: .distantPast,
        monthStart: .distantPast, nextDay: .distantFuture, nextMonth: .distantFuture)

    /// Pays job `number` of `rule` at `date` (spend `amountMsat`, fee `feeMsat`), as the pipeline would.
    private static func pay(
        _ store: Store, _ number: Int, rule: String, amountMsat: Int64, feeMsat: Int64, at date: Date
    ) async throws {
        let id = try #require(try await store.recordIntake([.fixture(number, rules: [rule])], at: date).first?.id)
        let decision = try await store.recordInvoicedAndBeginPaying(
            jobID: id, from: .queued, rule: rule, invoice: "lnbc\(number)", paymentHash: hash(number),
            amountMsat: amountMsat, token: "dG9r", maxFeeMsat: feeMsat, limits: limits, at: date)
        #expect(decision == .approved)
        try await store.recordPaid(jobID: id, paymentHash: hash(number), preimage: "00", feeMsat: feeMsat, at: date)
    }

    /// Spend and fees since `start` summed from the ledger alone, the way every earlier version did it.
    private static func ledgerSum(_ store: Store, since start: Date, rule: String?) async throws -> Int64 {
        try await store.reader.read { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT COALESCE(SUM(amount_msat), 0) FROM ledger WHERE kind IN ('spend', 'fee')
                    AND created_at >= ? AND (? IS NULL OR rule = ?)
                    """,
                arguments: [start.databaseText, rule, rule]) ?? -1
        }
    }

    /// Payments on, just before and just after quarter boundaries, in two rules, with and without fees.
    private static func payAround(_ store: Store) async throws -> [Date] {
        let offsets: [TimeInterval] = [-900.001, -0.001, 0, 0.001, 1, 449.5, 899.999, 900, 2_700.25, 86_400 * 3 + 7]
        var times: [Date] = []
        for (index, offset) in offsets.enumerated() {
            let date = quarterStart.addingTimeInterval(offset)
            times.append(date)
            try await pay(
                store, index + 1, rule: index % 3 == 0 ? "captions" : "edit", amountMsat: 1_000 * Int64(index + 1),
                feeMsat: index % 2 == 0 ? 7 : 0, at: date)
        }
        return times
    }

    /// Starts on boundaries, between them, at each payment's own millisecond and around it, and far away.
    private static func starts(around times: [Date]) -> [Date] {
        var starts: [Date] = [.distantPast, .distantFuture, quarterStart, quarterStart.addingTimeInterval(-86_400)]
        for time in times {
            starts += [time, time.addingTimeInterval(-0.001), time.addingTimeInterval(0.001)]
            starts += [time.addingTimeInterval(-450), time.addingTimeInterval(-900), time.addingTimeInterval(123.456)]
        }
        return starts
    }

    @Test func quartersRoundDownOnBothSidesOf1970() {
        #expect(SpendQuarter.containing(0) == 0)
        #expect(SpendQuarter.containing(899_999) == 0)
        #expect(SpendQuarter.containing(900_000) == 1)
        #expect(SpendQuarter.containing(-1) == -1)
        #expect(SpendQuarter.containing(-900_000) == -1)
        #expect(SpendQuarter.containing(-900_001) == -2)
        #expect(SpendQuarter.first(atOrAfter: 900_000) == 1)
        #expect(SpendQuarter.first(atOrAfter: 900_001) == 2)
        #expect(SpendQuarter.first(atOrAfter: -1) == 0)
        #expect(SpendQuarter.startMilliseconds(of: -2) == -1_800_000)
    }

    @Test func sumsFromQuarterTotalsEqualTheLedgersOwnSumsFromAnyStart() async throws {
        let dir = try TemporaryDirectory(prefix: "quarters")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let times = try await Self.payAround(store)
        for start in Self.starts(around: times) {
            for rule in [nil, "edit", "captions", "nothing"] as [String?] {
                let expected = try await Self.ledgerSum(store, since: start, rule: rule)
                let got = try await store.spentTotal(since: start, rule: rule)
                #expect(got == expected, "since \(start.databaseText), rule \(rule ?? "(all)")")
            }
        }
        // Every spend and fee row is in exactly one quarter of each table.
        let (all, perRule) = try await store.reader.read { db in
            (
                try Int64.fetchOne(db, sql: "SELECT SUM(amount_msat) FROM spend_by_quarter"),
                try Int64.fetchOne(db, sql: "SELECT SUM(amount_msat) FROM rule_spend_by_quarter")
            )
        }
        let ledger = try await Self.ledgerSum(store, since: .distantPast, rule: nil)
        let paid: Int64 = (1...10).map { 1_000 * Int64($0) }.reduce(0, +)
        #expect(ledger == paid + 5 * 7)
        #expect(all == ledger && perRule == ledger)
    }

    /// The totals follow the ledger whoever writes it: a spend row inserted by hand (or by a record type) counts.
    @Test func aLedgerRowWrittenAnyWayIsInTheTotals() async throws {
        let dir = try TemporaryDirectory(prefix: "quarters")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let id = try #require(try await store.recordIntake([.fixture(1)], at: Self.quarterStart).first?.id)
        try await store.writer.write { db in
            for (kind, amount, offset) in [("spend", 5_000, 1.5), ("fee", 40, 2.0), ("reserve", 9_000, 2.5)] {
                try db.execute(
                    sql: "INSERT INTO ledger (job_id, rule, kind, amount_msat, created_at) VALUES (?, 'edit', ?, ?, ?)",
                    arguments: [id, kind, amount, Self.quarterStart.addingTimeInterval(offset).databaseText])
            }
        }
        #expect(try await store.spentTotal(since: Self.quarterStart) == 5_040)
        #expect(try await store.spentTotal(since: Self.quarterStart, rule: "edit") == 5_040)
        #expect(try await store.spentTotal(since: Self.quarterStart.addingTimeInterval(1.75), rule: "edit") == 40)
    }

    @Test func theMigrationBuildsTheTotalsFromAnEarlierLedger() async throws {
        let dir = try TemporaryDirectory(prefix: "quarters")
        defer { dir.remove() }
        let store = try Store.open(stateFolder: dir.path)
        let times = try await Self.payAround(store)
        let expected = try store.reader.read { db in
            try Row.fetchAll(db, sql: "SELECT rule, quarter, amount_msat FROM rule_spend_by_quarter ORDER BY 1, 2")
        }
        try store.close()
        // As a v8 store holds it: the ledger only.
        try await rewindMigrations(
            ["v9"], in: dir.path,
            undo: "DROP TRIGGER ledger_spend_totals; DROP TABLE spend_by_quarter; DROP TABLE rule_spend_by_quarter")
        let migrated = try Store.open(stateFolder: dir.path)
        let rebuilt = try migrated.reader.read { db in
            try Row.fetchAll(db, sql: "SELECT rule, quarter, amount_msat FROM rule_spend_by_quarter ORDER BY 1, 2")
        }
        #expect(rebuilt == expected)
        #expect(rebuilt.count == 7, "\(rebuilt)")
        for start in Self.starts(around: times) {
            #expect(
                try await migrated.spentTotal(since: start)
                    == (try await Self.ledgerSum(migrated, since: start, rule: nil)))
        }
    }
}
