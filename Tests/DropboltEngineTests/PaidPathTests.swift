import AsyncHTTPClient
import DropboltCore
import DropboltLightning
import DropboltStore
import DropboltTesting
import Foundation
import Testing

@testable import DropboltEngine

/// The whole paid path against a real LNbits (payer and payee) and the fake sats4ai on loopback.
@Suite(.serialized)
struct PaidPathTests {
    /// A real LNbits, the fake provider pointing at it, and a harness whose provider is the fake.
    struct World {
        let lnbits: LNbitsServer
        let provider: FakeSats4AI
        let harness: DaemonHarness
        let wallet: LNbitsWallet

        var payer: LNbitsServer.Keys { lnbits.payer }

        func payerBalance() async throws -> Int64 { try await lnbits.balanceMsat(payer) }

        func outgoingPayments() async throws -> [LNbitsPayment] {
            try await lnbits.succeededOutgoingPayments(payer)
        }
    }

    static func withWorld(
        extraConfig: String = "", rules: [String: String]? = nil, _ body: (World) async throws -> Void
    ) async throws {
        let lnbits = try await LNbitsServer.forTest()
        var provider: FakeSats4AI?
        do {
            let fake = try await FakeSats4AI.start(lnbits: lnbits)
            provider = fake
            let harness = try DaemonHarness(
                extraConfig: extraConfig, providerURL: fake.url,
                rules: rules ?? ["products": DaemonHarness.productsRule, "captions": DaemonHarness.captionsRule])
            defer { harness.directory.remove() }
            let wallet = LNbitsWallet(url: lnbits.url, adminKey: lnbits.payer.adminkey, httpClient: .shared)
            try await body(World(lnbits: lnbits, provider: fake, harness: harness, wallet: wallet))
        } catch {
            await provider?.stop()
            throw error
        }
        await provider?.stop()
    }

    /// Writes a small valid PNG, distinct per name.
    @discardableResult
    static func dropImage(_ harness: DaemonHarness, _ relative: String) throws -> String {
        try harness.directory.write(relative, data: Data(TestPNG.make(seed: Array(relative.utf8))))
    }

    @Test func twentyImagesGiveTwentyOutputsTwentyPaymentsAndSpendEqualToTheWalletsRecord() async throws {
        try await Self.withWorld { world in
            let harness = world.harness
            let before = try await world.payerBalance()
            try await harness.withDaemon(wallet: world.wallet) { _ in
                var originals: [String] = []
                for index in 0..<10 {
                    originals.append(try Self.dropImage(harness, "inbox/products/item\(index).png"))
                    originals.append(try Self.dropImage(harness, "inbox/captions/photo\(index).png"))
                }
                try await waitUntil(timeout: .seconds(180), pollEvery: .milliseconds(200), what: "20 done jobs") {
                    let jobs = try await harness.jobs()
                    let stuck = jobs.filter { [.failed, .attention].contains($0.state) }
                    #expect(stuck.isEmpty, "\(stuck.map { "\($0.path): \($0.reason ?? "")" })")
                    return jobs.filter { $0.state == .done }.count == 20 || !stuck.isEmpty
                }
                for original in originals {
                    let folder = (original as NSString).deletingLastPathComponent
                    let stem = ((original as NSString).lastPathComponent as NSString).deletingPathExtension
                    if folder.hasSuffix("products") {
                        let output = try #require(FileManager.default.contents(atPath: "\(folder)/\(stem).nobg.png"))
                        #expect(TestPNG.decode([UInt8](output)) != nil, "\(stem).nobg.png is not a PNG")
                    } else {
                        let text = try String(contentsOfFile: "\(folder)/\(stem).txt", encoding: .utf8)
                        #expect(text.hasPrefix("A test caption"))
                    }
                }
            }
            let after = try await world.payerBalance()
            let payments = try await world.outgoingPayments()
            #expect(payments.count == 20)
            #expect(world.provider.paidRequests == 20)
            #expect(world.provider.violations.isEmpty, "\(world.provider.violations)")
            let spend = try await harness.store().spend(by: .rule)
            let spent = spend.reduce(Int64(0)) { $0 + $1.amountMsat + $1.feeMsat }
            #expect(spent == before - after)
            #expect(spent == 10 * 300_000 + 10 * 21_000)
        }
    }

    @Test func malformedOrUnacceptableInvoicesAreRefusedWithoutPaying() async throws {
        let rule = DaemonHarness.productsRule + "\nmax_sats: 450\n"
        try await Self.withWorld(rules: ["products": rule]) { world in
            let harness = world.harness
            let before = try await world.payerBalance()
            try await harness.withDaemon(wallet: world.wallet) { _ in
                let cases: [(FakeSats4AI.ChallengeFault, String, JobState, String)] = [
                    (.amountless, "amountless", .failed, "no amount"),
                    (.zeroAmount, "zero", .failed, "zero sats"),
                    (.notBOLT11, "garbage", .failed, "invoice"),
                    (.malformedHeader, "header", .failed, "malformed 402"),
                    (.price(sats: 600), "pricey", .failed, "per-image limit"),
                    (.expired, "expired", .held, "expired"),
                ]
                for (fault, name, state, reason) in cases {
                    world.provider.overrideNextChallenge(fault)
                    let path = try Self.dropImage(harness, "inbox/products/\(name).png")
                    let job = try await harness.waitForJob(path, state: state)
                    #expect(job.reason?.contains(reason) == true, "\(name): \(job.reason ?? "")")
                    let status = try await StatusReport.load(configuration: try harness.configuration())
                    let shown = (state == .failed ? status.failed : status.queue).first { $0.path == path }
                    #expect(shown?.reason?.contains(reason) == true, "status does not show why \(name) stopped")
                }
            }
            #expect(try await world.payerBalance() == before)
            #expect(try await world.outgoingPayments().isEmpty)
            #expect(try await harness.store().succeededPayments().isEmpty)
        }
    }

    @Test func dailyLimitHoldsTheNextImageInsteadOfPaying() async throws {
        try await Self.withWorld(extraConfig: "budget:\n  daily_sats: 500\n") { world in
            let harness = world.harness
            try await harness.withDaemon(wallet: world.wallet) { _ in
                let first = try Self.dropImage(harness, "inbox/products/one.png")
                try await harness.waitForJob(first, state: .done)
                let second = try Self.dropImage(harness, "inbox/products/two.png")
                let held = try await harness.waitForJob(second, state: .held)
                #expect(held.reason?.contains("daily budget") == true, "\(held.reason ?? "")")
                let status = try await StatusReport.load(configuration: try harness.configuration())
                #expect(status.budget?.lines.first?.spentMsat == 300_000)
            }
            #expect(try await world.outgoingPayments().count == 1)
        }
    }

    /// A body above the in-memory size is streamed from its spool file, unpaid and paid: the provider gets the
    /// whole image, the same bytes both times, and one payment is made.
    @Test func aBigImageIsStreamedFromTheSpoolBothTimesAndPaidOnce() async throws {
        try await Self.withWorld { world in
            let harness = world.harness
            let size = 3_000_000
            var image: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            var generator = SystemRandomNumberGenerator()
            image += (8..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try await harness.withDaemon(wallet: world.wallet) { _ in
                let original = try harness.directory.write("inbox/captions/big.png", data: Data(image))
                try await waitUntil(timeout: .seconds(60), pollEvery: .milliseconds(100), what: "the big job done") {
                    let jobs = try await harness.jobs()
                    #expect(!jobs.contains { [.failed, .attention].contains($0.state) }, "\(jobs.map { $0.reason ?? "" })")
                    return jobs.contains { $0.state == .done }
                }
                let caption = try String(contentsOfFile: (original as NSString).deletingPathExtension + ".txt", encoding: .utf8)
                #expect(caption.contains("of \(size) bytes"), "\(caption)")
                let state = try harness.configuration().stateFolder
                #expect(try FileManager.default.contentsOfDirectory(atPath: state + "/spool").isEmpty)
            }
            #expect(try await world.outgoingPayments().count == 1)
            #expect(world.provider.paidRequests == 1)
            #expect(world.provider.violations.isEmpty, "\(world.provider.violations)")
        }
    }

    @Test func aPaymentRequiredAfterPayingNeedsAttentionAndIsNeverPaidTwice() async throws {
        try await Self.withWorld { world in
            let harness = world.harness
            try await harness.withDaemon(wallet: world.wallet) { _ in
                world.provider.failPaidRequests(.paymentRequiredAgain, times: 1)
                let path = try Self.dropImage(harness, "inbox/products/again.png")
                let job = try await harness.waitForJob(path, state: .attention)
                #expect(job.reason?.contains("HTTP 402") == true, "\(job.reason ?? "")")
                let status = try await StatusReport.load(configuration: try harness.configuration())
                #expect(status.attention.map(\.path) == [path])
            }
            #expect(try await world.outgoingPayments().count == 1)
            #expect(world.provider.challengesIssued == 2)
        }
    }

    @Test func aPreimageThatDoesNotMatchIsCaught() async throws {
        try await Self.withWorld { world in
            let harness = world.harness
            let lying = AlteringWallet.lying(world.wallet)
            try await harness.withDaemon(wallet: lying) { _ in
                let path = try Self.dropImage(harness, "inbox/products/lie.png")
                let job = try await harness.waitForJob(path, state: .attention)
                #expect(job.reason?.contains("preimage") == true, "\(job.reason ?? "")")
            }
            #expect(try await world.outgoingPayments().count == 1)
            #expect(world.provider.paidRequests == 0)
        }
    }

    @Test func aFeeAboveTheCapKeepsThePaidResultHoldsTheRuleAndIsShown() async throws {
        try await Self.withWorld { world in
            let harness = world.harness
            // The configured cap is wallet.max_fee_sats (10 by default): the backend reports 1 sat more.
            let cap = try harness.configuration().wallet?.maxFeeSats ?? 10
            let overCap = AlteringWallet(wallet: world.wallet) { $0.fee = Millisatoshi((cap + 1) * 1000) }
            try await harness.withDaemon(wallet: overCap) { _ in
                let first = try Self.dropImage(harness, "inbox/products/dear.png")
                try await harness.waitForJob(first, state: .done)
                let second = try Self.dropImage(harness, "inbox/products/next.png")
                let held = try await harness.waitForJob(second, state: .held)
                #expect(held.reasonCode == .ruleHeldFeeAboveCap, "\(held.reason ?? "")")
                #expect(held.reason?.contains("dropbolt rules release products") == true, "\(held.reason ?? "")")
            }
            // One payment, its reported fee recorded; the rule held in the store and in status.
            #expect(try await world.outgoingPayments().count == 1)
            let store = try harness.store()
            let holds = try await store.ruleHolds()
            #expect(holds.map(\.rule) == ["products"])
            let report = try await StatusReport.load(configuration: try harness.configuration())
            #expect(report.rules.held.map(\.reasonCode) == ["rule_held_fee_above_cap"])
            #expect(report.renderText().contains("held: rule products is held"), "\(report.renderText())")
            // Released, the held job goes on and pays once more.
            let release = try BinarySmokeTests.run(["rules", "release", "products", "--config", harness.configPath])
            #expect(release.status == 0, "\(release.output)")
            #expect(release.output.contains("1 held job"), "\(release.output)")
            try await harness.withDaemon(wallet: world.wallet) { _ in
                try await harness.waitForJob(harness.directory.url("inbox/products/next.png"), state: .done)
            }
            #expect(try await world.outgoingPayments().count == 2)
        }
    }

    @Test func aForeignInvoiceTheWalletCannotPayIsRetriedWithAFreshOne() async throws {
        try await Self.withWorld { world in
            let harness = world.harness
            try await harness.withDaemon(wallet: world.wallet) { _ in
                world.provider.overrideNextChallenge(.foreignInvoice)
                let path = try Self.dropImage(harness, "inbox/products/foreign.png")
                try await harness.waitForJob(path, state: .done)
            }
            #expect(try await world.outgoingPayments().count == 1)
            #expect(world.provider.challengesIssued == 2)
        }
    }

    @Test func withoutAWalletThePriceIsQuotedAndNothingPaid() async throws {
        try await Self.withWorld { world in
            let harness = world.harness
            let before = try await world.payerBalance()
            // `dropbolt models` is free: the binary lists the provider's models.
            let models = try BinarySmokeTests.run(["models", "--config", harness.configPath])
            #expect(models.status == 0)
            #expect(models.output.contains("price_sats="), "\(models.output)")
            try await harness.withDaemon(processJobs: true) { _ in
                let path = try Self.dropImage(harness, "inbox/products/quote.png")
                let job = try await harness.waitForJob(path, state: .held)
                #expect(job.reason == "quote-only: price 300 sats (no wallet configured)")
            }
            #expect(try await world.payerBalance() == before)
        }
    }
}

/// Pays for real through LNbits, then alters what it reports (a broken or malicious wallet backend, or one that
/// takes no fee limit and charged more).
struct AlteringWallet: Wallet {
    let wallet: LNbitsWallet
    let alter: @Sendable (inout Payment) -> Void
    var backendName: String { "altering" }
    var identity: String { wallet.identity }

    /// Reports a wrong preimage.
    static func lying(_ wallet: LNbitsWallet) -> AlteringWallet {
        AlteringWallet(wallet: wallet) { $0.preimage[0] ^= 0xff }
    }

    func pay(_ invoice: Invoice, maxFee: Millisatoshi) async throws(PaymentError) -> Payment {
        var payment = try await wallet.pay(invoice, maxFee: maxFee)
        alter(&payment)
        return payment
    }

    func lookup(paymentHash: [UInt8]) async throws(PaymentError) -> PaymentStatus {
        try await wallet.lookup(paymentHash: paymentHash)
    }

    func balance() async throws(PaymentError) -> Millisatoshi { try await wallet.balance() }

    func info() async throws(PaymentError) -> WalletInfo { try await wallet.info() }
}
