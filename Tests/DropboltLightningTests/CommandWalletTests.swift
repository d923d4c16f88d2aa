import DropboltCore
import DropboltTesting
import Foundation
import Testing

@testable import DropboltLightning

/// The `command` backend against small scripts that play each part of its contract, then against the example
/// script `tools/wallet-command/lnbits.py` paying through the test run's real LNbits.
@Suite("Command wallet")
struct CommandWalletTests {
    static let signer = InvoiceSigner()
    static let preimage = String(repeating: "5a", count: 32)

    /// A folder with `script` written as an executable `program` (bash), and the invoice it will be asked to pay.
    static func wallet(
        pay script: String, lookup: String = "echo '{\"status\":\"not_found\"}'", balance: String? = nil,
        timeout: Duration = .seconds(10)
    ) throws -> (CommandWallet, TemporaryDirectory) {
        let folder = try TemporaryDirectory()
        func program(_ name: String, _ body: String) throws -> [String] {
            let path = try folder.write(name, contents: "#!/bin/bash\n" + body + "\n")
            chmod(path, 0o700)
            return [path]
        }
        let wallet = CommandWallet(
            pay: try program("pay", script), lookup: try program("lookup", lookup),
            balance: try balance.map { try program("balance", $0) }, environment: ["PATH": "/usr/bin:/bin", "HOME": folder.path],
            timeout: timeout)
        return (wallet, folder)
    }

    static func invoice() throws -> Invoice { try Invoice.decode(signer.invoice(hrp: "lnbc2500u")) }

    static func failure(_ body: () async throws -> Void) async -> PaymentError? {
        do {
            try await body()
            return nil
        } catch let error as PaymentError {
            return error
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    @Test func aPaidInvoiceGivesThePreimageAndFeeAndTheProgramSeesWhatItNeeds() async throws {
        let (wallet, folder) = try Self.wallet(
            pay: """
                read invoice
                printf '%s\\n%s\\n%s\\n%s\\n' "$invoice" "$DROPBOLT_PAYMENT_HASH" "$DROPBOLT_AMOUNT_MSAT" "$DROPBOLT_MAX_FEE_MSAT" > "$HOME/seen"
                echo '{"preimage":"\(Self.preimage)","fee_msat":1234}'
                """)
        defer { folder.remove() }
        let invoice = try Self.invoice()
        let payment = try await wallet.pay(invoice, maxFee: .sats(7))
        #expect(Hex.string(payment.preimage) == Self.preimage)
        #expect(payment.fee == Millisatoshi(1234))
        #expect(payment.amount == .sats(250_000))
        let seen = try String(contentsOfFile: folder.url("seen"), encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(seen == [invoice.string, invoice.paymentHashHex, "250000000", "7000"])
    }

    @Test func exitStatusesSayWhetherMoneyMayHaveMoved() async throws {
        let cases: [(String, String, Bool)] = [
            ("echo 'route: none' >&2; exit 12", "noRoute", false),
            ("echo 'only 3 sats' >&2; exit 11", "insufficientBalance", false),
            ("echo 'declined' >&2; exit 10", "rejected", false),
            ("echo 'lost the connection' >&2; exit 1", "outcomeUnknown", true),
            ("echo 'not json'", "outcomeUnknown", true),
            ("echo '{\"preimage\":\"abcd\"}'", "outcomeUnknown", true),
            ("kill -9 $$", "outcomeUnknown", true),
        ]
        for (script, label, mayHaveMoved) in cases {
            let (wallet, folder) = try Self.wallet(pay: script)
            defer { folder.remove() }
            let error = await Self.failure { _ = try await wallet.pay(try Self.invoice(), maxFee: .sats(1)) }
            #expect(error?.shortDescription == label, "\(script): \(String(describing: error))")
            #expect(error?.moneyMayHaveMoved == mayHaveMoved, "\(script)")
            if script.contains(">&2") {
                let quoted = script.split(separator: "'")[1]
                #expect(error?.message.contains(quoted) == true, "\(String(describing: error))")
            }
        }
    }

    @Test func aProgramPastTheTimeoutIsStoppedAndTheOutcomeIsUnknown() async throws {
        let (wallet, folder) = try Self.wallet(pay: "sleep 30", timeout: .seconds(1))
        defer { folder.remove() }
        let started = ContinuousClock.now
        let error = await Self.failure { _ = try await wallet.pay(try Self.invoice(), maxFee: .sats(1)) }
        #expect(error?.moneyMayHaveMoved == true)
        #expect(error?.message.contains("ran longer than") == true, "\(String(describing: error))")
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func theIdentityTellsArgumentsApartWithoutShowingThemAndTheGraceOutlastsTheProgram() {
        func wallet(_ pay: [String]) -> CommandWallet {
            CommandWallet(pay: pay, lookup: ["/bin/lookup"], balance: nil, environment: [:], timeout: .seconds(300))
        }
        let first = wallet(["/bin/pay", "--wallet", "a-secret-key"])
        let second = wallet(["/bin/pay", "--wallet", "another-key"])
        #expect(first.identity != second.identity)
        #expect(first.identity == wallet(["/bin/pay", "--wallet", "a-secret-key"]).identity)
        #expect(first.identity.hasPrefix("command /bin/pay lookup:/bin/lookup args:"))
        #expect(!first.identity.contains("a-secret-key"))
        // A pay program started before a crash may run to its own limit: until then "not found" proves nothing.
        #expect(first.notFoundGrace == .seconds(360))
    }

    @Test func aMissingProgramIsUnavailableAndNothingWasPaid() async throws {
        let wallet = CommandWallet(
            pay: ["/nonexistent/pay"], lookup: ["/nonexistent/lookup"], balance: nil, environment: [:], timeout: .seconds(5))
        let error = await Self.failure { _ = try await wallet.pay(try Self.invoice(), maxFee: .sats(1)) }
        #expect(error?.shortDescription == "unavailable")
        #expect(error?.moneyMayHaveMoved == false)
        let balance = await Self.failure { _ = try await wallet.balance() }
        #expect(balance?.message.contains("balance_command") == true)
    }

    @Test func lookupStatusesAndBalance() async throws {
        let hash = [UInt8](repeating: 0xAB, count: 32)
        let answers: [(String, PaymentStatus?)] = [
            (#"{"status":"not_found"}"#, .notFound),
            (#"{"status":"pending"}"#, .pending),
            (#"{"status":"failed"}"#, .failed(reason: "the lookup program reports the payment failed")),
            (
                #"{"status":"succeeded","preimage":"\#(Self.preimage)","amount_msat":5000,"fee_msat":"12"}"#,
                .succeeded(
                    Payment(paymentHash: hash, preimage: Hex.bytes(Self.preimage)!, amount: Millisatoshi(5000), fee: Millisatoshi(12)))
            ),
            (#"{"status":"maybe"}"#, nil),
        ]
        for (answer, expected) in answers {
            let (wallet, folder) = try Self.wallet(
                pay: "exit 10", lookup: "read hash; [ \"$hash\" = \"\(String(repeating: "ab", count: 32))\" ] || exit 3; echo '\(answer)'",
                balance: "echo '{\"balance_msat\":\"987654\"}'")
            defer { folder.remove() }
            if let expected {
                #expect(try await wallet.lookup(paymentHash: hash) == expected, "\(answer)")
            } else {
                let error = await Self.failure { _ = try await wallet.lookup(paymentHash: hash) }
                #expect(error?.shortDescription == "badResponse")
            }
            #expect(try await wallet.balance() == Millisatoshi(987_654))
        }
    }

    @Test func theExampleScriptPaysThroughARealLNbitsAndLooksUp() async throws {
        let server = try await LNbitsServer.forTest()
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let keyFile = try folder.write("key", contents: server.payer.adminkey)
        let script = LNbitsServer.repositoryRoot + "/tools/wallet-command/lnbits.py"
        let wallet = CommandWallet(
            pay: ["/usr/bin/python3", script, "pay"], lookup: ["/usr/bin/python3", script, "lookup"],
            balance: ["/usr/bin/python3", script, "balance"],
            environment: ["LNBITS_URL": server.url, "LNBITS_ADMIN_KEY_FILE": keyFile], timeout: .seconds(60))
        let before = try await wallet.balance()
        let created = try await server.createInvoice(amountSats: 123, memo: "command", expirySeconds: 600)
        let invoice = try Invoice.decode(created.bolt11)
        #expect(try await wallet.lookup(paymentHash: invoice.paymentHash) == .notFound)
        let payment = try await wallet.pay(invoice, maxFee: .sats(10))
        #expect(payment.preimageMatchesHash)
        guard case .succeeded(let looked) = try await wallet.lookup(paymentHash: invoice.paymentHash) else {
            Issue.record("the lookup did not find the payment")
            return
        }
        #expect(looked.preimage == payment.preimage)
        let after = try await wallet.balance()
        #expect(before.rawValue - after.rawValue == 123_000 + payment.fee.rawValue)
        // Paying the same invoice again is refused by LNbits: exit 10, nothing moved.
        let again = await Self.failure { _ = try await wallet.pay(invoice, maxFee: .sats(10)) }
        #expect(again?.moneyMayHaveMoved == false, "\(String(describing: again))")
    }
}
