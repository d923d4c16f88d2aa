import AsyncHTTPClient
import DropboltCore
import DropboltLightning
import DropboltTesting
import Foundation
import Testing

/// What only the LND backend does, against ``FakeLND`` (the shared contract is in ``WalletContractTests``): a
/// second send of a hash, the certificate trusted from a file, the macaroon file.
@Suite(.serialized)
struct LNDWalletTests {
    /// A node of its own, so that these tests never change the balance the contract suite checks.
    static let node = StartedOnce { try await FakeLND.start() }
    /// Paying the same hash again is answered "already paid" by LND: an unknown outcome to look up, never a failure.
    @Test func secondSendOfAHashIsUnknownNotFailed() async throws {
        let contract = try ContractBackend.lndContract(try await Self.node.value())
        let planned = contract.book.plan(amountSats: 9, outcome: .succeed(feeMsat: 0))
        let invoice = try Invoice.decode(planned.bolt11)
        _ = try await contract.wallet(.seconds(20)).pay(invoice, maxFee: .zero)
        // A zero limit is sent as 0 (zero-fee routes only), never left out (LND's "no limit" is max int).
        #expect(contract.book.feeLimitMsat(planned.paymentHashHex) == 0)
        let error = await contract.payError(invoice, timeout: .seconds(20))
        #expect(error?.shortDescription == "outcomeUnknown", "\(String(describing: error))")
    }

    /// A server presenting another certificate than the trusted file's is refused before any request is sent.
    @Test func anotherCertificateIsRefused() async throws {
        let fake = try await Self.node.value()
        let other = try SelfSignedCertificate.make()
        let wallet = LNDWallet(
            url: fake.url, macaroon: fake.macaroon, tls: try LNDWallet.trust(certificateFile: other.certificatePath),
            httpClient: .failingFast, timeout: .seconds(10))
        do {
            _ = try await wallet.info()
            Issue.record("a server with an untrusted certificate was accepted")
        } catch {
            #expect(error.shortDescription == "unavailable", "\(error)")
        }
        let planned = fake.book.plan(amountSats: 3, outcome: .succeed(feeMsat: 0))
        let invoice = try Invoice.decode(planned.bolt11)
        do {
            _ = try await wallet.pay(invoice, maxFee: .zero)
            Issue.record("a payment through an untrusted certificate succeeded")
        } catch {
            #expect(error.shortDescription == "unavailable", "\(error) \(String(describing: error.cause))")
            #expect(!error.moneyMayHaveMoved)
        }
        #expect(fake.book.payCalls(planned.paymentHashHex) == 0)
    }

    @Test func macaroonFileMayBeBinaryOrHex() throws {
        let bytes: [UInt8] = [0x02, 0x01, 0x03, 0xff, 0x00, 0x10]
        #expect(try LNDWallet.macaroon(fromFile: Data(bytes)) == bytes)
        #expect(
            try LNDWallet.macaroon(fromFile: Data("0201 03ff0010\n".replacingOccurrences(of: " ", with: "").utf8))
                == bytes)
        #expect(throws: LNDWallet.CredentialError.self) { try LNDWallet.macaroon(fromFile: Data()) }
        #expect(throws: LNDWallet.CredentialError.self) {
            try LNDWallet.trust(certificateFile: "/nonexistent/tls.cert")
        }
    }
}
