import Testing

@testable import DropboltNostr

/// `nostr+walletconnect://` parsing, and the secret staying out of every text.
@Suite struct WalletConnectURITests {
    static let wallet = "b889ff5b1513b641e2a139f661a661364979c5beee91842f8f0ef42ab558e9d4"
    static let secret = "71a8c14c1407c113601079c4302dab36460f0ccd0ad506f1f2dc73b5100e4f3c"

    @Test func theNIP47ExampleParses() throws {
        let uri = try WalletConnectURI(
            parsing: "nostr+walletconnect://\(Self.wallet)?relay=wss%3A%2F%2Frelay.damus.io&secret=\(Self.secret)")
        #expect(uri.walletPublicKey.hex == Self.wallet)
        #expect(uri.relays == ["wss://relay.damus.io"])
        #expect(uri.secret.publicKey == (try NostrSecretKey(hex: Self.secret)).publicKey)
    }

    /// Other parameters (a lightning address, unknown ones) are ignored: dropbolt only needs relays and the secret.
    @Test func severalRelaysOtherParametersAndWhitespace() throws {
        let uri = try WalletConnectURI(
            parsing:
                "  nostr+walletconnect://\(Self.wallet.uppercased())?relay=wss://a.example/nostr&relay=ws%3A%2F%2F127.0.0.1%3A7447"
                + "&lud16=me%40example.com&secret=\(Self.secret)&unknown=1\n")
        #expect(uri.relays == ["wss://a.example/nostr", "ws://127.0.0.1:7447"])
        #expect(uri.walletPublicKey.hex == Self.wallet)
    }

    @Test func theSecretNeverAppearsInTheDescription() throws {
        let uri = try WalletConnectURI(
            parsing: "nostr+walletconnect://\(Self.wallet)?relay=wss%3A%2F%2Frelay.damus.io&secret=\(Self.secret)")
        for text in ["\(uri)", String(reflecting: uri), "\(uri.secret)"] {
            #expect(!text.contains(Self.secret), "\(text)")
        }
        #expect("\(uri)".contains("secret=***"))
    }

    @Test func plainWebSocketsOnlyToLoopback() {
        for relay in ["ws://127.0.0.1:7447", "ws://localhost:7447/", "ws://[::1]:7447", "ws://127.1.2.3"] {
            #expect(WalletConnectURI.isAcceptableRelay(relay), "\(relay)")
        }
        for relay in ["ws://127.evil.example", "ws://127.0.0.1@evil.example", "ws://10.0.0.1", "ws://[::2]:1"] {
            #expect(!WalletConnectURI.isAcceptableRelay(relay), "\(relay)")
        }
    }

    @Test(arguments: [
        ("https://\(wallet)?relay=wss://r&secret=\(secret)", "must start with"),
        ("nostr+walletconnect://abcd?relay=wss://r&secret=\(secret)", "wallet public key"),
        ("nostr+walletconnect://\(wallet)?secret=\(secret)", "no relay"),
        ("nostr+walletconnect://\(wallet)?relay=https://r.example&secret=\(secret)", "wss://"),
        ("nostr+walletconnect://\(wallet)?relay=ws://relay.example&secret=\(secret)", "wss://"),
        ("nostr+walletconnect://\(wallet)?relay=ws://127.evil.example&secret=\(secret)", "wss://"),
        ("nostr+walletconnect://\(wallet)?relay=ws://127.0.0.1@evil.example&secret=\(secret)", "wss://"),
        ("nostr+walletconnect://\(wallet)?relay=wss://r", "no secret"),
        ("nostr+walletconnect://\(wallet)?relay=wss://r&secret=\(secret.dropLast())", "secret must be"),
        ("nostr+walletconnect://\(wallet)?relay=wss://r&secret=\(String(repeating: "f", count: 64))", "secret must be"),
        ("nostr+walletconnect://\(wallet)?relay=wss%ZZ&secret=\(secret)", "percent"),
    ])
    func badStringsAreRefusedWithoutEchoingTheSecret(_ input: String, _ expected: String) {
        do {
            _ = try WalletConnectURI(parsing: input)
            Issue.record("accepted \(input)")
        } catch {
            #expect(error.message.contains(expected), "\(error)")
            #expect(!"\(error)".contains(Self.secret.dropLast()), "\(error)")
        }
    }
}
