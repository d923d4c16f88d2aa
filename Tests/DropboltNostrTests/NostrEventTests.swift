import DropboltCore
import Testing

@testable import DropboltNostr

/// NIP-01 ids, signatures and their checks.
@Suite struct NostrEventTests {
    static let author = "385c3a6ec0b9d57a4330dbd6284989be5bd00e41c535f9ca39b6ae7c521b81cd"
    static let tags = [
        ["p", "f572561e79d30c334e7ce864a2055e887eafdf5dad71242adc0c43567cc269f8"], ["expiration", "1733480060"],
    ]
    static let content = "line\nbreak \"quote\" back\\slash \t tab \u{08} \u{0C} \r \u{01} é 🚀 </script>"

    @Test func serializationFollowsNIP01Escaping() {
        // Python's json.dumps(separators=(",", ":"), ensure_ascii=False) of the same array, and its SHA-256.
        let expected =
            #"[0,"385c3a6ec0b9d57a4330dbd6284989be5bd00e41c535f9ca39b6ae7c521b81cd",1733480000,23194,"#
            + #"[["p","f572561e79d30c334e7ce864a2055e887eafdf5dad71242adc0c43567cc269f8"],["expiration","1733480060"]],"#
            + #""line\nbreak \"quote\" back\\slash \t tab \b \f \r \u0001 é 🚀 </script>"]"#
        let bytes = NostrEvent.serializedForID(
            pubkey: Self.author, createdAt: 1_733_480_000, kind: 23194, tags: Self.tags, content: Self.content)
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
        let event = NostrEvent(
            id: "", pubkey: Self.author, createdAt: 1_733_480_000, kind: 23194, tags: Self.tags, content: Self.content,
            sig: "")
        #expect(event.computedID == "50b48ffb3dcd619713b1da8a8ac5cf68f1a556bd6d6500beca5a6d7022d03f56")
    }

    @Test func aSignedEventIsAuthenticAndItsAuthorIsTheKey() throws {
        let key = try NostrSecretKey(hex: NIP04Tests.alice)
        let event = NostrEvent.signed(
            kind: 23194, tags: Self.tags, content: Self.content, by: key, createdAt: 1_733_480_000)
        #expect(event.pubkey == Self.author)
        #expect(event.id == "50b48ffb3dcd619713b1da8a8ac5cf68f1a556bd6d6500beca5a6d7022d03f56")
        #expect(event.isAuthentic)
    }

    @Test func anyChangedFieldBreaksAuthenticity() throws {
        let key = NostrSecretKey.random()
        let event = NostrEvent.signed(kind: 23195, tags: [["e", "ab"]], content: "x", by: key)
        var changed = [event, event, event, event, event, event]
        changed[0].content = "y"
        changed[1].tags = [["e", "ac"]]
        changed[2].kind = 23194
        changed[3].createdAt += 1
        changed[4].pubkey = NostrSecretKey.random().publicKey.hex
        changed[5].sig = String(event.sig.reversed())
        for event in changed { #expect(!event.isAuthentic) }
        // A consistent id with someone else's signature is still refused.
        var forged = NostrEvent.signed(kind: 23195, tags: [], content: "x", by: NostrSecretKey.random())
        forged.pubkey = key.publicKey.hex
        forged.id = forged.computedID
        #expect(!forged.isAuthentic)
    }

    @Test func eventsRoundTripThroughJSONWithSnakeCaseTime() throws {
        let event = NostrEvent.signed(
            kind: 13194, tags: [["encryption", "nip44_v2 nip04"]], content: "pay_invoice", by: .random())
        let json = ClientMessage.event(event).json
        #expect(json.contains(#""created_at":\#(event.createdAt)"#))
        #expect(json.hasPrefix(#"["EVENT",{"#))
        let relayed = try #require(RelayMessage(json: #"["EVENT","sub1","# + json.dropFirst(#"["EVENT","#.count)))
        #expect(relayed == .event(subscription: "sub1", event))
        #expect(event.firstTag("encryption") == ["nip44_v2 nip04"])
    }
}
