import AsyncHTTPClient
import DropboltCore
import DropboltLightning
import DropboltTesting
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The random faults of the chaos run (`make chaos`): the fake provider's generic 500 after payment and the wallet
/// proxy that withholds a payment's answer. Both against a real LNbits.
@Suite("Chaos faults")
struct ChaosFaultTests {
    @Test("FaultDice: the same seed gives the same rolls; 0 never, 1 always")
    func diceIsSeeded() {
        var first = FaultDice(seed: 99)
        var second = FaultDice(seed: 99)
        let a = (0..<200).map { _ in first.roll(0.3) }
        let b = (0..<200).map { _ in second.roll(0.3) }
        #expect(a == b)
        #expect((40...80).contains(a.filter { $0 }.count))
        var dice = FaultDice(seed: 1)
        #expect(!(0..<100).contains { _ in dice.roll(0) })
        #expect((0..<100).allSatisfy { _ in dice.roll(1) })
    }

    @Test("paidFailureRate: a paid request answered 500 keeps its token, and the same credential then succeeds")
    func paidFailureKeepsTheToken() async throws {
        // A seed whose first roll at 0.5 fails the request and whose second lets it through.
        let seed = try #require(
            (UInt64(0)..<1000).first { seed in
                var dice = FaultDice(seed: seed)
                return dice.roll(0.5) && !dice.roll(0.5)
            })
        let lnbits = try await LNbitsServer.forTest()
        let fake = try await FakeSats4AI.start(
            lnbits: lnbits, configuration: .init(paidFailureRate: 0.5, faultSeed: seed))
        do {
            let body = Array(#"{"image":"iVBORw0KGgoAAAAA"}"#.utf8)
            let challenge = try await Self.post(fake.url + FakeSats4AI.Endpoint.analyzeImage.path, body)
            #expect(challenge.status == 402)
            let header = try #require(challenge.headers.first(name: "WWW-Authenticate"))
            let token = try #require(Self.parameter("token", in: header))
            let invoice = try #require(Self.parameter("invoice", in: header))
            let paid = try await lnbits.pay(bolt11: invoice)
            let credential = "L402 \(token):\(paid.preimage)"
            let failed = try await Self.post(
                fake.url + FakeSats4AI.Endpoint.analyzeImage.path, body, authorization: credential)
            #expect(failed.status == 500)
            #expect(failed.headers.first(name: "X-Error-Code") == "SERVICE_ERROR")
            let retried = try await Self.post(
                fake.url + FakeSats4AI.Endpoint.analyzeImage.path, body, authorization: credential)
            #expect(retried.status == 200)
            #expect(fake.injectedPaidFailures == 1)
            #expect(fake.paidRequests == 1)
            #expect(fake.violations.isEmpty)
        } catch {
            await fake.stop()
            throw error
        }
        await fake.stop()
    }

    @Test("WalletTimeoutProxy: a withheld payment is paid at LNbits, the client times out, the lookup finds it")
    func withheldPaymentIsPaid() async throws {
        let lnbits = try await LNbitsServer.forTest()
        let proxy = try await WalletTimeoutProxy.start(
            target: lnbits.url, configuration: .init(timeoutRate: 1, holdSeconds: 30, seed: 3))
        do {
            let created = try await lnbits.createInvoice(amountSats: 21, memo: "chaos proxy test")
            let wallet = LNbitsWallet(
                url: proxy.url, adminKey: lnbits.payer.adminkey, httpClient: HTTPClient.shared, timeout: .seconds(2))
            let invoice = try Invoice.decode(created.bolt11)
            let started = ContinuousClock.now
            do {
                _ = try await wallet.pay(invoice, maxFee: Millisatoshi(0))
                Issue.record("the payment's answer was not withheld")
            } catch {
                #expect(error.moneyMayHaveMoved)
            }
            #expect(ContinuousClock.now - started < .seconds(20))
            // The client may give up before LNbits has answered the proxy, which records the hash only then.
            try await waitUntil(timeout: .seconds(30), what: "the withheld payment's hash") {
                !proxy.withheldPaymentHashes.isEmpty
            }
            #expect(proxy.withheldPaymentHashes == [created.paymentHash])
            #expect(proxy.payments == 1)
            // The lookup goes through the proxy too, with a timeout a loaded LNbits can meet.
            let patient = LNbitsWallet(
                url: proxy.url, adminKey: lnbits.payer.adminkey, httpClient: HTTPClient.shared, timeout: .seconds(30))
            guard case .succeeded = try await patient.lookup(paymentHash: invoice.paymentHash) else {
                Issue.record("the withheld payment is not paid at LNbits")
                await proxy.stop()
                return
            }
            #expect(try await lnbits.isPaid(paymentHash: created.paymentHash))
        } catch {
            await proxy.stop()
            throw error
        }
        await proxy.stop()
    }

    private struct Reply {
        var status: Int
        var headers: HTTPHeaders
    }

    private static func post(_ url: String, _ body: [UInt8], authorization: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers)
    }

    /// `name="value"` from a `WWW-Authenticate` header.
    private static func parameter(_ name: String, in header: String) -> String? {
        guard let range = header.range(of: name + "=\"") else { return nil }
        let rest = header[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}
