import Crypto
import DropboltCore
import DropboltLightning
import Foundation
import Logging
import Testing

@testable import DropboltNostr

/// ``NWCWallet`` over a real WebSocket to an in-process relay with a fake wallet service behind it.
@Suite struct NWCWalletTests {
    static let logger = Logger(label: "nwc-test") { _ in SwiftLogNoOpLogHandler() }

    /// A relay and wallet; the info event offers `encryption` (nil: no tag; `.none`: no info event at all).
    struct Setup {
        let relay: FakeRelay
        let service: FakeWalletService
        let wallet: NWCWallet

        static func make(
            encryption: String?? = "nip44_v2 nip04", balance: Int64 = 1_000_000, timeout: Duration = .seconds(10)
        ) async throws -> Setup {
            let service = FakeWalletService(balance: balance)
            let relay = try await FakeRelay.start(wallet: service)
            if case .some(let tag) = encryption { await relay.hub.store(service.infoEvent(encryption: tag)) }
            let uri = try WalletConnectURI(parsing: service.connectionString(relay: relay.url))
            return Setup(
                relay: relay, service: service, wallet: NWCWallet(connection: uri, timeout: timeout, logger: logger))
        }

        /// Runs `body` with a fresh setup and stops the relay afterwards, also when `body` throws.
        static func run(
            encryption: String?? = "nip44_v2 nip04", balance: Int64 = 1_000_000, timeout: Duration = .seconds(10),
            _ body: (Setup) async throws -> Void
        ) async throws {
            let setup = try await make(encryption: encryption, balance: balance, timeout: timeout)
            do {
                try await body(setup)
            } catch {
                await setup.relay.stop()
                throw error
            }
            await setup.relay.stop()
        }
    }

    @Test(arguments: ["nip44_v2 nip04", nil] as [String?])
    func paysLooksUpAndReadsTheBalance(_ encryption: String?) async throws {
        try await Setup.run(encryption: .some(encryption)) { setup in
            let (bolt11, preimage) = await setup.service.makeInvoice(sats: 21)
            let invoice = try Invoice.decode(bolt11)

            let payment = try await setup.wallet.pay(invoice, maxFee: .sats(10))
            #expect(payment.preimage == preimage)
            #expect(payment.preimageMatchesHash)
            #expect(payment.amount == .sats(21))
            #expect(payment.fee == Millisatoshi(1000))

            guard case .succeeded(let found) = try await setup.wallet.lookup(paymentHash: invoice.paymentHash) else {
                Issue.record("lookup did not find the payment")
                return
            }
            #expect(found.preimage == preimage)
            #expect(try await setup.wallet.lookup(paymentHash: [UInt8](repeating: 9, count: 32)) == .notFound)
            #expect(try await setup.wallet.balance() == Millisatoshi(1_000_000 - 21_000 - 1000))
            #expect(await setup.service.totalPayAttempts == 1)
            // NIP-44 when the info event offers it, NIP-04 when it carries no encryption tag: for every request.
            let expected: NWCEncryption = encryption == nil ? .nip04 : .nip44
            let schemes = await setup.service.schemesReceived
            #expect(schemes.count == 4 && schemes.allSatisfy { $0 == expected }, "\(schemes)")
        }
    }

    @Test func infoComesFromGetInfo() async throws {
        try await Setup.run { setup in
            let info = try await setup.wallet.info()
            #expect(info.backend == "nwc")
            #expect(info.network == .regtest)
            #expect(info.alias == "fake")
            #expect(info.nodeID == setup.service.key.publicKey.hex)
            #expect(info.supports == [.pay, .lookup, .balance])
        }
    }

    @Test func identityNamesTheWalletAndRelayButNeverTheSecret() async throws {
        try await Setup.run { setup in
            let identity = setup.wallet.identity
            #expect(
                identity
                    == "nwc \(setup.service.key.publicKey.hex) relay:\(setup.relay.url) "
                    + "client:\(setup.service.clientKey.publicKey.hex)")
            #expect(!identity.contains(Hex.string(setup.service.clientKey.bytes)))
            #expect(setup.wallet.backendName == "nwc")
            let secret = Hex.string(setup.service.clientKey.bytes)
            var dumped = ""
            dump(setup.wallet, to: &dumped)
            var dumpedURI = ""
            dump(try WalletConnectURI(parsing: setup.service.connectionString(relay: setup.relay.url)), to: &dumpedURI)
            for text in ["\(setup.wallet)", String(reflecting: setup.wallet), dumped, dumpedURI] {
                #expect(!text.contains(secret), "\(text)")
            }
            // dump lists byte arrays element by element: only the wallet's public key may appear that way.
            #expect(dumpedURI.components(separatedBy: "bytes: 32 elements").count == 2, "\(dumpedURI)")
            #expect(dumpedURI.contains("secret: NostrSecretKey(***)"), "\(dumpedURI)")
        }
    }

    @Test func aNotFoundIsDefinitiveOnlyAfterTheRequestsExpiration() async throws {
        try await Setup.run(timeout: .seconds(30)) { setup in
            #expect(setup.wallet.notFoundGrace == .seconds(90))
        }
    }

    @Test func withoutAnInfoEventTheWalletFallsBackToNIP04() async throws {
        try await Setup.run(encryption: .none) { setup in
            let balance = try await setup.wallet.balance()
            #expect(balance == Millisatoshi(1_000_000))
            #expect(await setup.service.schemesReceived == [.nip04])
        }
    }

    @Test func aRelayDropAfterPublishingIsOutcomeUnknownAndTheLookupFindsThePaymentWithoutPayingAgain() async throws {
        try await Setup.run(timeout: .seconds(3)) { setup in
            let (bolt11, preimage) = await setup.service.makeInvoice(sats: 50)
            let invoice = try Invoice.decode(bolt11)
            _ = try await setup.wallet.balance()  // negotiates encryption before the fault
            await setup.relay.hub.inject(.dropRequesterOnNextRequest)

            let error = await #expect(throws: PaymentError.self) {
                try await setup.wallet.pay(invoice, maxFee: .sats(10))
            }
            #expect(error?.moneyMayHaveMoved == true)
            #expect(error?.shortDescription == "outcomeUnknown")
            // The client reconnected and subscribed again, but published the request only once.
            #expect(await setup.relay.hub.connectionCount >= 3)
            #expect(await setup.relay.hub.publishCounts.values.allSatisfy { $0 == 1 })
            #expect(await setup.service.payAttempts[invoice.paymentHashHex] == 1)

            guard case .succeeded(let found) = try await setup.wallet.lookup(paymentHash: invoice.paymentHash) else {
                Issue.record("lookup did not find the payment made while the relay was down")
                return
            }
            #expect(found.preimage == preimage)
            #expect(await setup.service.totalPayAttempts == 1)
        }
    }

    @Test func aWalletThatNeverAnswersIsOutcomeUnknownForPaymentsAndUnavailableForQueries() async throws {
        try await Setup.run(timeout: .seconds(1)) { setup in
            let (bolt11, _) = await setup.service.makeInvoice(sats: 5)
            _ = try await setup.wallet.balance()
            await setup.service.setAnswering(false)
            let payError = await #expect(throws: PaymentError.self) {
                try await setup.wallet.pay(try Invoice.decode(bolt11), maxFee: .sats(1))
            }
            #expect(payError?.shortDescription == "outcomeUnknown")
            let balanceError = await #expect(throws: PaymentError.self) { try await setup.wallet.balance() }
            #expect(balanceError?.shortDescription == "unavailable")
        }
    }

    @Test func aRefusedRequestWasNeverDeliveredSoNothingWasPaid() async throws {
        try await Setup.run { setup in
            let (bolt11, _) = await setup.service.makeInvoice(sats: 5)
            _ = try await setup.wallet.balance()
            await setup.relay.hub.inject(.refuseEvents("blocked: test"))
            let error = await #expect(throws: PaymentError.self) {
                try await setup.wallet.pay(try Invoice.decode(bolt11), maxFee: .sats(1))
            }
            #expect(error?.moneyMayHaveMoved == false)
            #expect(error?.shortDescription == "unavailable")
            #expect(error?.message.contains("blocked: test") == true)
            #expect(await setup.service.totalPayAttempts == 0)
        }
    }

    @Test func aRelayThatDropsEverySubscriberNeverGetsTheRequest() async throws {
        try await Setup.run { setup in
            let (bolt11, _) = await setup.service.makeInvoice(sats: 5)
            _ = try await setup.wallet.balance()
            await setup.relay.hub.inject(.dropEverySubscriber)
            let error = await #expect(throws: PaymentError.self) {
                try await setup.wallet.pay(try Invoice.decode(bolt11), maxFee: .sats(1))
            }
            #expect(error?.moneyMayHaveMoved == false)
            #expect(await setup.relay.hub.requestsPublished == 1)  // only the earlier get_balance
            #expect(await setup.service.totalPayAttempts == 0)
        }
    }

    @Test func aRelayThatCannotTakeTheRequestPassesItToTheNextRelayOnce() async throws {
        let service = FakeWalletService(balance: 1_000_000)
        let down = try await FakeRelay.start(wallet: service)
        await down.stop()
        let refusing = try await FakeRelay.start(wallet: service)
        await refusing.hub.inject(.refuseEvents("blocked: test"))
        let working = try await FakeRelay.start(wallet: service)
        await working.hub.store(service.infoEvent(encryption: "nip44_v2"))
        let text =
            service.connectionString(relay: down.url)
            + "&relay=\(refusing.url.replacingOccurrences(of: "/", with: "%2F"))&relay=\(working.url)"
        let wallet = NWCWallet(
            connection: try WalletConnectURI(parsing: text), timeout: .seconds(5), logger: Self.logger)
        let (bolt11, preimage) = await service.makeInvoice(sats: 8)
        let payment = try await wallet.pay(try Invoice.decode(bolt11), maxFee: .sats(1))
        #expect(payment.preimage == preimage)
        #expect(wallet.identity.contains(" relay:\(down.url) "))
        #expect(await refusing.hub.requestsPublished == 1)
        #expect(await working.hub.requestsPublished == 1)
        #expect(await service.totalPayAttempts == 1)
        await refusing.stop()
        await working.stop()
    }

    @Test func anUnreachableRelayIsUnavailable() async throws {
        let setup = try await Setup.make()
        await setup.relay.stop()
        let (bolt11, _) = await setup.service.makeInvoice(sats: 5)
        let error = await #expect(throws: PaymentError.self) {
            try await setup.wallet.pay(try Invoice.decode(bolt11), maxFee: .sats(1))
        }
        #expect(error?.moneyMayHaveMoved == false)
        #expect(error?.shortDescription == "unavailable")
    }

    @Test func internalOnPayIsOutcomeUnknownAndInsufficientBalanceIsNot() async throws {
        try await Setup.run(balance: 10_000) { setup in
            let (first, _) = await setup.service.makeInvoice(sats: 5)
            await setup.service.failNextPayment(code: "INTERNAL", message: "payment failed")
            let internalError = await #expect(throws: PaymentError.self) {
                try await setup.wallet.pay(try Invoice.decode(first), maxFee: .sats(1))
            }
            #expect(internalError?.moneyMayHaveMoved == true)
            // The wallet never recorded it, which the engine learns from the lookup.
            let status = try await setup.wallet.lookup(paymentHash: try Invoice.decode(first).paymentHash)
            #expect(status == .notFound)

            let (tooBig, _) = await setup.service.makeInvoice(sats: 500)
            let balanceError = await #expect(throws: PaymentError.self) {
                try await setup.wallet.pay(try Invoice.decode(tooBig), maxFee: .sats(1))
            }
            #expect(balanceError?.moneyMayHaveMoved == false)
            #expect(balanceError?.shortDescription == "insufficientBalance")
        }
    }
}
