import DropboltLightning
import Testing

@Suite("Bech32")
struct Bech32Tests {
    @Test(
        "BIP-173 valid strings decode",
        arguments: [
            "A12UEL5L", "a12uel5l",
            "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
            "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
            "11" + String(repeating: "q", count: 82) + "c8247j",
            "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w", "?1ezyfcl",
        ]
    )
    func validStrings(string: String) throws {
        let decoded = try Bech32.decode(string)
        #expect(
            Bech32.encode(humanReadablePart: decoded.humanReadablePart, words: decoded.words) == string.lowercased())
    }

    @Test("the separator is the last 1, and the human-readable part is lower-cased")
    func separatorAndCase() throws {
        let decoded = try Bech32.decode("A12UEL5L")
        #expect(decoded.humanReadablePart == "a")
        #expect(decoded.words.isEmpty)
        let split = try Bech32.decode("split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w")
        #expect(split.humanReadablePart == "split")
        let ones = try Bech32.decode(Bech32.encode(humanReadablePart: "a1b1c", words: [1, 2, 3]))
        #expect(ones.humanReadablePart == "a1b1c")
        #expect(ones.words == [1, 2, 3])
    }

    @Test(
        "BIP-173 invalid strings and mixed case are refused with a reason",
        arguments: [
            ("\u{20}1nwldj5", "invalidCharacter"), ("\u{7F}1axkwrx", "invalidCharacter"),
            ("\u{80}1eym55h", "invalidCharacter"),
            (
                "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
                "invalidHumanReadablePart"
            ),
            ("pzry9x0s0muk", "missingSeparator"), ("1pzry9x0s0muk", "invalidHumanReadablePart"),
            ("x1b4n0q5v", "invalidCharacter"), ("li1dgmt3", "tooShort"), ("de1lg7wt\u{FF}", "invalidCharacter"),
            ("A1G7SGD8", "invalidChecksum"), ("10a06t8", "invalidHumanReadablePart"),
            ("1qzzfhee", "invalidHumanReadablePart"), ("A12uEL5L", "mixedCase"), ("a12uel5m", "invalidChecksum"),
            ("", "missingSeparator"),
        ]
    )
    func invalidStrings(string: String, code: String) {
        do {
            let decoded = try Bech32.decode(string)
            Issue.record("decoded \(decoded) but expected \(code)")
        } catch {
            #expect(error.shortDescription == code, "\(error)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test("there is no 90-character limit, and every single-character change breaks the checksum")
    func longStringsAndChecksum() throws {
        let words = (0..<500).map { UInt8($0 % 32) }
        let string = Bech32.encode(humanReadablePart: "lnbc", words: words)
        #expect(string.count == 4 + 1 + 500 + 6)
        #expect(try Bech32.decode(string).words == words)
        #expect(try Bech32.decode(string.uppercased()).words == words)

        let base = Array(Bech32.encode(humanReadablePart: "ab", words: [3, 1, 4, 1, 5, 9, 2, 6]))
        for index in base.indices where index != 2 {
            var changed = base
            changed[index] = changed[index] == "q" ? "p" : "q"
            #expect(throws: Bech32Error.self) { try Bech32.decode(String(changed)) }
        }
    }

    @Test("regrouping between 8-bit bytes and 5-bit words")
    func regrouping() {
        let bytes: [UInt8] = [0x00, 0x01, 0xff, 0x80, 0x7f, 0x55]
        let words = Bech32.words(fromBytes: bytes)
        #expect(words.count == 10)
        #expect(words.allSatisfy { $0 < 32 })
        #expect(Bech32.bytes(fromWords: words) == bytes)
        #expect(Bech32.words(fromBytes: [0xff]) == [31, 28])
        #expect(Bech32.words(fromBytes: []) == [])

        // Strict decoding: leftover bits must be fewer than 5 and zero.
        #expect(Bech32.bytes(fromWords: [31, 29]) == nil)
        #expect(Bech32.bytes(fromWords: [31, 28, 0]) == nil)
        #expect(Bech32.bytes(fromWords: [32]) == nil)
        #expect(Bech32.regroup([31, 29], fromBits: 5, toBits: 8, padding: .discard) == [0xff])
        #expect(Bech32.regroup([31, 29], fromBits: 5, toBits: 8, padding: .zeroFill) == [0xff, 0x40])
        #expect(Bech32.regroup([1, 0, 1], fromBits: 1, toBits: 3, padding: .strict) == [5])
    }
}
