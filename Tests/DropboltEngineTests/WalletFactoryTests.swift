import AsyncHTTPClient
import DropboltCore
import DropboltLightning
import DropboltTesting
import Foundation
import Testing

@testable import DropboltEngine

/// The factory builds the lnd, cln and phoenixd backends from the config's files, never showing a secret, and names
/// the key of a secret file it cannot read.
@Suite struct WalletFactoryTests {
    /// An LND wallet from a binary macaroon file and the node's certificate file talks to the node over TLS.
    @Test func lndFromItsMacaroonAndCertificateFilesReachesTheNode() async throws {
        let fake = try await FakeLND.start()
        defer { fake.stop() }
        let folder = try TemporaryDirectory(prefix: "lnd")
        defer { folder.remove() }
        var settings = WalletSettings(kind: .lnd, url: fake.url)
        settings.macaroonFile = try folder.write("admin.macaroon", data: Data(fake.macaroon))
        settings.tlsCertFile = fake.certificate.certificatePath
        let wallet = try WalletFactory.make(settings, httpClient: .shared, environment: [:])
        #expect(wallet.backendName == "lnd")
        #expect(!wallet.identity.contains(Hex.string(fake.macaroon)))
        #expect(try await wallet.info().nodeID == InvoiceSigner.specPayeeHex)
    }

    @Test func clnAndPhoenixdReadTheirSecretFiles() throws {
        let folder = try TemporaryDirectory(prefix: "secrets")
        defer { folder.remove() }
        var cln = WalletSettings(kind: .cln, url: "https://node.lan:3010")
        cln.runeFile = try folder.write("rune", contents: "rune-secret-text\n")
        let clnWallet = try WalletFactory.make(cln, httpClient: .shared, environment: [:])
        #expect(clnWallet.backendName == "cln" && !clnWallet.identity.contains("rune-secret-text"))
        var phoenixd = WalletSettings(kind: .phoenixd, url: "http://127.0.0.1:9740")
        phoenixd.passwordFile = try folder.write("password", contents: "phoenix-password\n")
        let phoenixdWallet = try WalletFactory.make(phoenixd, httpClient: .shared, environment: [:])
        #expect(phoenixdWallet.backendName == "phoenixd" && !phoenixdWallet.identity.contains("phoenix-password"))
    }

    @Test func aMissingCertificateFileIsASetupErrorNamingTheKey() throws {
        let folder = try TemporaryDirectory(prefix: "lnd")
        defer { folder.remove() }
        var settings = WalletSettings(kind: .lnd, url: "https://node.lan:8080")
        settings.macaroonFile = try folder.write("admin.macaroon", contents: "0201abcd")
        settings.tlsCertFile = folder.url("missing.cert")
        let error = #expect(throws: WalletSetupError.self) {
            try WalletFactory.make(settings, httpClient: .shared, environment: [:])
        }
        #expect(error?.message.contains("wallet.tls_cert_file") == true, "\(String(describing: error))")
        #expect(error?.message.contains("0201abcd") == false)
    }

    @Test func aMissingNWCConnectionFileIsNamed() {
        let settings = WalletSettings(kind: .nwc, connectionFile: "/nonexistent/nwc.uri")
        let error = #expect(throws: WalletSetupError.self) {
            try WalletFactory.make(settings, httpClient: .shared, environment: [:])
        }
        #expect(error?.message.contains("wallet.connection_file") == true, "\(String(describing: error))")
    }
}
