import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

extension FakeSats4AI {
    /// Answers a request to a paid endpoint and records it.
    func handlePaid(_ endpoint: Endpoint, _ request: Request) async throws -> Response {
        let body = Array(try await request.body.collect(upTo: 64 << 20).readableBytesView)
        let bodyHash = Self.sha256Hex(body)
        let authorizations = request.headers[values: .authorization]
        let response: Response
        if authorizations.isEmpty {
            response = await answerUnpaid(endpoint, body: body, bodyHash: bodyHash)
        } else {
            response = await answerPaid(endpoint, authorizations: authorizations, body: body, bodyHash: bodyHash)
        }
        let record = ReceivedRequest(
            endpoint: endpoint, hadAuthorization: !authorizations.isEmpty, bodySHA256: bodyHash,
            status: response.status.code, time: Date())
        state.withLock { $0.received.append(record) }
        return response
    }

    func modelsResponse() -> Response {
        let models: [[String: Any]] = [
            ["id": "fake-image-edit", "name": "Fake Image Edit", "service": "image-edit",
             "price_sats": configuration.editPriceSats],
            ["id": "fake-vision", "name": "Fake Vision", "service": "analyze-image",
             "price_sats": configuration.analyzePriceSats],
        ]
        return Self.json(status: 200, ["models": models])
    }

    func estimateResponse(service: String?) -> Response {
        state.withLock { $0.estimatesServed += 1 }
        guard configuration.estimateAvailable else {
            return Self.error(status: 404, code: "NOT_FOUND", "no such endpoint", suggestion: "Ask for an invoice instead.")
        }
        switch service {
        case "image-edit": return Self.json(status: 200, ["service": "image-edit", "sats": configuration.editPriceSats])
        case "analyze-image":
            return Self.json(status: 200, ["service": "analyze-image", "sats": configuration.analyzePriceSats])
        default:
            return Self.error(status: 400, code: "INVALID_INPUT", "unknown service", suggestion: "Pass ?service=<id>.")
        }
    }

    func mediaResponse(_ name: String) -> Response {
        let id = name.hasSuffix(".png") ? String(name.dropLast(4)) : name
        guard let png = state.withLock({ $0.media[id] }) else {
            return Self.error(status: 404, code: "NOT_FOUND", "no such media", suggestion: "Media URLs expire.")
        }
        var headers = HTTPFields()
        headers[.contentType] = "image/png"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: png)))
    }

    // MARK: - Unpaid: validate, then challenge

    private func answerUnpaid(_ endpoint: Endpoint, body: [UInt8], bodyHash: String) async -> Response {
        if let problem = ImageRequestValidator.problem(in: body, for: endpoint) {
            recordViolation("\(endpoint.path): sent an invalid request (\(problem))")
            return Self.error(
                status: 400, code: "L402_INVALID_PARAMS", "Invalid parameters: \(problem)",
                suggestion: "Pre-payment validation failed. No invoice was created; no sats charged. Fix the request.")
        }
        return await challenge(endpoint, bodyHash: bodyHash)
    }

    /// Mints a token, gets an invoice (real, or broken by a pending ``ChallengeFault``) and answers 402.
    private func challenge(_ endpoint: Endpoint, bodyHash: String) async -> Response {
        let fault = state.withLock { state in
            defer { state.nextChallengeFault = nil }
            return state.nextChallengeFault
        }
        let price = endpoint == .imageEdit ? configuration.editPriceSats : configuration.analyzePriceSats
        let invoice: String?
        let paymentHash: String
        do {
            switch fault {
            case nil, .price?, .malformedHeader?:
                var sats = price
                if case .price(let faultPrice)? = fault { sats = faultPrice }
                let created = try await issuer.createInvoice(
                    amountSats: sats, memo: "sats4ai fake \(endpoint.rawValue)",
                    expirySeconds: configuration.invoiceExpirySeconds)
                invoice = fault == .malformedHeader ? nil : created.bolt11
                paymentHash = created.paymentHash
            case .notBOLT11?:
                invoice = "this-is-not-a-bolt11-invoice"
                paymentHash = Self.randomHex(32)
            case .amountless?, .zeroAmount?, .expired?, .foreignInvoice?:
                paymentHash = Self.randomHex(32)
                invoice = Self.signedInvoice(fault: fault, priceSats: price, paymentHash: paymentHash)
            }
        } catch {
            return Self.error(
                status: 500, code: "SERVICE_ERROR", "could not create an invoice: \(error)",
                suggestion: "Retry in a few seconds.")
        }
        let token = Data(Self.randomBytes(66)).base64EncodedString()
        let record = FakeSats4AIState.TokenRecord(
            paymentHash: paymentHash, bodySHA256: bodyHash, endpoint: endpoint, issuedAt: .now)
        state.withLock { state in
            state.tokens[token] = record
            state.challengesIssued += 1
        }
        var header = "L402 token=\"\(token)\", macaroon=\"\(token)\""
        if let invoice { header += ", invoice=\"\(invoice)\"" }
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = header
        return Self.json(
            status: 402,
            [
                "error": "Payment required", "error_code": "PAYMENT_REQUIRED", "price_sats": price,
                "suggestion": "Pay the invoice in the WWW-Authenticate header, then send the identical request again "
                    + "with Authorization: L402 <token>:<preimage> within 10 minutes.",
            ],
            headers: headers, errorCode: "PAYMENT_REQUIRED")
    }

    /// A signed invoice from a foreign node, broken as `fault` says.
    private static func signedInvoice(fault: ChallengeFault?, priceSats: Int, paymentHash: String) -> String {
        let now = Int64(Date().timeIntervalSince1970)
        let priced = "lnbc\(priceSats * 10)n"  // 1 sat = 10 nano-bitcoin
        var hrp = priced
        var timestamp = now
        var expiry: Int64 = 600
        switch fault {
        case .amountless?: hrp = "lnbc"
        case .zeroAmount?: hrp = "lnbc0n"
        case .expired?:
            timestamp = now - 7200
            expiry = 3600
        default: break
        }
        let fields: [InvoiceSigner.Field] = [
            .bytes("p", TestHex.bytes(paymentHash)), .bytes("s", randomBytes(32)),
            .text("d", "sats4ai fake (\(String(describing: fault.map { "\($0)" } ?? "none")))"),
            .integer("x", expiry), .integer("c", 80),
        ]
        return InvoiceSigner().invoice(hrp: hrp, timestamp: timestamp, fields: fields)
    }

    // MARK: - Paid: check the credential, then answer

    private func answerPaid(
        _ endpoint: Endpoint, authorizations: [String], body: [UInt8], bodyHash: String
    ) async -> Response {
        let path = endpoint.path
        guard authorizations.count == 1, let (token, preimage) = Self.parseCredential(authorizations[0]) else {
            return invalidToken("\(path): malformed or repeated Authorization header \(authorizations)")
        }
        let shortToken = token.prefix(12) + "…"
        guard let record = state.withLock({ $0.tokens[token] }) else {
            return invalidToken("\(path): unknown token \(shortToken)")
        }
        guard record.endpoint == endpoint else {
            return invalidToken("\(path): token \(shortToken) was issued for \(record.endpoint.path)")
        }
        guard !record.used else { return invalidToken("\(path): reused token \(shortToken) (single-use)") }
        let age = ContinuousClock.now - record.issuedAt
        guard age < .seconds(configuration.tokenValiditySeconds) else {
            return invalidToken("\(path): token \(shortToken) used \(age) after its 402 (expired)")
        }
        guard Self.sha256Hex(TestHex.bytes(preimage)) == record.paymentHash else {
            return invalidToken("\(path): preimage does not hash to the payment hash of token \(shortToken)")
        }
        guard bodyHash == record.bodySHA256 else {
            recordViolation("\(path): paid retry with a different body (sha256 \(bodyHash), challenged "
                + "\(record.bodySHA256))")
            return Self.error(
                status: 400, code: "INVALID_INPUT", "payload does not match the paid request",
                suggestion: "Send the exact same JSON payload as the request that returned the invoice.")
        }
        do {
            guard try await issuer.isPaid(paymentHash: record.paymentHash) else {
                return invalidToken("\(path): invoice of token \(shortToken) is not paid")
            }
        } catch {
            return Self.error(
                status: 500, code: "SERVICE_ERROR", "could not check the payment: \(error)",
                suggestion: "Retry with the same credential.")
        }
        // Consume the token (or take a fault) atomically: two concurrent uses of one token cannot both win.
        enum Outcome { case reused, fault(PaidFault), success(Int) }
        let outcome = state.withLock { state -> Outcome in
            guard state.tokens[token]?.used == false else { return .reused }
            if !state.paidFaults.isEmpty {
                let fault = state.paidFaults.removeFirst()
                if fault == .upstreamFailedWithRefund { state.tokens[token]?.used = true }
                return .fault(fault)
            }
            if configuration.paidFailureRate > 0, state.dice.roll(configuration.paidFailureRate) {
                state.injectedPaidFailures += 1
                return .fault(.status(500))
            }
            state.tokens[token]?.used = true
            state.paidRequests += 1
            return .success(state.paidRequests)
        }
        if case .reused = outcome { return invalidToken("\(path): reused token \(shortToken) (single-use)") }
        if await waitWhileHeld() {
            if case .success = outcome {
                state.withLock { state in
                    state.tokens[token]?.used = false
                    state.paidRequests -= 1
                }
            }
            return Self.error(
                status: 503, code: "SERVICE_ERROR", "the request was abandoned before it was processed",
                suggestion: "Retry with the same credential.")
        }
        switch outcome {
        case .reused: return invalidToken("\(path): reused token \(shortToken) (single-use)")
        case .fault(let fault): return await answer(fault, endpoint: endpoint, bodyHash: bodyHash, token: token)
        case .success(let number): return success(endpoint, body: body, bodyHash: bodyHash, number: number)
        }
    }

    private func success(_ endpoint: Endpoint, body: [UInt8], bodyHash: String, number: Int) -> Response {
        switch endpoint {
        case .imageEdit:
            let png = TestPNG.make(seed: Array(SHA256.hash(data: Array("\(bodyHash)#\(number)".utf8))))
            let id = Self.randomHex(12)
            state.withLock { $0.media[id] = png }
            var result: [String: Any] = ["imageUrl": "\(url)/media/\(id).png"]
            // The docs say both come back; `urlOnly` tests clients on the download path.
            if !state.withLock({ $0.urlOnly }) { result["base64Image"] = Data(png).base64EncodedString() }
            return Self.json(status: 200, result)
        case .analyzeImage:
            return Self.json(status: 200, ["content": "A test caption for an image of \(Self.imageSize(body)) bytes."])
        }
    }

    private func answer(_ fault: PaidFault, endpoint: Endpoint, bodyHash: String, token: String) async -> Response {
        switch fault {
        case .status(let status):
            let code =
                switch status {
                case 408, 504: "TIMEOUT"
                case 429: "RATE_LIMITED"
                case 400..<500: "INVALID_INPUT"
                default: "SERVICE_ERROR"
                }
            return Self.error(
                status: status, code: code, "injected failure \(status)",
                suggestion: "Retry with the same credential and payload.")
        case .rateLimited(let seconds):
            var headers = HTTPFields()
            headers[.retryAfter] = String(seconds)
            return Self.error(
                status: 429, code: "RATE_LIMITED", "Too many requests", suggestion: "Wait and retry.",
                extra: ["retry_after_seconds": seconds], headers: headers)
        case .paymentRequiredAgain:
            return await challenge(endpoint, bodyHash: bodyHash)
        case .upstreamFailedWithRefund:
            let price = endpoint == .imageEdit ? configuration.editPriceSats : configuration.analyzePriceSats
            let refund: [String: Any] = [
                "charge_id": "fake-" + String(token.prefix(8)), "refund_amount": price,
                "lnurl_withdraw": Self.refundLNURL,
                "status": "pending",
            ]
            return Self.error(
                status: 502, code: "L402_UPSTREAM_FAILED", "The model failed after payment",
                suggestion: "Claim the refund with an LNURL-withdraw wallet.", extra: ["refund": refund])
        }
    }

    // MARK: - Helpers

    /// A well-formed LNURL (bech32 of an https URL) that leads nowhere: the fake pays no refunds.
    private static let refundLNURL =
        "lnurl1dp68gurn8ghj7um9wfmxjcm99e3k7mf0v9cxj0m385ekvcenxc6r2c35xvukxefcv5mkvv34x5ekzd3ev56n"
        + "yd3hxqurzepexejxxepnxscrvwfnv9nxzcn9xq6xyefhvgcxxcmyxymnserxfq5fns"

    private func invalidToken(_ violation: String) -> Response {
        recordViolation(violation)
        return Self.error(
            status: 401, code: "L402_INVALID_TOKEN", "Invalid, expired or already used L402 token",
            suggestion: "Tokens are single-use and valid for 10 minutes; request a new invoice.")
    }

    private func recordViolation(_ text: String) {
        state.withLock { $0.violations.append(text) }
    }

    /// `L402 <token>:<preimage>` (or `LSAT`), the preimage 64 lower-case hex characters, the token non-empty
    /// standard base64.
    private static func parseCredential(_ header: String) -> (token: String, preimage: String)? {
        guard let space = header.firstIndex(of: " ") else { return nil }
        let scheme = header[..<space].uppercased()
        guard scheme == "L402" || scheme == "LSAT" else { return nil }
        let credential = header[header.index(after: space)...]
        guard let colon = credential.lastIndex(of: ":") else { return nil }
        let token = String(credential[..<colon])
        let preimage = String(credential[credential.index(after: colon)...])
        let hex = Set("0123456789abcdef")
        guard !token.isEmpty, Data(base64Encoded: token) != nil, preimage.count == 64, preimage.allSatisfy(hex.contains)
        else { return nil }
        return (token, preimage)
    }

    /// The decoded size of the body's `image`, 0 when it cannot be read (the body was validated at challenge time).
    private static func imageSize(_ body: [UInt8]) -> Int {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
            let image = object["image"] as? String
        else { return 0 }
        let payload = image.firstIndex(of: ",").map { String(image[image.index(after: $0)...]) } ?? image
        return Data(base64Encoded: payload)?.count ?? 0
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String { TestHex.string(SHA256.hash(data: bytes)) }

    private static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    private static func randomHex(_ count: Int) -> String { TestHex.string(randomBytes(count)) }

    private static func error(
        status: Int, code: String, _ message: String, suggestion: String, extra: [String: Any] = [:],
        headers: HTTPFields = [:]
    ) -> Response {
        var body: [String: Any] = ["error": message, "error_code": code, "suggestion": suggestion]
        body.merge(extra) { _, new in new }
        return json(status: status, body, headers: headers, errorCode: code)
    }

    private static func json(
        status: Int, _ object: [String: Any], headers: HTTPFields = [:], errorCode: String? = nil
    ) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        if let errorCode, let name = HTTPField.Name("X-Error-Code") { headers[name] = errorCode }
        let bytes = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: Array(bytes))))
    }
}
