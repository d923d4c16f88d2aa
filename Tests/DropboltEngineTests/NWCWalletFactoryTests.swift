import AsyncHTTPClient
import DropboltCore
@testable import DropboltEngine
import DropboltLightning
import DropboltNostr
import DropboltTesting
import Foundation
import Testing

/// `wallet.kind: nwc` builds an NWC wallet from the URI in `connection_file`; errors never show the secret.
@Suite struct NWCWalletFactoryTests {
    static let wallet = "b889ff5b1513b641e2a139f661a661364979c5beee91842f8f0ef42ab558e9d4"
    static let secret = "71a8c14c1407c113601079c4302dab36460f0ccd0ad506f1f2dc73b5100e4f3c"

    /// Builds the wallet from a private connection file holding `uri`.
    static func makeWallet(uri: String) throws -> any Wallet {
        let folder = try TemporaryDirectory(prefix: "nwc")
        defer { folder.remove() }
        let file = try folder.write("nwc.uri", contents: uri + "\n")
        chmod(file, 0o600)
        return try WalletFactory.make(
            WalletSettings(kind: .nwc, connectionFile: file), httpClient: HTTPClient.shared, environment: [:])
    }

    @Test func aConnectionFileMakesAnNWCWalletWhoseIdentityHasNoSecret() throws {
        let wallet = try Self.makeWallet(
            uri: "nostr+walletconnect://\(Self.wallet)?relay=wss%3A%2F%2Frelay.example&secret=\(Self.secret)")
        #expect(wallet.backendName == "nwc")
        let client = try NostrSecretKey(hex: Self.secret).publicKey.hex
        #expect(wallet.identity == "nwc \(Self.wallet) relay:wss://relay.example client:\(client)")
        #expect(!wallet.identity.contains(Self.secret))
    }

    @Test func aBadConnectionStringNamesTheKeyButNotTheSecret() {
        let error = #expect(throws: WalletSetupError.self) {
            try Self.makeWallet(
                uri: "nostr+walletconnect://\(Self.wallet)?relay=http%3A%2F%2Frelay.example&secret=\(Self.secret)")
        }
        #expect(error?.message.contains("wallet.connection_file") == true)
        #expect(error?.message.contains("wss://") == true)
        #expect(error?.message.contains(Self.secret) == false)
    }
}
