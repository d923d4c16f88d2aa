import DropboltCore
import DropboltLightning
import DropboltStore
import DropboltTesting
import Foundation
import Testing

@testable import DropboltEngine

/// `dropbolt wallet test|balance` through the binary, and the whole paid path through the `command` backend
/// (`tools/wallet-command/lnbits.py`) paying the test run's real LNbits: exactly one payment per job.
@Suite(.serialized)
struct WalletCommandTests {
    /// The example script's arguments for `action`, reaching `lnbits` with the key in `keyFile`.
    static func script(_ action: String, _ lnbits: LNbitsServer, keyFile: String) -> String {
        let path = LNbitsServer.repositoryRoot + "/tools/wallet-command/lnbits.py"
        return #"["/usr/bin/python3", "\#(path)", "\#(action)", "--url", "\#(lnbits.url)", "--key-file", "\#(keyFile)"]"#
    }

    static func decode(_ output: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
    }

    @Test func walletTestShowsTheBackendBalanceAndWhatIsMissingWithoutTheKey() async throws {
        let lnbits = try await LNbitsServer.forTest()
        let keyFolder = try TemporaryDirectory(prefix: "key")
        defer { keyFolder.remove() }
        let keyFile = try keyFolder.write("admin.key", contents: lnbits.payer.adminkey)
        chmod(keyFile, 0o600)
        let harness = try DaemonHarness(
            extraConfig: "wallet:\n  kind: lnbits\n  url: \(lnbits.url)\n  key_file: \(keyFile)\n  max_fee_sats: 7")
        defer { harness.directory.remove() }

        let test = try BinarySmokeTests.run(["wallet", "test", "--json", "--config", harness.configPath])
        #expect(test.status == 0, "\(test.output)")
        let report = try Self.decode(test.output)
        #expect(report["backend"] as? String == "lnbits")
        let balanceNow = try await lnbits.balanceMsat(lnbits.payer)
        #expect((report["balance_msat"] as? NSNumber)?.int64Value == balanceNow)
        #expect(report["supports"] as? [String] == ["pay", "lookup", "balance"])
        #expect((report["max_fee_sats"] as? NSNumber)?.int64Value == 7)
        #expect((report["errors"] as? [Any])?.isEmpty == true)
        let notes = (report["notes"] as? [String] ?? []).joined(separator: "\n")
        #expect(notes.contains("set wallet.network"), "\(notes)")
        #expect(notes.contains("takes no fee limit"), "\(notes)")
        #expect(!test.output.contains(lnbits.payer.adminkey))

        let text = try BinarySmokeTests.run(["wallet", "test", "--config", harness.configPath])
        #expect(text.status == 0)
        #expect(text.output.contains("backend:  lnbits") && text.output.contains("max fee:  7 sats"), "\(text.output)")
        let balance = try BinarySmokeTests.run(["wallet", "balance", "--config", harness.configPath])
        #expect(balance.status == 0)
        #expect(balance.output.hasPrefix("\(try await lnbits.balanceMsat(lnbits.payer) / 1000) sats"), "\(balance.output)")
    }

    @Test func aWalletThatRefusesTheKeyFailsTheTestAndTheKeyIsNeverShown() async throws {
        let lnbits = try await LNbitsServer.forTest()
        let keyFolder = try TemporaryDirectory(prefix: "key")
        defer { keyFolder.remove() }
        let wrongKey = String(repeating: "0badc0de", count: 4)
        let keyFile = try keyFolder.write("admin.key", contents: wrongKey)
        chmod(keyFile, 0o600)
        let harness = try DaemonHarness(extraConfig: "wallet:\n  kind: lnbits\n  url: \(lnbits.url)\n  key_file: \(keyFile)")
        defer { harness.directory.remove() }
        let test = try BinarySmokeTests.run(["wallet", "test", "--json", "--config", harness.configPath])
        #expect(test.status == 1)
        let errors = try Self.decode(test.output)["errors"] as? [String] ?? []
        #expect(errors.count == 2 && errors.allSatisfy { $0.contains("unauthorized") }, "\(errors)")
        #expect(!test.output.contains(wrongKey))
        #expect(try BinarySmokeTests.run(["wallet", "balance", "--config", harness.configPath]).status == 1)
    }

    @Test func aWalletThatRefusesConnectionsFailsTheTestAtOnceNotAtTheTimeout() throws {
        let keyFolder = try TemporaryDirectory(prefix: "key")
        defer { keyFolder.remove() }
        let keyFile = try keyFolder.write("admin.key", contents: "0123456789abcdef")
        chmod(keyFile, 0o600)
        // Port 9 (discard) is closed on loopback: every connection is refused.
        let harness = try DaemonHarness(
            extraConfig: "wallet:\n  kind: lnbits\n  url: http://127.0.0.1:9\n  key_file: \(keyFile)\n  timeout_seconds: 120")
        defer { harness.directory.remove() }
        let started = ContinuousClock.now
        let test = try BinarySmokeTests.run(["wallet", "test", "--json", "--config", harness.configPath])
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(test.status == 1)
        let errors = try Self.decode(test.output)["errors"] as? [String] ?? []
        #expect(errors.count == 2 && errors.allSatisfy { $0.contains("unavailable") }, "\(errors)")
    }

    @Test func withoutAWalletTheCommandSaysSo() throws {
        let harness = try DaemonHarness()
        defer { harness.directory.remove() }
        let test = try BinarySmokeTests.runKeepingErrors(["wallet", "test", "--config", harness.configPath])
        #expect(test.status == 1)
        #expect(test.output.isEmpty)
        #expect(test.errors.contains("configures no wallet (quote-only mode)"), "\(test.errors)")
    }

    @Test func theCommandBackendPaysEachJobExactlyOnceThroughLNbits() async throws {
        try await PaidPathTests.withWorld { world in
            let keyFolder = try TemporaryDirectory(prefix: "key")
            defer { keyFolder.remove() }
            let keyFile = try keyFolder.write("admin.key", contents: world.payer.adminkey)
            chmod(keyFile, 0o600)
            let lnbits = world.lnbits
            let config = """
                wallet:
                  kind: command
                  command: \(Self.script("pay", lnbits, keyFile: keyFile))
                  lookup_command: \(Self.script("lookup", lnbits, keyFile: keyFile))
                  balance_command: \(Self.script("balance", lnbits, keyFile: keyFile))
                """
            let harness = try DaemonHarness(
                extraConfig: config, providerURL: world.provider.url,
                rules: ["products": DaemonHarness.productsRule, "captions": DaemonHarness.captionsRule])
            defer { harness.directory.remove() }
            let before = try await world.payerBalance()
            // No wallet override: the daemon builds the command backend from the config, as a user's would.
            try await harness.withDaemon(processJobs: true) { _ in
                for name in ["a", "b", "c"] {
                    try await harness.waitForJob(
                        try PaidPathTests.dropImage(harness, "inbox/captions/\(name).png"), state: .done)
                }
            }
            let payments = try await world.outgoingPayments()
            let jobs = try await harness.jobs()
            #expect(payments.count == 3)
            #expect(Set(payments.map(\.paymentHash)) == Set(jobs.compactMap(\.paymentHash)))
            let spent = try await harness.store().spentTotal(since: .distantPast)
            let after = try await world.payerBalance()
            #expect(before - after == spent)
        }
    }
}
