import AsyncHTTPClient
import DropboltCore
import DropboltL402
import DropboltLightning
import DropboltTesting
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The fake sats4ai API with invoices from a fake node's book, paid through ``FakePhoenixd`` (the bench's
/// comparison with a wallet that is not the bottleneck): no LNbits anywhere.
@Suite("Fake sats4ai without LNbits")
struct FakeSats4AIWalletBookTests {
    @Test("a book-issued invoice is served once phoenixd has paid it; a guessed preimage is refused")
    func bookInvoicePaidThroughPhoenixd() async throws {
        let book = FakeWalletBook()
        let phoenixd = try await FakePhoenixd.start(book: book)
        defer { phoenixd.stop() }
        let fake = try await FakeSats4AI.start(issuer: .walletBook(book))
        let body = Array(
            try JSONSerialization.data(withJSONObject: ["image": Data(TestPNG.make(seed: [7])).base64EncodedString()]))

        let challenge = try await Self.post(fake, body)
        #expect(challenge.status == 402)
        let offered = try #require(
            try ChallengeParser.parse(headerValues: challenge.headers["WWW-Authenticate"]).first)
        let invoice = try Invoice.decode(offered.invoice)
        #expect(invoice.amount?.rawValue == Int64(fake.configuration.analyzePriceSats) * 1000)

        // Before payment the preimage is unknown: a guess is refused (and recorded).
        let guess = String(repeating: "0", count: 64)
        let unpaid = try await Self.post(fake, body, authorization: "L402 \(offered.token):\(guess)")
        #expect(unpaid.status == 401)

        let wallet = PhoenixdWallet(url: phoenixd.url, password: phoenixd.password, httpClient: .shared)
        let payment = try await wallet.pay(invoice, maxFee: .zero)
        #expect(Hex.string(payment.paymentHash) == invoice.paymentHashHex)
        let credential = "L402 \(offered.token):\(Hex.string(payment.preimage))"
        let paid = try await Self.post(fake, body, authorization: credential)
        #expect(paid.status == 200)
        #expect(String(decoding: paid.body, as: UTF8.self).contains("A test caption"))
        #expect(fake.paidRequests == 1)
        #expect(book.succeededPayments == 1 && book.payCalls(invoice.paymentHashHex) == 1)
        // The refused guess is the provider's only violation; the fake wallet saw none.
        #expect(fake.violations.count == 1 && book.violations.isEmpty)
        await fake.stop()
    }

    private static func post(
        _ fake: FakeSats4AI, _ body: [UInt8], authorization: String? = nil
    ) async throws -> (status: Int, headers: HTTPHeaders, body: [UInt8]) {
        var request = HTTPClientRequest(url: fake.url + FakeSats4AI.Endpoint.analyzeImage.path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers, Array(bytes.readableBytesView))
    }
}
