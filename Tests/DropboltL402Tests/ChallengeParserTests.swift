import DropboltL402
import Testing

/// A real BOLT 11 test vector (lightning/bolts): 2500u, "1 cup coffee". Only its shape matters here.
private let invoice =
    "lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqq"
    + "syqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx85fkpmdla2087ne0xh8nh"
/// Standard alphabet with `+` and `/`, padded.
private let standardToken = "AgEE+/++7z4/ECA="
/// The same bytes, URL-safe alphabet, unpadded.
private let urlSafeToken = "AgEE-_--7z4_ECA"
/// A longer token: 42 bytes, standard alphabet, no padding needed.
private let longToken = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJ/v/"

/// One `WWW-Authenticate` situation and what the parser must make of it.
struct HeaderCase: Sendable, CustomTestStringConvertible {
    struct Expected: Sendable, Equatable {
        var scheme: String
        var token: String
        var invoice: String
    }

    var name: String
    var headers: [String]
    /// The challenges in the order returned, or empty when parsing must fail.
    var challenges: [Expected] = []
    /// The ``L402Error/shortDescription`` expected when parsing fails.
    var failure: String?

    var testDescription: String { name }

    static func accepts(_ name: String, _ headers: [String], _ challenges: [Expected]) -> HeaderCase {
        HeaderCase(name: name, headers: headers, challenges: challenges)
    }

    static func rejects(_ name: String, _ headers: [String], with failure: String) -> HeaderCase {
        HeaderCase(name: name, headers: headers, failure: failure)
    }
}

private func l402(_ token: String = standardToken, _ scheme: String = "L402") -> HeaderCase.Expected {
    HeaderCase.Expected(scheme: scheme, token: token, invoice: invoice)
}

private let acceptedCases: [HeaderCase] = [
    .accepts(
        "macaroon before invoice (Aperture)", [#"L402 macaroon="\#(standardToken)", invoice="\#(invoice)""#], [l402()]),
    .accepts("invoice before macaroon", [#"L402 invoice="\#(invoice)", macaroon="\#(standardToken)""#], [l402()]),
    .accepts(
        "token= with version (current spec)", [#"L402 version="0", token="\#(standardToken)", invoice="\#(invoice)""#],
        [l402()]),
    .accepts("invoice before token", [#"L402 invoice="\#(invoice)", token="\#(standardToken)""#], [l402()]),
    .accepts(
        "LSAT scheme", [#"LSAT macaroon="\#(standardToken)", invoice="\#(invoice)""#], [l402(standardToken, "LSAT")]),
    .accepts(
        "lowercase l402", [#"l402 token="\#(standardToken)", invoice="\#(invoice)""#], [l402(standardToken, "l402")]),
    .accepts(
        "lowercase lsat", [#"lsat macaroon="\#(standardToken)", invoice="\#(invoice)""#],
        [l402(standardToken, "lsat")]),
    .accepts(
        "Aperture's two headers, LSAT first",
        [
            #"LSAT macaroon="\#(standardToken)", invoice="\#(invoice)""#,
            #"L402 macaroon="\#(standardToken)", invoice="\#(invoice)""#,
        ],
        [l402(), l402(standardToken, "LSAT")]),
    .accepts(
        "Aperture's two headers folded into one by Foundation",
        [
            #"LSAT macaroon="\#(standardToken)", invoice="\#(invoice)", "#
                + #"L402 macaroon="\#(standardToken)", invoice="\#(invoice)""#
        ],
        [l402(), l402(standardToken, "LSAT")]),
    .accepts(
        "Basic challenge before L402",
        [#"Basic realm="x", L402 macaroon="\#(standardToken)", invoice="\#(invoice)""#], [l402()]),
    .accepts("unquoted values, padded token", ["L402 macaroon=\(standardToken), invoice=\(invoice)"], [l402()]),
    .accepts(
        "quoted values with escapes and a comma inside",
        [#"L402 realm="say \"hi\", L402 x=\"y\"", token="AgEE\+/++7z4/ECA=", invoice="\#(invoice)""#], [l402()]),
    .accepts(
        "unknown parameters around the known ones",
        [#"L402 version=0, realm="sats4ai", token="\#(standardToken)", foo=bar, invoice="\#(invoice)", x="""#],
        [l402()]),
    .accepts(
        "whitespace around = and , (spaces and tabs)",
        ["L402 \t macaroon = \"\(standardToken)\"\t,invoice=\t\"\(invoice)\"  "], [l402()]),
    .accepts(
        "URL-safe unpadded token", [#"L402 token="\#(urlSafeToken)", invoice="\#(invoice)""#], [l402(urlSafeToken)]),
    .accepts(
        "standard token that needs no padding", [#"L402 token=\#(longToken), invoice=\#(invoice)"#], [l402(longToken)]),
    .accepts(
        "Bearer token68 before L402",
        [#"Bearer abc.def-ghi~jk+/==, L402 token="\#(standardToken)", invoice="\#(invoice)""#], [l402()]),
    .accepts(
        "both token= and macaroon= (sats4ai)",
        [#"L402 token="\#(standardToken)", macaroon="\#(standardToken)", invoice="\#(invoice)""#], [l402()]),
    .accepts(
        "MPP Payment challenge next to L402",
        [
            #"Payment id="ch_1", method="lightning", request="eyJhIjoxfQ", "#
                + #"L402 macaroon="\#(standardToken)", invoice="\#(invoice)""#
        ],
        [l402()]),
    .accepts(
        "empty list elements and a scheme without parameters",
        [#" , Negotiate, , L402 token="\#(standardToken)", invoice="\#(invoice)",, "#], [l402()]),
    .accepts(
        "parameter names in any case, uppercase invoice",
        [#"L402 MACAROON="\#(standardToken)", Invoice="\#(invoice.uppercased())""#],
        [HeaderCase.Expected(scheme: "L402", token: standardToken, invoice: invoice.uppercased())]),
    .accepts(
        "a broken extra header does not hide a good one",
        [#"Payment id="unterminated"#, #"L402 token="\#(standardToken)", invoice="\#(invoice)""#], [l402()]),
    .accepts(
        "one bad L402 challenge next to a good LSAT one",
        [#"L402 token="%%%", invoice="\#(invoice)", LSAT macaroon="\#(standardToken)", invoice="\#(invoice)""#],
        [l402(standardToken, "LSAT")]),
]

private let rejectedCases: [HeaderCase] = [
    .rejects("missing invoice", [#"L402 macaroon="\#(standardToken)""#], with: "missingInvoice"),
    .rejects("missing token", [#"L402 invoice="\#(invoice)""#], with: "missingToken"),
    .rejects("token is not base64", [#"L402 token="not base64!", invoice="\#(invoice)""#], with: "badToken"),
    .rejects("token has an impossible length", [#"L402 token="AgEEb", invoice="\#(invoice)""#], with: "badToken"),
    .rejects("token mixes both alphabets", [#"L402 token="Ag+E_A", invoice="\#(invoice)""#], with: "badToken"),
    .rejects("token has too much padding", [#"L402 token="AgE===", invoice="\#(invoice)""#], with: "badToken"),
    .rejects(
        "token= and macaroon= disagree",
        [#"L402 token="\#(standardToken)", macaroon="\#(longToken)", invoice="\#(invoice)""#], with: "badToken"),
    .rejects("empty token", [#"L402 token="", invoice="\#(invoice)""#], with: "badToken"),
    .rejects("invoice is not BOLT 11", [#"L402 token="\#(standardToken)", invoice="bc1qxyz""#], with: "badInvoice"),
    .rejects("empty invoice", [#"L402 token="\#(standardToken)", invoice="""#], with: "badInvoice"),
    .rejects(
        "invoice with spaces", [#"L402 token="\#(standardToken)", invoice="lnbc 2500u""#], with: "badInvoice"),
    .rejects("empty header", [""], with: "noChallenge"),
    .rejects("no header at all", [], with: "noChallenge"),
    .rejects("only other schemes", [#"Basic realm="x""#, "Bearer abc=="], with: "noChallenge"),
    .rejects(
        "unterminated quote", [#"L402 token="\#(standardToken)", invoice="\#(invoice)"#], with: "malformedHeader"),
    .rejects("scheme glued to a parameter", [#"L402="\#(standardToken)""#], with: "malformedHeader"),
    .rejects(
        "garbage after a quoted value", [#"L402 token="\#(standardToken)"x, invoice="\#(invoice)""#],
        with: "malformedHeader"),
    .rejects("parameter without a value", [#"L402 token=, invoice="\#(invoice)""#], with: "malformedHeader"),
    .rejects(
        "same parameter twice with different values",
        [#"L402 token="\#(standardToken)", invoice="\#(invoice)", invoice="lnbc1x""#], with: "malformedHeader"),
    .rejects("L402 with a token68 instead of parameters", ["L402 \(standardToken)"], with: "missingToken"),
    .rejects(
        "control character in a quoted value", ["L402 token=\"Ag\u{01}E\", invoice=\"\(invoice)\""],
        with: "malformedHeader"),
]

@Suite("ChallengeParser")
struct ChallengeParserTests {
    @Test("accepts", arguments: acceptedCases)
    func accepts(_ testCase: HeaderCase) throws {
        let challenges = try ChallengeParser.parse(headerValues: testCase.headers)
        let seen = challenges.map { HeaderCase.Expected(scheme: $0.scheme, token: $0.token, invoice: $0.invoice) }
        #expect(seen == testCase.challenges)
        #expect(ChallengeParser.preferred(challenges) == challenges.first)
        for challenge in challenges {
            #expect(challenge.decodedToken != nil)
        }
    }

    @Test("rejects", arguments: rejectedCases)
    func rejects(_ testCase: HeaderCase) throws {
        let error = try #require(throws: L402Error.self) {
            try ChallengeParser.parse(headerValues: testCase.headers)
        }
        #expect(error.shortDescription == testCase.failure)
        #expect(!error.message.isEmpty)
        // A reason never repeats a token it was given.
        #expect(!error.message.contains(standardToken))
    }

    @Test("there are at least 15 accepted and 10 rejected header variants")
    func tableSize() {
        #expect(acceptedCases.count >= 15)
        #expect(rejectedCases.count >= 10)
    }

    @Test("keeps all parameters, lowercased, unquoted and unescaped")
    func parameters() throws {
        let challenges = try ChallengeParser.parse(headerValues: [
            #"L402 Version="0", REALM="say \"hi\"", token=\#(standardToken), invoice="\#(invoice)""#
        ])
        let challenge = try #require(challenges.first)
        #expect(
            challenge.parameters == [
                "version": "0", "realm": #"say "hi""#, "token": standardToken, "invoice": invoice,
            ])
    }

    @Test("decodes URL-safe and standard tokens to the same bytes")
    func tokenBytes() throws {
        let standard = try #require(
            ChallengeParser.parse(headerValues: ["L402 token=\(standardToken), invoice=\(invoice)"]).first)
        let urlSafe = try #require(
            ChallengeParser.parse(headerValues: ["L402 token=\(urlSafeToken), invoice=\(invoice)"]).first)
        let expected: [UInt8] = [0x02, 0x01, 0x04, 0xFB, 0xFF, 0xBE, 0xEF, 0x3E, 0x3F, 0x10, 0x20]
        #expect(standard.decodedToken == expected)
        #expect(urlSafe.decodedToken == expected)
    }

    @Test("preferred picks L402 over LSAT in a list built by hand")
    func preferred() {
        let lsat = L402Challenge(scheme: "LSAT", token: standardToken, invoice: invoice, parameters: [:])
        let l402 = L402Challenge(scheme: "l402", token: urlSafeToken, invoice: invoice, parameters: [:])
        #expect(ChallengeParser.preferred([lsat, l402]) == l402)
        #expect(ChallengeParser.preferred([lsat]) == lsat)
        #expect(ChallengeParser.preferred([]) == nil)
        #expect(lsat.isLegacyScheme)
        #expect(!l402.isLegacyScheme)
    }

    @Test("never crashes on odd input")
    func oddInput() {
        let inputs = [
            "L402", "L402 ", ",", "\"", "=", "L402 token", "L402 token=\"\\", "L402 ,,,", "L402 token=\"a\"\"",
            "\u{00E9}t\u{00E9} x=y", "L402 token=\u{00E9}", String(repeating: "L402 a=b, ", count: 500),
        ]
        for input in inputs {
            #expect(throws: L402Error.self) { try ChallengeParser.parse(headerValues: [input]) }
        }
    }
}
