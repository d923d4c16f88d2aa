import DropboltCore
import DropboltLightning
import DropboltTesting
import Testing

/// The contract every HTTP wallet backend keeps, checked against a fake node that speaks the backend's real API
/// (``FakeLND``, ``FakeCLN``, ``FakePhoenixd``). Each suite builds one of these and calls its checks, so the three
/// backends are held to the same promises with the same code.
///
/// The fake's ``FakeWalletBook`` records what the backend sent; every check ends by requiring that the backend broke
/// none of the node's rules.
struct WalletContract {
    /// The fake node's payments, balance and violations.
    let book: FakeWalletBook
    /// A backend pointed at the fake, giving up on a payment after `timeout`.
    let wallet: @Sendable (_ timeout: Duration) -> any Wallet
    /// A backend pointed at the fake with a wrong secret.
    let wrongSecretWallet: @Sendable () -> any Wallet
    /// The fee limit the node should see for a `maxFee` (its own unit, rounded down), or nil when it takes none.
    let expectedFeeLimitMsat: @Sendable (_ maxFee: Millisatoshi) -> Int64?
    /// Whether the backend can pass a fee limit to the node.
    let supportsFeeLimit: Bool
    /// Whether the backend bounds the node's route search (LND `timeout_seconds`, CLN `retry_for`).
    let boundsRouteSearch: Bool
    /// The secret itself, which must appear in no error.
    let secret: String

    /// Pays a planned invoice, gets the preimage and the real fee, and finds the same payment by lookup.
    func paysAndLooksUp() async throws {
        let planned = book.plan(amountSats: 500, outcome: .succeed(feeMsat: 3_000))
        let invoice = try Invoice.decode(planned.bolt11)
        let maxFee = Millisatoshi(7_500)
        let payment = try await wallet(.seconds(20)).pay(invoice, maxFee: maxFee)
        #expect(payment.preimageMatchesHash)
        #expect(Hex.string(payment.preimage) == planned.preimageHex)
        #expect(payment.amount == .sats(500))
        #expect(payment.fee == Millisatoshi(3_000))
        #expect(book.feeLimitMsat(planned.paymentHashHex) == expectedFeeLimitMsat(maxFee))
        // Three quarters of the 20 s call for the route search, so the answer fits in wallet.timeout_seconds.
        #expect(book.searchSeconds(planned.paymentHashHex) == (boundsRouteSearch ? 15 : nil))

        let status = try await wallet(.seconds(20)).lookup(paymentHash: invoice.paymentHash)
        guard case .succeeded(let looked) = status else {
            Issue.record("lookup after success gave \(status)")
            return
        }
        #expect(looked.preimage == payment.preimage)
        #expect(looked.fee == Millisatoshi(3_000))
        try expectOnePayCallAndNoViolations(planned)
    }

    /// A node-reported failure of `outcome` is the typed error `shortDescription` and says nothing was paid; the
    /// lookup then reports the payment failed.
    func failureMovesNothing(_ outcome: FakeWalletBook.Outcome, is shortDescription: String) async throws {
        let planned = book.plan(amountSats: 210, outcome: outcome)
        let invoice = try Invoice.decode(planned.bolt11)
        let error = await payError(invoice, timeout: .seconds(20))
        #expect(error?.shortDescription == shortDescription, "\(String(describing: error))")
        #expect(error?.moneyMayHaveMoved == false)
        let status = try await wallet(.seconds(20)).lookup(paymentHash: invoice.paymentHash)
        guard case .failed = status else {
            Issue.record("lookup after a failure gave \(status)")
            return
        }
        try expectOnePayCallAndNoViolations(planned)
    }

    /// The node holds the payment past the backend's deadline (``FakeWalletBook/Outcome/hold``), or the connection
    /// breaks mid-answer (``FakeWalletBook/Outcome/dropConnection``): the outcome is unknown (money may have moved),
    /// the lookup says pending, and once the node settles it the lookup gives the preimage — without a second payment.
    func unknownUntilLookedUp(_ outcome: FakeWalletBook.Outcome) async throws {
        let planned = book.plan(amountSats: 42, outcome: outcome)
        let invoice = try Invoice.decode(planned.bolt11)
        let error = await payError(invoice, timeout: .seconds(1))
        #expect(error?.shortDescription == "outcomeUnknown", "\(String(describing: error))")
        #expect(error?.moneyMayHaveMoved == true)
        #expect(try await wallet(.seconds(20)).lookup(paymentHash: invoice.paymentHash) == .pending)

        book.settle(planned.paymentHashHex, feeMsat: 1_000)
        let status = try await wallet(.seconds(20)).lookup(paymentHash: invoice.paymentHash)
        guard case .succeeded(let payment) = status else {
            Issue.record("lookup after settling gave \(status)")
            return
        }
        #expect(payment.preimageMatchesHash && Hex.string(payment.preimage) == planned.preimageHex)
        #expect(payment.fee == Millisatoshi(1_000))
        try expectOnePayCallAndNoViolations(planned)
    }

    /// A hash the node never saw is `notFound` (the engine may then pay; nothing is in flight).
    func neverSentIsNotFound() async throws {
        let planned = book.plan(amountSats: 1, outcome: .succeed(feeMsat: 0))
        let invoice = try Invoice.decode(planned.bolt11)
        #expect(try await wallet(.seconds(20)).lookup(paymentHash: invoice.paymentHash) == .notFound)
        #expect(book.payCalls(planned.paymentHashHex) == 0)
        #expect(book.violations.isEmpty, "\(book.violations)")
    }

    /// `info()` reports the node (id, regtest) and whether a fee limit is honoured; `balance()` the node's balance
    /// in msat.
    func reportsInfoAndBalance() async throws {
        let info = try await wallet(.seconds(20)).info()
        #expect(info.nodeID == InvoiceSigner.specPayeeHex)
        #expect(info.network == .regtest)
        #expect(info.supports.contains([.pay, .lookup, .balance]))
        #expect(info.supports.contains(.feeLimit) == supportsFeeLimit)
        #expect(try await wallet(.seconds(20)).balance() == Millisatoshi(book.balanceMsat))
        #expect(book.violations.isEmpty, "\(book.violations)")
    }

    /// A wrong secret is `unauthorized`, nothing paid, and the message never contains the secret.
    func wrongSecretIsUnauthorized() async throws {
        let planned = book.plan(amountSats: 5, outcome: .succeed(feeMsat: 0))
        let invoice = try Invoice.decode(planned.bolt11)
        let wrong = wrongSecretWallet()
        do {
            _ = try await wrong.pay(invoice, maxFee: .sats(1))
            Issue.record("a payment with a wrong secret succeeded")
        } catch {
            #expect(error.shortDescription == "unauthorized", "\(error)")
            #expect(!error.moneyMayHaveMoved)
            #expect(!"\(error)".contains(secret))
        }
        do {
            _ = try await wrong.balance()
            Issue.record("a balance with a wrong secret succeeded")
        } catch {
            #expect(error.shortDescription == "unauthorized", "\(error)")
        }
        #expect(book.payCalls(planned.paymentHashHex) == 0)
        #expect(!wallet(.seconds(1)).identity.contains(secret))
    }

    /// The payment error `pay` throws, or nil (recorded as an issue) when it succeeded.
    func payError(_ invoice: Invoice, timeout: Duration) async -> PaymentError? {
        do {
            _ = try await wallet(timeout).pay(invoice, maxFee: .sats(10))
            Issue.record("the payment succeeded")
            return nil
        } catch {
            return error
        }
    }

    private func expectOnePayCallAndNoViolations(_ planned: FakeWalletBook.Planned) throws {
        #expect(book.payCalls(planned.paymentHashHex) == 1)
        #expect(book.violations.isEmpty, "\(book.violations)")
    }
}
