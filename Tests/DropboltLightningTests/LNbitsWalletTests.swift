import AsyncHTTPClient
import DropboltCore
import DropboltLightning
import DropboltTesting
import Foundation
import Testing

/// The LNbits backend against a real LNbits (FakeWallet funding; payments between its accounts are internal).
@Suite(.serialized)
struct LNbitsWalletTests {
    static func withLNbits(_ body: (LNbitsServer) async throws -> Void) async throws {
        try await body(LNbitsServer.forTest())
    }

    static func wallet(_ server: LNbitsServer, key: String? = nil) -> LNbitsWallet {
        LNbitsWallet(url: server.url, adminKey: key ?? server.payer.adminkey, httpClient: .shared, timeout: .seconds(30))
    }

    @Test func paysLooksUpAndAccountsToTheMillisatoshi() async throws {
        try await Self.withLNbits { server in
            let wallet = Self.wallet(server)
            let before = try await wallet.balance()
            let created = try await server.createInvoice(amountSats: 321, memo: "test", expirySeconds: 600)
            let invoice = try Invoice.decode(created.bolt11)
            let payment = try await wallet.pay(invoice, maxFee: .sats(10))
            #expect(payment.preimageMatchesHash)
            #expect(Hex.string(payment.paymentHash) == created.paymentHash)
            #expect(payment.amount == .sats(321))
            let after = try await wallet.balance()
            #expect(before.rawValue - after.rawValue == 321_000 + payment.fee.rawValue)

            let status = try await wallet.lookup(paymentHash: invoice.paymentHash)
            guard case .succeeded(let looked) = status else {
                Issue.record("lookup gave \(status)")
                return
            }
            #expect(looked.preimage == payment.preimage)
        }
    }

    @Test func infoNamesTheWalletReportsNoNetworkAndMovesNoMoney() async throws {
        try await Self.withLNbits { server in
            let wallet = Self.wallet(server)
            let before = try await wallet.balance()
            let info = try await wallet.info()
            #expect(info.backend == "lnbits")
            // LNbits does not say which network its funding source runs on (wallet.network, or the first paid invoice).
            #expect(info.network == nil)
            #expect(info.supports == [.pay, .lookup, .balance])
            #expect(!info.supports.contains(.feeLimit))
            #expect(try await wallet.balance() == before)
            #expect(try await server.succeededOutgoingPayments(server.payer).isEmpty)
            // A key LNbits refuses: unauthorized, not a missing network.
            let refused = await #expect(throws: PaymentError.self) {
                _ = try await Self.wallet(server, key: String(repeating: "0", count: 32)).info()
            }
            #expect(refused?.isUnauthorized == true)
        }
    }

    @Test func refusalsSayThatNoMoneyMoved() async throws {
        try await Self.withLNbits { server in
            let wallet = Self.wallet(server)
            let created = try await server.createInvoice(amountSats: 50, memo: "twice", expirySeconds: 600)
            let invoice = try Invoice.decode(created.bolt11)
            _ = try await wallet.pay(invoice, maxFee: .zero)
            do {
                _ = try await wallet.pay(invoice, maxFee: .zero)
                Issue.record("paying twice succeeded")
            } catch let error as PaymentError {
                #expect(!error.moneyMayHaveMoved, "\(error)")
            }

            let huge = try Invoice.decode(
                try await server.createInvoice(amountSats: 5_000_000, memo: "too much", expirySeconds: 600).bolt11)
            do {
                _ = try await wallet.pay(huge, maxFee: .zero)
                Issue.record("paying above the balance succeeded")
            } catch let error as PaymentError {
                #expect(error.shortDescription == "insufficientBalance", "\(error)")
                #expect(!error.moneyMayHaveMoved)
            }

            let badKey = Self.wallet(server, key: "0123456789abcdef0123456789abcdef")
            do {
                _ = try await badKey.balance()
                Issue.record("a wrong key was accepted")
            } catch let error as PaymentError {
                #expect(error.shortDescription == "unauthorized")
                #expect(!error.description.contains("0123456789abcdef0123456789abcdef"))
            }
            let unknown = try await wallet.lookup(paymentHash: [UInt8](repeating: 7, count: 32))
            #expect(unknown == .notFound)
        }
    }

    @Test func unreachableWalletIsNotAnUnknownOutcome() async throws {
        let wallet = LNbitsWallet(url: "http://127.0.0.1:9", adminKey: "secret-key-value", httpClient: .failingFast)
        let invoice = try Invoice.decode(
            "lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx85fkpmdla2087ne0xh8nhedh8w27kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4vgpfna3rh"
        )
        do {
            _ = try await wallet.pay(invoice, maxFee: .zero)
            Issue.record("paying through a closed port succeeded")
        } catch {
            #expect(error.shortDescription == "unavailable", "\(error)")
            #expect(!error.moneyMayHaveMoved)
            #expect(!error.description.contains("secret-key-value"))
        }
    }
}
