import AsyncHTTPClient
import DropboltCore
import DropboltLightning
import DropboltTesting
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The fake sats4ai API against a real LNbits.
///
/// Each test starts its own LNbits (~4 s) and fake, and stops both on every path: the tests run in parallel, so
/// the file takes about as long as its slowest test, and no test depends on another's payments or balances.
@Suite("Fake sats4ai")
struct FakeSats4AITests {
    // MARK: - Challenge, payment, success

    @Test("402 challenge, payment through LNbits, 200 with a PNG; reuse and a changed body are violations")
    func challengePayAndRetry() async throws {
        try await withServers { lnbits, fake in
            let body = try Self.editBody(prompt: "make it blue")
            let challenge = try await Self.post(fake, .imageEdit, body)
            #expect(challenge.status == 402)
            #expect(challenge.headers.first(name: "X-Error-Code") == "PAYMENT_REQUIRED")
            let envelope = try Self.object(challenge.body)
            #expect(envelope["error_code"] as? String == "PAYMENT_REQUIRED")
            #expect(envelope["error"] as? String == "Payment required")
            let parameters = try #require(Self.challengeParameters(challenge.headers))
            let token = try #require(parameters["token"])
            #expect(parameters["macaroon"] == token)
            #expect(Data(base64Encoded: token)?.count == 66)
            let invoice = try Invoice.decode(try #require(parameters["invoice"]))
            #expect(invoice.amount?.rawValue == 300_000)
            #expect(invoice.expirySeconds == 600)
            #expect(fake.challengesIssued == 1)

            let paid = try await lnbits.pay(bolt11: invoice.string)
            #expect(paid.paymentHash == invoice.paymentHashHex)
            let ok = try await Self.post(fake, .imageEdit, body, authorization: "L402 \(token):\(paid.preimage)")
            #expect(ok.status == 200)
            let result = try Self.object(ok.body)
            let base64Image = try #require(result["base64Image"] as? String)
            let png = try #require(Data(base64Encoded: base64Image))
            let image = try #require(TestPNG.decode(Array(png)))
            #expect(image.width == 8 && image.height == 8)
            let imageURL = try #require(result["imageUrl"] as? String)
            #expect(imageURL.hasPrefix(fake.url + "/media/") && imageURL.hasSuffix(".png"))
            let download = try await Self.send(HTTPClientRequest(url: imageURL))
            #expect(download.status == 200)
            #expect(download.headers.first(name: "Content-Type") == "image/png")
            #expect(download.body == Array(png))
            #expect(fake.paidRequests == 1)
            #expect(fake.violations.isEmpty)

            // Single-use: the same credential again is refused and recorded.
            let reused = try await Self.post(fake, .imageEdit, body, authorization: "L402 \(token):\(paid.preimage)")
            #expect(reused.status == 401)
            #expect(reused.headers.first(name: "X-Error-Code") == "L402_INVALID_TOKEN")
            #expect(fake.violations.count == 1)
            #expect(fake.violations.first?.contains("reused token") == true)

            // A second call with the same body gets a different PNG.
            let again = try await Self.payAndRetry(lnbits, fake, .imageEdit, body)
            #expect(again.status == 200)
            #expect(try Self.object(again.body)["base64Image"] as? String != result["base64Image"] as? String)

            // The paid retry must carry the exact bytes of the challenged request.
            let second = try await Self.post(fake, .imageEdit, body)
            let secondToken = try #require(Self.challengeParameters(second.headers)?["token"])
            let secondInvoice = try #require(Self.challengeParameters(second.headers)?["invoice"])
            let secondPaid = try await lnbits.pay(bolt11: secondInvoice)
            let changed = try Self.editBody(prompt: "make it red")
            let mismatch = try await Self.post(
                fake, .imageEdit, changed, authorization: "L402 \(secondToken):\(secondPaid.preimage)")
            #expect(mismatch.status == 400)
            #expect(try Self.object(mismatch.body)["error"] as? String == "payload does not match the paid request")
            #expect(try Self.object(mismatch.body)["error_code"] as? String == "INVALID_INPUT")
            #expect(fake.violations.count == 2)
            // The token was not consumed by the mismatch: the right body still works.
            let fixed = try await Self.post(
                fake, .imageEdit, body, authorization: "L402 \(secondToken):\(secondPaid.preimage)")
            #expect(fixed.status == 200)

            // What LNbits' payer wallet says matches: three successful payments of 300 sat.
            let outgoing = try await lnbits.succeededOutgoingPayments(lnbits.payer)
            #expect(outgoing.count == 3)
            #expect(outgoing.allSatisfy { $0.amountMsat == -300_000 && $0.preimage?.count == 64 })
            #expect(try await lnbits.balanceMsat(lnbits.payer) == 1_000_000_000 - 900_000)
            #expect(try await lnbits.balanceMsat(lnbits.payee) == 900_000)
            #expect(fake.received.map(\.status) == [402, 200, 401, 402, 200, 402, 400, 200])
            #expect(fake.received.filter(\.hadAuthorization).count == 5)
        }
    }

    @Test("Invalid parameters get 400 L402_INVALID_PARAMS and no invoice; analyze-image and models work")
    func validationAnalyzeAndModels() async throws {
        try await withServers { lnbits, fake in
            let png = TestPNG.make(seed: [7])
            let bad: [[String: Any]] = [
                ["prompt": "x"],
                ["prompt": "", "image": Data(png).base64EncodedString()],
                ["prompt": "x", "image": "not base64!"],
                ["prompt": "x", "image": Data("hello".utf8).base64EncodedString()],
                ["prompt": "x", "image": Data(png).base64EncodedString(), "size": 3],
                ["prompt": "x", "image": Data(png).base64EncodedString(), "output_format": "bmp"],
            ]
            for object in bad {
                let response = try await Self.post(fake, .imageEdit, try Self.json(object))
                #expect(response.status == 400, "\(object.keys.sorted())")
                #expect(response.headers.first(name: "X-Error-Code") == "L402_INVALID_PARAMS")
                #expect(try Self.object(response.body)["error_code"] as? String == "L402_INVALID_PARAMS")
            }
            let notJSON = try await Self.post(fake, .analyzeImage, Array("[1]".utf8))
            #expect(notJSON.status == 400)
            #expect(fake.challengesIssued == 0)
            #expect(try await lnbits.payments(lnbits.payee).isEmpty)
            #expect(fake.violations.count == bad.count + 1)

            // analyze-image: prefix-less base64 and a data: URL are both fine.
            let analyze = try Self.json(["image": "data:image/png;base64," + Data(png).base64EncodedString()])
            let answer = try await Self.payAndRetry(lnbits, fake, .analyzeImage, analyze)
            #expect(answer.status == 200)
            #expect(try Self.object(answer.body)["content"] as? String
                == "A test caption for an image of \(png.count) bytes.")
            let incoming = try await lnbits.payments(lnbits.payee)
            #expect(incoming.count == 1 && incoming[0].amountMsat == 21_000 && incoming[0].status == "success")

            let models = try await Self.send(HTTPClientRequest(url: fake.url + "/api/l402/models"))
            #expect(models.status == 200)
            let list = try #require(try Self.object(models.body)["models"] as? [[String: Any]])
            #expect(Set(list.compactMap { $0["service"] as? String }) == ["image-edit", "analyze-image"])
        }
    }

    // MARK: - Faults

    @Test("Each ChallengeFault breaks only the next challenge, in its own way")
    func challengeFaults() async throws {
        try await withServers { lnbits, fake in
            let body = try Self.editBody(prompt: "fault")

            fake.overrideNextChallenge(.amountless)
            let amountless = try Invoice.decode(try await Self.challengeInvoice(fake, body))
            #expect(amountless.amount == nil)

            fake.overrideNextChallenge(.zeroAmount)
            #expect(try Invoice.decode(try await Self.challengeInvoice(fake, body)).amount?.rawValue == 0)

            fake.overrideNextChallenge(.expired)
            let expired = try Invoice.decode(try await Self.challengeInvoice(fake, body))
            #expect(expired.isExpired(at: Date()))
            #expect(expired.amount?.rawValue == 300_000)

            fake.overrideNextChallenge(.notBOLT11)
            let garbage = try await Self.challengeInvoice(fake, body)
            #expect(throws: InvoiceError.self) { try Invoice.decode(garbage) }

            fake.overrideNextChallenge(.price(sats: 5000))
            let expensive = try Invoice.decode(try await Self.challengeInvoice(fake, body))
            #expect(expensive.amount?.rawValue == 5_000_000)
            #expect(try await lnbits.payments(lnbits.payee).contains { $0.paymentHash == expensive.paymentHashHex })

            fake.overrideNextChallenge(.malformedHeader)
            let malformed = try await Self.post(fake, .imageEdit, body)
            #expect(malformed.status == 402)
            let parameters = try #require(Self.challengeParameters(malformed.headers))
            #expect(parameters["invoice"] == nil && parameters["token"] != nil)

            fake.overrideNextChallenge(.foreignInvoice)
            let foreign = try Invoice.decode(try await Self.challengeInvoice(fake, body))
            #expect(foreign.amount?.rawValue == 300_000 && !foreign.isExpired(at: Date()))
            #expect(foreign.payeeHex == InvoiceSigner.specPayeeHex)
            await #expect(throws: LNbitsServer.APIError.self) { try await lnbits.pay(bolt11: foreign.string) }

            // One-shot: the next challenge is normal again.
            let normal = try Invoice.decode(try await Self.challengeInvoice(fake, body))
            #expect(normal.amount?.rawValue == 300_000 && normal.payeeHex != InvoiceSigner.specPayeeHex)
            #expect(fake.challengesIssued == 8)
            #expect(fake.violations.isEmpty)
            #expect(try await lnbits.succeededOutgoingPayments(lnbits.payer).isEmpty)
        }
    }

    @Test("Each PaidFault answers a paid request; the credential still works afterwards (except after a refund)")
    func paidFaults() async throws {
        try await withServers { lnbits, fake in
            let body = try Self.editBody(prompt: "paid faults")
            let (token, preimage) = try await Self.challengeAndPay(lnbits, fake, .imageEdit, body)
            let credential = "L402 \(token):\(preimage)"

            fake.failPaidRequests(.status(503), times: 2)
            fake.failPaidRequests(.rateLimited(retryAfterSeconds: 7))
            fake.failPaidRequests(.paymentRequiredAgain)
            for _ in 0..<2 {
                let failed = try await Self.post(fake, .imageEdit, body, authorization: credential)
                #expect(failed.status == 503)
                #expect(failed.headers.first(name: "X-Error-Code") == "SERVICE_ERROR")
                #expect(try Self.object(failed.body)["error_code"] as? String == "SERVICE_ERROR")
            }
            let limited = try await Self.post(fake, .imageEdit, body, authorization: credential)
            #expect(limited.status == 429)
            #expect(limited.headers.first(name: "Retry-After") == "7")
            #expect(try Self.object(limited.body)["retry_after_seconds"] as? Int == 7)
            #expect(try Self.object(limited.body)["error_code"] as? String == "RATE_LIMITED")
            let again = try await Self.post(fake, .imageEdit, body, authorization: credential)
            #expect(again.status == 402)
            #expect(Self.challengeParameters(again.headers)?["invoice"] != nil)
            #expect(fake.challengesIssued == 2)
            let ok = try await Self.post(fake, .imageEdit, body, authorization: credential)
            #expect(ok.status == 200)

            // A refund spends the credential.
            let (refundToken, refundPreimage) = try await Self.challengeAndPay(
                lnbits, fake, .analyzeImage, Self.analyzeBody())
            fake.failPaidRequests(.upstreamFailedWithRefund)
            let refunded = try await Self.post(
                fake, .analyzeImage, try Self.analyzeBody(), authorization: "L402 \(refundToken):\(refundPreimage)")
            #expect(refunded.status == 502)
            let envelope = try Self.object(refunded.body)
            #expect(envelope["error_code"] as? String == "L402_UPSTREAM_FAILED")
            let refund = try #require(envelope["refund"] as? [String: Any])
            #expect((refund["lnurl_withdraw"] as? String)?.hasPrefix("lnurl1") == true)
            #expect(refund["status"] as? String == "pending" && refund["refund_amount"] as? Int == 21)
            #expect(refund["charge_id"] is String)
            let afterRefund = try await Self.post(
                fake, .analyzeImage, try Self.analyzeBody(), authorization: "L402 \(refundToken):\(refundPreimage)")
            #expect(afterRefund.status == 401)
            #expect(fake.violations.count == 1)
            #expect(fake.paidRequests == 1)
        }
    }

    @Test("Held paid requests wait until released; expired and wrong credentials are refused")
    func holdReleaseAndCredentials() async throws {
        try await withServers { lnbits, fake in
            let body = try Self.editBody(prompt: "hold")
            let (token, preimage) = try await Self.challengeAndPay(lnbits, fake, .imageEdit, body)
            fake.holdPaidRequests()
            let credential = "L402 \(token):\(preimage)"
            let pending = Task { try await Self.post(fake, .imageEdit, body, authorization: credential) }
            try await waitUntil(timeout: .seconds(10), what: "a held request") { fake.heldRequestCount == 1 }
            #expect(fake.received.count == 1)  // only the 402: the held one is recorded when answered
            fake.releasePaidRequests()
            #expect(try await pending.value.status == 200)
            #expect(fake.heldRequestCount == 0)

            // Wrong preimage, unknown token, endpoint mismatch, malformed header: 401 and a violation each.
            let (other, otherPreimage) = try await Self.challengeAndPay(lnbits, fake, .imageEdit, body)
            let wrong = String(repeating: "ab", count: 32)
            let attempts = [
                "L402 \(other):\(wrong)", "L402 AAAA:\(otherPreimage)", "L402 \(other):\(otherPreimage.uppercased())",
                "Bearer \(other)",
            ]
            for authorization in attempts {
                let response = try await Self.post(fake, .imageEdit, body, authorization: authorization)
                #expect(response.status == 401, "\(authorization)")
            }
            let elsewhere = try await Self.post(
                fake, .analyzeImage, try Self.analyzeBody(), authorization: "L402 \(other):\(otherPreimage)")
            #expect(elsewhere.status == 401)
            #expect(fake.violations.count == attempts.count + 1)
            #expect(try await Self.post(fake, .imageEdit, body, authorization: "L402 \(other):\(otherPreimage)").status
                == 200)
        }
        // Validity 0: every token is expired by the time it comes back.
        try await withServers(configuration: .init(tokenValiditySeconds: 0)) { lnbits, fake in
            let body = try Self.analyzeBody()
            let (token, preimage) = try await Self.challengeAndPay(lnbits, fake, .analyzeImage, body)
            let late = try await Self.post(fake, .analyzeImage, body, authorization: "L402 \(token):\(preimage)")
            #expect(late.status == 401)
            #expect(fake.violations.first?.contains("expired") == true)
        }
    }

    // MARK: - Helpers

    struct Reply {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    /// Starts LNbits and the fake, runs `body`, and stops both whatever happens.
    private func withServers(
        configuration: FakeSats4AI.Configuration = .init(),
        _ body: (LNbitsServer, FakeSats4AI) async throws -> Void
    ) async throws {
        let lnbits = try await LNbitsServer.forTest()
        let fake = try await FakeSats4AI.start(lnbits: lnbits, configuration: configuration)
        do {
            try await body(lnbits, fake)
        } catch {
            await fake.stop()
            throw error
        }
        await fake.stop()
    }

    private static func post(
        _ fake: FakeSats4AI, _ endpoint: FakeSats4AI.Endpoint, _ body: [UInt8], authorization: String? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: fake.url + endpoint.path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await send(request)
    }

    private static func send(_ request: HTTPClientRequest) async throws -> Reply {
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Array(body.readableBytesView))
    }

    /// Gets a 402, pays its invoice with LNbits' payer, returns the token and the preimage.
    private static func challengeAndPay(
        _ lnbits: LNbitsServer, _ fake: FakeSats4AI, _ endpoint: FakeSats4AI.Endpoint, _ body: [UInt8]
    ) async throws -> (token: String, preimage: String) {
        let challenge = try await post(fake, endpoint, body)
        try #require(challenge.status == 402)
        let parameters = try #require(challengeParameters(challenge.headers))
        let paid = try await lnbits.pay(bolt11: try #require(parameters["invoice"]))
        return (try #require(parameters["token"]), paid.preimage)
    }

    private static func payAndRetry(
        _ lnbits: LNbitsServer, _ fake: FakeSats4AI, _ endpoint: FakeSats4AI.Endpoint, _ body: [UInt8]
    ) async throws -> Reply {
        let (token, preimage) = try await challengeAndPay(lnbits, fake, endpoint, body)
        return try await post(fake, endpoint, body, authorization: "L402 \(token):\(preimage)")
    }

    private static func challengeInvoice(_ fake: FakeSats4AI, _ body: [UInt8]) async throws -> String {
        let reply = try await post(fake, .imageEdit, body)
        try #require(reply.status == 402)
        return try #require(challengeParameters(reply.headers)?["invoice"])
    }

    /// The `key="value"` parameters of the single `L402` challenge (values here never contain quotes).
    private static func challengeParameters(_ headers: HTTPHeaders) -> [String: String]? {
        guard let header = headers.first(name: "WWW-Authenticate"), header.hasPrefix("L402 ") else { return nil }
        var parameters: [String: String] = [:]
        for part in header.dropFirst(5).split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { return nil }
            let key = pair[0].trimmingCharacters(in: .whitespaces)
            parameters[key] = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        }
        return parameters
    }

    private static func editBody(prompt: String) throws -> [UInt8] {
        try json(["prompt": prompt, "image": Data(TestPNG.make(seed: [1, 2, 3])).base64EncodedString()])
    }

    private static func analyzeBody() throws -> [UInt8] {
        try json(["image": Data(TestPNG.make(seed: [4])).base64EncodedString(), "prompt": "What is it?"])
    }

    private static func json(_ object: [String: Any]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    private static func object(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }
}
