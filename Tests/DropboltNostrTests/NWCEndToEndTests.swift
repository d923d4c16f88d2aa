import DropboltCore
import DropboltLightning
import DropboltTesting
import Foundation
import Logging
import Testing

@testable import DropboltNostr

/// ``NWCWallet`` against a real relay (PyPI `nostr-relay`) and a wallet service written with PyPI `nostr-sdk` that
/// pays through the test LNbits (`tools/nwc/harness.py`, one harness per test, one LNbits per test run).
@Suite(
    .enabled(if: NWCHarness.isAvailable, "tools/nwc/harness.py is not in this tree (it comes with the NWC tooling)"),
    .timeLimit(.minutes(3)))
struct NWCEndToEndTests {
    static let logger = Logger(label: "nwc-e2e") { _ in SwiftLogNoOpLogHandler() }

    @Test func paysLooksUpAndReadsTheBalanceThroughARealRelay() async throws {
        let lnbits = try await LNbitsServer.forTest()
        let harness = try await NWCHarness.start(lnbitsURL: lnbits.url, adminKey: lnbits.payer.adminkey)
        defer { harness.stop() }
        let wallet = NWCWallet(
            connection: try WalletConnectURI(parsing: harness.connectionURI), timeout: .seconds(20), logger: Self.logger
        )

        let before = try await wallet.balance()
        #expect(before.rawValue == (try await lnbits.balanceMsat(lnbits.payer)))
        let (bolt11, hash) = try await lnbits.createInvoice(amountSats: 21, memo: "nwc e2e")
        let invoice = try Invoice.decode(bolt11)

        let payment = try await wallet.pay(invoice, maxFee: .sats(10))
        #expect(payment.preimageMatchesHash)
        // The service offers nip44_v2 and nip04 in its info event; dropbolt must have picked NIP-44.
        #expect(harness.log.contains("pay_invoice (nip44_v2)"), "\(harness.log)")
        #expect(invoice.paymentHashHex == hash)
        #expect(try await lnbits.isPaid(paymentHash: hash))

        guard case .succeeded(let found) = try await wallet.lookup(paymentHash: invoice.paymentHash) else {
            Issue.record("lookup_invoice did not report the payment settled\n\(harness.log)")
            return
        }
        #expect(found.preimage == payment.preimage)
        #expect(try await wallet.balance() == before - .sats(21) - payment.fee)
        #expect(try await lnbits.succeededOutgoingPayments(lnbits.payer).count == 1)

        let info = try await wallet.info()
        #expect(info.network == .regtest)
        #expect(info.supports.isSuperset(of: [.pay, .lookup, .balance]))
        #expect(!harness.log.contains(Hex.string(try WalletConnectURI(parsing: harness.connectionURI).secret.bytes)))
    }

    @Test func aRelayDropMidPaymentIsOutcomeUnknownThenTheLookupFindsItAndNothingIsPaidTwice() async throws {
        let lnbits = try await LNbitsServer.forTest()
        let harness = try await NWCHarness.start(
            lnbitsURL: lnbits.url, adminKey: lnbits.payer.adminkey, dropOn: "pay_invoice")
        defer { harness.stop() }
        let wallet = NWCWallet(
            connection: try WalletConnectURI(parsing: harness.connectionURI), timeout: .seconds(4), logger: Self.logger)
        let (bolt11, hash) = try await lnbits.createInvoice(amountSats: 34, memo: "nwc drop")
        let invoice = try Invoice.decode(bolt11)

        let error = await #expect(throws: PaymentError.self) { try await wallet.pay(invoice, maxFee: .sats(10)) }
        #expect(error?.moneyMayHaveMoved == true)
        #expect(error?.shortDescription == "outcomeUnknown")

        // What the engine does with a job left in `paying`: look it up, never pay again.
        guard case .succeeded(let found) = try await wallet.lookup(paymentHash: invoice.paymentHash) else {
            Issue.record("lookup_invoice after the drop did not report the payment settled\n\(harness.log)")
            return
        }
        #expect(found.preimageMatchesHash)
        #expect(try await lnbits.isPaid(paymentHash: hash))
        let paid = try await lnbits.succeededOutgoingPayments(lnbits.payer)
        #expect(paid.count == 1)
        #expect(paid.first?.paymentHash == hash)
        // One pay_invoice request reached the wallet service: the reconnect did not publish it again.
        #expect(harness.log.components(separatedBy: "pay_invoice (").count == 2, "\(harness.log)")
    }
}
