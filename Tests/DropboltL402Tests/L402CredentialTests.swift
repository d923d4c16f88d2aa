import DropboltL402
import Testing

private let token = "AgEE+/++7z4/ECA="
/// 00 01 02 … 1f.
private let preimage: [UInt8] = Array(0..<32)
/// sha256(00 01 … 1f).
private let paymentHashHex = "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"

private func bytes(hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    return stride(from: 0, to: digits.count, by: 2).map {
        UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
    }
}

@Suite("L402Credential")
struct L402CredentialTests {
    @Test("the Authorization header is L402 <token>:<64 lowercase hex>")
    func header() throws {
        let credential = try L402Credential(token: token, preimage: preimage)
        #expect(
            credential.authorizationHeader
                == "L402 AgEE+/++7z4/ECA=:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
    }

    @Test("hex is lowercase even when the wallet returned uppercase")
    func lowercaseHex() throws {
        let upper = String(repeating: "AB", count: 32)
        let credential = try L402Credential(token: token, preimageHex: upper)
        #expect(credential.preimage == Array(repeating: 0xAB, count: 32))
        #expect(credential.preimageHex == String(repeating: "ab", count: 32))
        #expect(credential.authorizationHeader.hasSuffix(":" + String(repeating: "ab", count: 32)))
    }

    @Test("the preimage must be 32 bytes", arguments: [0, 1, 31, 33, 64])
    func preimageLength(count: Int) {
        let error = #expect(throws: L402Error.self) {
            try L402Credential(token: token, preimage: Array(repeating: 1, count: count))
        }
        #expect(error?.shortDescription == "badPreimage")
    }

    @Test(
        "a hex preimage must be 64 hex digits",
        arguments: [
            "", "00", String(repeating: "0", count: 63),
            String(repeating: "0", count: 66), String(repeating: "g", count: 64),
        ])
    func preimageHex(text: String) {
        let error = #expect(throws: L402Error.self) { try L402Credential(token: token, preimageHex: text) }
        #expect(error?.shortDescription == "badPreimage")
    }

    @Test("the token must be base64, so no spaces or colons reach the header", arguments: ["", "a b", "AgEE:", "A"])
    func badToken(text: String) {
        let error = #expect(throws: L402Error.self) { try L402Credential(token: text, preimage: preimage) }
        #expect(error?.shortDescription == "badToken")
    }

    @Test("matches the payment hash only when sha256(preimage) equals it")
    func matches() throws {
        let credential = try L402Credential(token: token, preimage: preimage)
        let hash = bytes(hex: paymentHashHex)
        #expect(credential.matches(paymentHash: hash))
        var other = hash
        other[31] ^= 0x01
        #expect(!credential.matches(paymentHash: other))
        #expect(!credential.matches(paymentHash: Array(hash.prefix(31))))
        #expect(!credential.matches(paymentHash: []))
        #expect(!credential.matches(paymentHash: preimage))
    }

    @Test("no text form shows the token or the preimage")
    func redaction() throws {
        let credential = try L402Credential(token: token, preimage: preimage)
        var dumped = ""
        dump(credential, to: &dumped)
        let forms = [
            credential.description, credential.debugDescription, "\(credential)", String(describing: credential),
            String(reflecting: credential), dumped, "\([credential])", "\(Optional(credential) as Any)",
        ]
        for form in forms {
            #expect(form.contains("***"), "\(form)")
            #expect(!form.contains(token), "\(form)")
            #expect(!form.contains(credential.preimageHex), "\(form)")
            #expect(!form.contains("AgEE"), "\(form)")
        }
    }
}
