import DropboltSats4AI
import Testing

private func body(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite("ProviderErrorBody")
struct ProviderErrorBodyTests {
    @Test("a full envelope with a refund")
    func full() {
        let json = """
            {"error":"Upstream model failed","error_code":"L402_UPSTREAM_FAILED",
             "suggestion":"Claim your refund, see https://sats4ai.com/api/error-codes.",
             "example":{"prompt":"x"},"retry_after_seconds":20,
             "refund":{"charge_id":"ch_123","refund_amount":450,
                       "lnurl_withdraw":"LNURL1DP68GURN8GHJ7","status":"pending"}}
            """
        let problem = ProviderErrorBody(body: body(json), errorCodeHeader: "L402_UPSTREAM_FAILED")
        #expect(problem.error == "Upstream model failed")
        #expect(problem.errorCode == "L402_UPSTREAM_FAILED")
        #expect(problem.suggestion == "Claim your refund, see https://sats4ai.com/api/error-codes.")
        #expect(problem.retryAfterSeconds == 20)
        #expect(
            problem.refund
                == ProviderRefund(
                    chargeID: "ch_123", amount: 450, lnurlWithdraw: "LNURL1DP68GURN8GHJ7", status: "pending"))
        #expect(problem.refundLinks == ["LNURL1DP68GURN8GHJ7"])
        #expect(problem.suggestionLinks == ["https://sats4ai.com/api/error-codes"])
        #expect(problem.text == nil)
    }

    @Test("a partial envelope; the X-Error-Code header fills in the code")
    func partial() {
        let problem = ProviderErrorBody(
            body: body(#"{"error":"Invalid aspect_ratio","unknown":true}"#), errorCodeHeader: " L402_INVALID_PARAMS ")
        #expect(problem.error == "Invalid aspect_ratio")
        #expect(problem.errorCode == "L402_INVALID_PARAMS")
        #expect(problem.suggestion == nil)
        #expect(problem.retryAfterSeconds == nil)
        #expect(problem.refund == nil)
        #expect(problem.refundLinks.isEmpty)
        #expect(problem.suggestionLinks.isEmpty)
    }

    @Test("the body's error_code wins over the header; error may be nested or called message")
    func precedence() {
        let nested = ProviderErrorBody(
            body: body(#"{"error":{"message":"Busy"},"error_code":"SERVICE_ERROR"}"#), errorCodeHeader: "OTHER")
        #expect(nested.error == "Busy")
        #expect(nested.errorCode == "SERVICE_ERROR")
        let message = ProviderErrorBody(body: body(#"{"message":"Not found"}"#))
        #expect(message.error == "Not found")
        #expect(message.errorCode == nil)
    }

    @Test(
        "429: retry_after_seconds, rounded up, as a number or text; else the Retry-After header",
        arguments: [
            (#"{"error_code":"RATE_LIMITED","retry_after_seconds":10}"#, nil, 10),
            (#"{"error_code":"RATE_LIMITED","retry_after_seconds":2.5}"#, nil, 3),
            (#"{"error_code":"RATE_LIMITED","retry_after_seconds":"15"}"#, "99", 15),
            (#"{"error_code":"RATE_LIMITED"}"#, "7", 7),
            (#"{"error_code":"RATE_LIMITED","retry_after_seconds":-1}"#, "4", 4),
            (#"{"error_code":"RATE_LIMITED"}"#, "Wed, 21 Oct 2015 07:28:00 GMT", nil),
            ("Too Many Requests", "30", 30),
        ] as [(String, String?, Int?)])
    func retryAfter(json: String, header: String?, seconds: Int?) {
        let problem = ProviderErrorBody(body: body(json), errorCodeHeader: "RATE_LIMITED", retryAfterHeader: header)
        #expect(problem.retryAfterSeconds == seconds)
        #expect(problem.errorCode == "RATE_LIMITED")
    }

    @Test("a non-JSON body is kept as text, up to 500 bytes, cut at a character boundary")
    func nonJSON() {
        let html = ProviderErrorBody(body: body("<html><body>502 Bad Gateway</body></html>"), errorCodeHeader: nil)
        #expect(html.text == "<html><body>502 Bad Gateway</body></html>")
        #expect(html.error == nil)
        #expect(html.errorCode == nil)

        // 499 ASCII bytes, then "é" (2 bytes) straddling the limit: the cut falls before it.
        let long = ProviderErrorBody(body: body(String(repeating: "a", count: 499) + "é" + "tail"))
        #expect(long.text == String(repeating: "a", count: 499))

        let exact = ProviderErrorBody(body: body(String(repeating: "b", count: 800)))
        #expect(exact.text?.utf8.count == ProviderErrorBody.maximumTextBytes)

        let binary = ProviderErrorBody(body: [0xFF, 0xFE, 0x00, 0x41])
        #expect(binary.text != nil)

        #expect(ProviderErrorBody(body: []).text == nil)
        #expect(ProviderErrorBody(body: body(#""just a string""#)).text == #""just a string""#)
    }

    @Test("links under any refund… key are kept, even in unexpected shapes")
    func refundLinks() {
        let json = """
            {"error":"Refund issued","error_code":"L402_REFUND_ISSUED",
             "refund_url":"https://sats4ai.com/refund/abc",
             "refund":{"status":"pending","links":["lightning:LNURL1ABCDEF"],"lnurl_withdraw":"lnurl1xyz0000"},
             "suggestion":"Withdraw with lnurl1xyz0000 (or visit <https://sats4ai.com/refund/abc>)."}
            """
        let problem = ProviderErrorBody(body: body(json))
        #expect(problem.refund?.lnurlWithdraw == "lnurl1xyz0000")
        #expect(problem.refund?.chargeID == nil)
        #expect(problem.refund?.amount == nil)
        #expect(problem.refundLinks == ["lnurl1xyz0000", "lightning:LNURL1ABCDEF", "https://sats4ai.com/refund/abc"])
        #expect(problem.suggestionLinks == ["lnurl1xyz0000", "https://sats4ai.com/refund/abc"])
    }

    @Test("fields of unexpected types are ignored, never fatal")
    func oddTypes() {
        let problem = ProviderErrorBody(
            body: body(#"{"error":42,"error_code":500,"suggestion":["x"],"retry_after_seconds":{},"refund":"none"}"#))
        #expect(problem.error == nil)
        #expect(problem.errorCode == "500")
        #expect(problem.suggestion == nil)
        #expect(problem.retryAfterSeconds == nil)
        #expect(problem.refund == nil)
        #expect(problem.refundLinks.isEmpty)
    }
}
