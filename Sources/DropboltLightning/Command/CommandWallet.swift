import Crypto
import DropboltCore
import Foundation

/// Pays through programs the user provides: any wallet a shell script can reach.
///
/// The contract (also in the README):
/// - **pay** (`wallet.command`): the BOLT11 invoice and a newline on standard input; the environment carries
///   `DROPBOLT_PAYMENT_HASH`, `DROPBOLT_AMOUNT_MSAT` and `DROPBOLT_MAX_FEE_MSAT` (the program must not pay more fee).
///   Exit 0 and print `{"preimage": "<64 hex>", "fee_msat": <integer>}` when paid. Exit **10** when certainly
///   nothing was paid, **11** for not enough balance, **12** for no route. Any other exit, a signal, a timeout or
///   an exit 0 without a valid preimage means "may have paid": dropbolt never pays that invoice again, it looks up.
/// - **lookup** (`wallet.lookup_command`): the payment hash (hex) and a newline on standard input; print
///   `{"status": "succeeded", "preimage": …, "fee_msat": …}`, `{"status": "pending"}`, `{"status": "failed"}` or
///   `{"status": "not_found"}` (never sent through this wallet).
/// - **balance** (`wallet.balance_command`, optional): print `{"balance_msat": <integer>}`.
///
/// Standard error is quoted in errors (keep secrets out of it); a program's output is capped at 64 KB.
public struct CommandWallet: Wallet {
    /// Exit status: certainly nothing was paid.
    public static let exitNotPaid: Int32 = 10
    /// Exit status: not enough balance; nothing was paid.
    public static let exitInsufficientBalance: Int32 = 11
    /// Exit status: no route; nothing was paid.
    public static let exitNoRoute: Int32 = 12

    /// Always `command`.
    public var backendName: String { "command" }

    /// `command <pay program> lookup:<lookup program> args:<first 12 hex of SHA-256 of both argument lists>`: a
    /// payment is looked up only through the programs, with the arguments, that made it (`pay.sh --wallet a` and
    /// `pay.sh --wallet b` are two wallets). Arguments enter only as a digest: they may hold a credential.
    public var identity: String {
        let arguments = (payProgram + ["\u{0}"] + lookupProgram).joined(separator: "\u{1}")
        let digest = Hex.string(Array(SHA256.hash(data: Array(arguments.utf8)))).prefix(12)
        return "command \(payProgram[0]) lookup:\(lookupProgram[0]) args:\(digest)"
    }

    /// The program's own time limit plus a minute: a pay program runs in its own process group, so one started
    /// before a crash may still be paying until then, and a "not found" before that proves nothing.
    public var notFoundGrace: Duration { timeout + .seconds(60) }

    private let payProgram: [String]
    private let lookupProgram: [String]
    private let balanceProgram: [String]?
    private let environment: [String: String]
    private let timeout: Duration

    /// Creates a backend running `pay` and `lookup` (and `balance`, if given) with `environment` (the daemon's, so
    /// a script finds its own credentials), each under `timeout`.
    public init(
        pay: [String], lookup: [String], balance: [String]?, environment: [String: String], timeout: Duration
    ) {
        payProgram = pay
        lookupProgram = lookup
        balanceProgram = balance
        self.environment = environment
        self.timeout = timeout
    }

    /// Runs the pay program; see the type's contract for what its exit status means.
    public func pay(_ invoice: Invoice, maxFee: Millisatoshi) async throws(PaymentError) -> Payment {
        var environment = self.environment
        environment["DROPBOLT_PAYMENT_HASH"] = invoice.paymentHashHex
        environment["DROPBOLT_AMOUNT_MSAT"] = "\(invoice.amount?.rawValue ?? 0)"
        environment["DROPBOLT_MAX_FEE_MSAT"] = "\(maxFee.rawValue)"
        let outcome: ProgramRunner.Outcome
        do {
            outcome = try await ProgramRunner.run(
                payProgram, input: Array((invoice.string + "\n").utf8), environment: environment, timeout: timeout)
        } catch {
            throw .unavailable("\(error)")
        }
        let said = outcome.errorText.isEmpty ? "" : ": \(outcome.errorText)"
        if outcome.timedOut {
            throw .outcomeUnknown("the pay program ran longer than \(timeout) and was stopped\(said); looking it up")
        }
        switch outcome.exitStatus {
        case 0:
            let json = Self.object(outcome.output)
            guard let preimage = WalletJSON.bytes32(hex: json["preimage"]) else {
                throw .outcomeUnknown("the pay program exited 0 without a 32-byte hex preimage; looking it up")
            }
            return Payment(
                paymentHash: invoice.paymentHash, preimage: preimage, amount: invoice.amount ?? .zero,
                fee: Millisatoshi(WalletJSON.int64(json["fee_msat"]) ?? 0))
        case Self.exitNotPaid: throw .rejected("the pay program did not pay\(said)")
        case Self.exitInsufficientBalance: throw .insufficientBalance("the pay program reports too little balance\(said)")
        case Self.exitNoRoute: throw .noRoute("the pay program found no route\(said)")
        case let status?: throw .outcomeUnknown("the pay program exited \(status)\(said); looking it up")
        case nil: throw .outcomeUnknown("the pay program was killed by a signal\(said); looking it up")
        }
    }

    /// Runs the lookup program with the hash.
    public func lookup(paymentHash: [UInt8]) async throws(PaymentError) -> PaymentStatus {
        let json = try await runForJSON(lookupProgram, input: Hex.string(paymentHash) + "\n", what: "lookup")
        switch json["status"] as? String {
        case "succeeded":
            guard let preimage = WalletJSON.bytes32(hex: json["preimage"]) else {
                throw .badResponse("the lookup program reported success without a 32-byte hex preimage")
            }
            return .succeeded(
                Payment(
                    paymentHash: paymentHash, preimage: preimage, amount: Millisatoshi(WalletJSON.int64(json["amount_msat"]) ?? 0),
                    fee: Millisatoshi(WalletJSON.int64(json["fee_msat"]) ?? 0)))
        case "pending": return .pending
        case "failed": return .failed(reason: "the lookup program reports the payment failed")
        case "not_found": return .notFound
        default: throw .badResponse("the lookup program printed no known status (succeeded, pending, failed, not_found)")
        }
    }

    /// Runs the balance program, if one is configured.
    public func balance() async throws(PaymentError) -> Millisatoshi {
        guard let balanceProgram else { throw .unavailable("no wallet.balance_command is configured") }
        let json = try await runForJSON(balanceProgram, input: "", what: "balance")
        guard let msat = WalletJSON.int64(json["balance_msat"]) else {
            throw .badResponse("the balance program printed no balance_msat")
        }
        return Millisatoshi(msat)
    }

    /// The programs configured; a command backend reports no network (set `wallet.network`) and no node id.
    public func info() async throws(PaymentError) -> WalletInfo {
        WalletInfo(
            backend: backendName, network: nil, nodeID: nil, alias: payProgram.first,
            supports: balanceProgram == nil ? [.pay, .lookup] : [.pay, .lookup, .balance])
    }

    /// Runs a program that does not pay: any failure is `unavailable` (no money can have moved).
    private func runForJSON(_ program: [String], input: String, what: String) async throws(PaymentError) -> [String: Any] {
        let outcome: ProgramRunner.Outcome
        do {
            outcome = try await ProgramRunner.run(program, input: Array(input.utf8), environment: environment, timeout: timeout)
        } catch {
            throw .unavailable("\(error)")
        }
        let said = outcome.errorText.isEmpty ? "" : ": \(outcome.errorText)"
        guard !outcome.timedOut else { throw .unavailable("the \(what) program ran longer than \(timeout)\(said)") }
        guard outcome.exitStatus == 0 else {
            throw .unavailable("the \(what) program exited \(outcome.exitStatus.map(String.init) ?? "by a signal")\(said)")
        }
        return Self.object(outcome.output)
    }

    private static func object(_ bytes: [UInt8]) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
    }
}
