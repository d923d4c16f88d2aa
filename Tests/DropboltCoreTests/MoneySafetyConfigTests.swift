import DropboltCore
import DropboltTesting
import Foundation
import Testing

/// Issue 8, gaps 5 and 7: absurd limits are refused at load, the budget decision never overflows, and no rule may
/// watch the state folder.
struct PaymentBudgetTests {
    private let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func limits(perImage: Int64 = 500_000, ruleDaily: Int64? = nil, daily: Int64 = 5_000_000,
        monthly: Int64 = 50_000_000) -> BudgetLimits {
        BudgetLimits(
            perImageMsat: perImage, ruleDailyMsat: ruleDaily, dailyMsat: daily, monthlyMsat: monthly,
            dayStart: now, monthStart: now, nextDay: now.addingTimeInterval(86_400),
            nextMonth: now.addingTimeInterval(30 * 86_400))
    }

    private func usage(_ today: Int64 = 0, rule: Int64 = 0, month: Int64 = 0) -> BudgetUsage {
        BudgetUsage(todayMsat: today, ruleTodayMsat: rule, monthMsat: month)
    }

    @Test func anInvoiceThatFitsReservesAmountPlusTheLargestFee() {
        let verdict = PaymentBudget.decide(amount: .sats(300), maxFee: .sats(10), usage: usage(), limits: limits())
        #expect(verdict == .approved(reserve: .sats(310)))
    }

    @Test func exactlyReachingALimitIsAllowedOneMsatMoreIsNot() {
        let full = limits(daily: 310_000)
        #expect(PaymentBudget.decide(amount: .sats(300), maxFee: .sats(10), usage: usage(), limits: full)
            == .approved(reserve: .sats(310)))
        let verdict = PaymentBudget.decide(amount: .sats(300), maxFee: .sats(10), usage: usage(1), limits: full)
        guard case .refused(let reason, let retryAt) = verdict else { Issue.record("approved"); return }
        #expect(reason.code == .dailyBudget)
        #expect(retryAt == full.nextDay)
    }

    @Test func eachLimitRefusesWithItsOwnCodeAndRetryTime() {
        let cases: [(BudgetLimits, BudgetUsage, JobReason.Code, Date?)] = [
            (limits(perImage: 299_999), usage(), .aboveImageLimit, nil),
            (limits(), usage(4_800_000), .dailyBudget, now.addingTimeInterval(86_400)),
            (limits(ruleDaily: 600_000), usage(0, rule: 400_000), .ruleDailyBudget, now.addingTimeInterval(86_400)),
            (limits(), usage(0, month: 49_800_000), .monthlyBudget, now.addingTimeInterval(30 * 86_400)),
        ]
        for (limits, usage, code, retryAt) in cases {
            let verdict = PaymentBudget.decide(amount: .sats(300), maxFee: .sats(10), usage: usage, limits: limits)
            #expect(verdict.refusal?.code == code, "\(verdict)")
            #expect(verdict.retryAt == retryAt, "\(code)")
        }
    }

    @Test func hugeAmountsAreRefusedNeverWrappedOrTrapped() {
        let open = limits(perImage: .max, daily: .max, monthly: .max)
        let overflowingFee = PaymentBudget.decide(
            amount: Millisatoshi(.max - 5), maxFee: Millisatoshi(10), usage: usage(), limits: open)
        #expect(overflowingFee.refusal?.code == .amountOverflow)
        let overflowingUsage = PaymentBudget.decide(
            amount: Millisatoshi(1_000), maxFee: .zero, usage: usage(.max - 10), limits: open)
        #expect(overflowingUsage.refusal?.code == .amountOverflow)
        let negativeFee = PaymentBudget.decide(amount: .sats(1), maxFee: Millisatoshi(-1), usage: usage(), limits: open)
        #expect(negativeFee.refusal != nil)
    }
}

extension BudgetVerdict {
    fileprivate var refusal: JobReason? {
        if case .refused(let reason, _) = self { return reason }
        return nil
    }
    fileprivate var retryAt: Date? {
        if case .refused(_, let retryAt) = self { return retryAt }
        return nil
    }
}

struct AbsurdLimitTests {
    @Test(arguments: [
        ("budget:\n  daily_sats: 9999999999999999\n", "budget.daily_sats", 2),
        ("budget:\n  monthly_sats: 2100000000000001\n", "budget.monthly_sats", 2),
        ("budget:\n  max_sats_per_image: 9223372036854775807\n", "budget.max_sats_per_image", 2),
    ])
    func limitsAboveAllBitcoinAreRefusedWithTheirLine(yaml: String, key: String, line: Int) throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError(yaml, in: folder)
        #expect(error.key == key)
        #expect(error.description.hasPrefix("\(folder.path)/dropbolt.yaml:\(line):"), "\(error)")
        #expect(error.description.contains("more than all the bitcoin"), "\(error)")
    }

    @Test func allTheBitcoinIsStillAValidLimit() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = try folder.write("dropbolt.yaml", contents: "budget:\n  monthly_sats: 2100000000000000\n")
        let configuration = try DropboltConfiguration.load(path: path, environment: ["HOME": folder.path])
        #expect(configuration.budget.monthlySats == Millisatoshi.allBitcoinSats)
    }

    @Test func aRuleLimitAboveAllBitcoinIsRefused() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try ruleError("watch: inbox\naction: analyze\ndaily_sats: 99999999999999999\n", in: folder)
        #expect(error.key == "daily_sats")
        #expect(error.description.contains(":3:"), "\(error)")
    }
}

struct WatchRootTests {
    @Test func theStateFolderItsParentsAndItsInsideAreRefused() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.makeFolder("data/state/spool")
        let state = folder.url("data/state")
        #expect(WatchRoot.overlap(watch: state, stateFolder: state) != nil)
        #expect(WatchRoot.overlap(watch: state + "/", stateFolder: state) != nil)
        #expect(WatchRoot.overlap(watch: folder.url("data"), stateFolder: state) != nil)
        #expect(WatchRoot.overlap(watch: "/", stateFolder: state) != nil)
        #expect(WatchRoot.overlap(watch: folder.url("data/state/spool"), stateFolder: state) != nil)
        try folder.makeFolder("data/inbox")
        #expect(WatchRoot.overlap(watch: folder.url("data/inbox"), stateFolder: state) == nil)
        // A sibling whose name starts like the state folder's is not inside it.
        try folder.makeFolder("data/state2")
        #expect(WatchRoot.overlap(watch: folder.url("data/state2"), stateFolder: state) == nil)
    }

    @Test func aSymlinkToTheStateFolderIsSeenThrough() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.makeFolder("state")
        try FileManager.default.createSymbolicLink(atPath: folder.url("alias"), withDestinationPath: folder.url("state"))
        #expect(WatchRoot.overlap(watch: folder.url("alias"), stateFolder: folder.url("state")) != nil)
    }

    @Test func aRuleWatchingAboveTheStateFolderIsDisabledWithItsLine() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.makeFolder("state")
        let path = try folder.write("rules/all.yaml", contents: "action: analyze\nwatch: .\n")
        let error = try #require(throws: ConfigError.self) {
            _ = try Rule.load(file: path, baseFolder: folder.path, stateFolder: folder.url("state"))
        }
        #expect(error.key == "watch")
        #expect(error.description.hasPrefix("\(path):2:"), "\(error)")
        #expect(error.description.contains("contains the state folder"), "\(error)")
        // Loaded as a set, only that rule is off.
        try folder.makeFolder("inbox")
        try folder.write("rules/ok.yaml", contents: "action: analyze\nwatch: inbox\n")
        let set = RuleSet.load(folder: folder.url("rules"), baseFolder: folder.path, stateFolder: folder.url("state"))
        #expect(set.rules.map(\.name) == ["ok"])
        #expect(set.problems.count == 1)
    }

    @Test func veryWideRootsAreWarnedAbout() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.makeFolder("inbox")
        try folder.write("rules/home.yaml", contents: "action: analyze\nwatch: \(folder.path)\n")
        try folder.write("rules/narrow.yaml", contents: "action: analyze\nwatch: inbox\n")
        let set = RuleSet.load(folder: folder.url("rules"), baseFolder: folder.path)
        let warnings = WatchRoot.wideRootWarnings(set, environment: ["HOME": folder.path])
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("rule home watches") == true)
    }
}
