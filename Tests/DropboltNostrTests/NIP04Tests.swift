import DropboltCore
import Testing

@testable import DropboltNostr

/// NIP-04: AES-256-CBC with the unhashed ECDH x coordinate, `base64?iv=base64`.
@Suite struct NIP04Tests {
    // Computed independently (pure-Python secp256k1 and the `cryptography` package's AES-CBC/PKCS7).
    static let alice = "6b911fd37cdf5c81d4c0adb1ab7fa822ed253ab0ad9aa18d77257c88b29b718e"
    static let bob = "7b911fd37cdf5c81d4c0adb1ab7fa822ed253ab0ad9aa18d77257c88b29b718e"
    static let sharedKey = "3eed00eec17e696fa6a0125a32ab2b25bc400f4b75d6fa6488d8eaffea26b975"
    static let plaintext = #"nostr wallet connect: {"method":"get_balance"} ✓"#
    static let content =
        "bXSi96AXDnqIZnMHwa7ZtJLiVS8xHHLqc7p9xM+bbZNZK6d39c7Wj0hHtHlqtzH9dux1+NwhtRjbFixyKerJmA==?iv=AAECAwQFBgcICQoLDA0ODw=="

    @Test func theSharedKeyIsTheUnhashedXCoordinateBothWays() throws {
        let alice = try NostrSecretKey(hex: Self.alice)
        let bob = try NostrSecretKey(hex: Self.bob)
        #expect(Hex.string(try NIP04.sharedKey(secret: alice, publicKey: bob.publicKey)) == Self.sharedKey)
        #expect(Hex.string(try NIP04.sharedKey(secret: bob, publicKey: alice.publicKey)) == Self.sharedKey)
    }

    @Test func encryptionWithAFixedIVMatchesTheIndependentVector() throws {
        let key = try #require(Hex.bytes(Self.sharedKey))
        #expect(try NIP04.encrypt(Self.plaintext, sharedKey: key, iv: Array(0..<16)) == Self.content)
        #expect(try NIP04.decrypt(Self.content, sharedKey: key) == Self.plaintext)
    }

    @Test func aRandomIVRoundTripsBetweenTwoKeys() throws {
        let alice = NostrSecretKey.random()
        let bob = NostrSecretKey.random()
        let content = try NIP04.encrypt("hello", sharedKey: NIP04.sharedKey(secret: alice, publicKey: bob.publicKey))
        #expect(content.contains("?iv="))
        #expect(
            try NIP04.decrypt(content, sharedKey: NIP04.sharedKey(secret: bob, publicKey: alice.publicKey)) == "hello")
    }

    @Test func malformedOrForeignContentIsRefused() throws {
        let key = try #require(Hex.bytes(Self.sharedKey))
        let wrongKey = [UInt8](repeating: 9, count: 32)
        for bad in [
            "", "abc", "bXSi96AXDnqIZnMHwa7ZtA==", "bXSi96AXDnqIZnMHwa7ZtA==?iv=AAEC", "!!?iv=AAECAwQFBgcICQoLDA0ODw==",
        ] {
            #expect(throws: NIP04.Failure.self, "\(bad)") { try NIP04.decrypt(bad, sharedKey: key) }
        }
        // A wrong key almost always breaks the PKCS#7 padding; when it happens not to, the text is garbage.
        if let opened = try? NIP04.decrypt(Self.content, sharedKey: wrongKey) {
            #expect(opened != Self.plaintext)
        }
    }
}
