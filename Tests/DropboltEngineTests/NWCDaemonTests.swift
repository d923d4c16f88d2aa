import DropboltCore
import DropboltLightning
import DropboltNostr
import DropboltStore
import DropboltTesting
import Foundation
import Logging
import Testing

@testable import DropboltEngine

/// The daemon paying through Nostr Wallet Connect: a real relay and an NIP-47 service in front of the test LNbits
/// (`tools/nwc/harness.py`), the fake sats4ai, real inotify and SQLite.
@Suite(
    .serialized,
    .enabled(if: NWCHarness.isAvailable, "tools/nwc/harness.py is not in this tree (it comes with the NWC tooling)"))
struct NWCDaemonTests {
    @Test func aRelayDropMidPaymentLeavesTheJobPayingUntilTheLookupFindsItAndItIsPaidOnce() async throws {
        let lnbits = try await LNbitsServer.forTest()
        let provider = try await FakeSats4AI.start(lnbits: lnbits)
        let nwc = try await NWCHarness.start(
            lnbitsURL: lnbits.url, adminKey: lnbits.payer.adminkey, dropOn: "pay_invoice", network: "mainnet")
        defer { nwc.stop() }
        let harness = try DaemonHarness(providerURL: provider.url)
        defer { harness.directory.remove() }
        let wallet = NWCWallet(
            connection: try WalletConnectURI(parsing: nwc.connectionURI), timeout: .seconds(5),
            logger: Logger(label: "nwc") { _ in SwiftLogNoOpLogHandler() })
        do {
            try await harness.withDaemon(wallet: wallet) { _ in
                let image = try harness.directory.write(
                    "inbox/products/shoe.png", data: Data(TestPNG.make(seed: Array("shoe".utf8))))
                let job = try await harness.waitForJob(image, state: .done, timeout: .seconds(120))
                #expect(job.reason == nil)
            }
        } catch {
            await provider.stop()
            Issue.record("\(error)\n\(nwc.log)")
            return
        }
        await provider.stop()
        #expect(FileManager.default.fileExists(atPath: harness.directory.url("inbox/products/shoe.nobg.png")))
        #expect(try await lnbits.succeededOutgoingPayments(lnbits.payer).count == 1)
        // The service saw one pay_invoice (answered by no one: the relay restarted) and the lookup that found it.
        #expect(nwc.log.components(separatedBy: "pay_invoice (").count == 2, "\(nwc.log)")
        #expect(nwc.log.contains("lookup_invoice"), "\(nwc.log)")
    }

    @Test func aWalletOnAnotherNetworkThanTheInvoiceIsAskedFirstAndNothingIsPaid() async throws {
        let lnbits = try await LNbitsServer.forTest()
        let provider = try await FakeSats4AI.start(lnbits: lnbits)
        // The service's get_info says regtest; LNbits' invoices are mainnet (lnbc…).
        let nwc = try await NWCHarness.start(lnbitsURL: lnbits.url, adminKey: lnbits.payer.adminkey, network: "regtest")
        defer { nwc.stop() }
        let harness = try DaemonHarness(providerURL: provider.url)
        defer { harness.directory.remove() }
        let wallet = NWCWallet(
            connection: try WalletConnectURI(parsing: nwc.connectionURI), timeout: .seconds(10),
            logger: Logger(label: "nwc") { _ in SwiftLogNoOpLogHandler() })
        do {
            try await harness.withDaemon(wallet: wallet) { _ in
                let image = try harness.directory.write(
                    "inbox/products/boot.png", data: Data(TestPNG.make(seed: Array("boot".utf8))))
                let job = try await harness.waitForJob(image, state: .failed, timeout: .seconds(60))
                #expect(job.reasonCode == .invoiceWrongNetwork, "\(job.reason ?? "")")
                #expect(job.reason?.contains("regtest") == true, "\(job.reason ?? "")")
            }
        } catch {
            await provider.stop()
            Issue.record("\(error)\n\(nwc.log)")
            return
        }
        await provider.stop()
        #expect(try await lnbits.succeededOutgoingPayments(lnbits.payer).isEmpty)
        #expect(nwc.log.contains("get_info"), "\(nwc.log)")
        #expect(!nwc.log.contains("pay_invoice ("), "\(nwc.log)")
    }
}
