import DropboltCore
import Foundation
import Testing

@Suite("Millisatoshi")
struct MillisatoshiTests {
    @Test("satoshi conversion and rounding")
    func conversion() {
        #expect(Millisatoshi.sats(150).rawValue == 150_000)
        #expect(Millisatoshi(exactlySats: 2) == Millisatoshi(2000))
        #expect(Millisatoshi(exactlySats: .max) == nil)
        #expect(Millisatoshi(exactlySats: Int64.max / 1000) != nil)
        #expect(Millisatoshi(1999).sats == 1)
        #expect(Millisatoshi(1999).satsRoundedUp == 2)
        #expect(Millisatoshi(2000).sats == 2)
        #expect(Millisatoshi(2000).satsRoundedUp == 2)
        #expect(Millisatoshi(1).satsRoundedUp == 1)
        #expect(Millisatoshi.zero.sats == 0 && Millisatoshi.zero.satsRoundedUp == 0)
        #expect(Millisatoshi(-1).sats == -1)
        #expect(Millisatoshi(-1).satsRoundedUp == 0)
        #expect(Millisatoshi(-1000).sats == -1)
        #expect(Millisatoshi(.min).sats == Int64.min / 1000 - 1)
        #expect(Millisatoshi(.max).satsRoundedUp == Int64.max / 1000 + 1)
    }

    @Test("checked arithmetic returns nil on overflow")
    func arithmetic() {
        #expect(Millisatoshi(1500).adding(Millisatoshi(500)) == Millisatoshi(2000))
        #expect(Millisatoshi(1500).subtracting(Millisatoshi(2000)) == Millisatoshi(-500))
        #expect(Millisatoshi(.max).adding(Millisatoshi(1)) == nil)
        #expect(Millisatoshi(.min).subtracting(Millisatoshi(1)) == nil)
        #expect(Millisatoshi(.min).adding(Millisatoshi(-1)) == nil)
        #expect(Millisatoshi(.max).subtracting(Millisatoshi(-1)) == nil)
        #expect(Millisatoshi(.max).adding(Millisatoshi(.min)) == Millisatoshi(-1))
        #expect(Millisatoshi(1500) + Millisatoshi(500) == Millisatoshi(2000))
        #expect(Millisatoshi(1500) - Millisatoshi(500) == Millisatoshi(1000))
    }

    @Test("ordering, description and Codable as a bare integer")
    func valueSemantics() throws {
        #expect(Millisatoshi(1) < Millisatoshi(2))
        #expect([Millisatoshi(3), .zero, Millisatoshi(-2)].sorted() == [Millisatoshi(-2), .zero, Millisatoshi(3)])
        #expect(Millisatoshi(1500).description == "1500 msat")
        #expect("\(Millisatoshi.sats(1))" == "1000 msat")

        let json = try JSONEncoder().encode(["amount": Millisatoshi(250_000_000)])
        #expect(String(decoding: json, as: UTF8.self) == #"{"amount":250000000}"#)
        let decoded = try JSONDecoder().decode([String: Millisatoshi].self, from: json)
        #expect(decoded["amount"] == Millisatoshi(250_000_000))
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([String: Millisatoshi].self, from: Data(#"{"amount":1.5}"#.utf8))
        }
    }
}
