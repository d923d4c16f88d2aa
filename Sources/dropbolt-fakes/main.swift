// Starts the real LNbits (FakeWallet), the fake sats4ai provider and a wallet proxy in front of LNbits on loopback
// (for `make bench` and `make chaos`), prints where they are as one JSON line on stdout, and runs until SIGTERM/SIGINT
// or its standard input closes; then prints one JSON summary line on stdout (counts, violations, the paid-endpoint
// log) and one human line on stderr.
//
//   dropbolt-fakes [FOLDER] [--wallet lnbits|phoenixd] [--paid-failure-rate R] [--wallet-timeout-rate R]
//                  [--wallet-hold-seconds S] [--seed N]
//
// --wallet phoenixd         no LNbits: the provider's invoices come from a fake phoenixd's book, and that fake
//                           (`phoenixd` and `phoenixd_password` in the JSON line) pays them at once. For the bench's
//                           comparison with a wallet that is not the bottleneck; the wallet proxy needs LNbits.
// --paid-failure-rate R     the provider answers this fraction (0…1) of correctly paid requests with a generic 500
//                           (token not consumed: the same credential works on retry). Default 0.
// --wallet-timeout-rate R   the wallet proxy forwards this fraction of outgoing payments to LNbits (they are paid)
//                           but withholds the answer for --wallet-hold-seconds, then answers 504. Default 0.
// --wallet-hold-seconds S   how long a withheld answer is held (longer than the client's wallet timeout). Default 30.
// --seed N                  seed of both random choices (default: random, printed in the JSON line).
import DropboltTesting
import Foundation
import Synchronization
import UnixSignals

@main
struct DropboltFakes {
    static func main() async throws {
        let options: Options
        do {
            options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
        } catch {
            FileHandle.standardError.write(Data("dropbolt-fakes: \(error)\n\(Options.usage)\n".utf8))
            exit(2)
        }
        let folder = options.folder ?? NSTemporaryDirectory() + "/dropbolt-fakes-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if options.wallet == "phoenixd" {
            try await runWithPhoenixd(options)
            return
        }
        let lnbits = try await LNbitsServer.start(dataDirectory: folder + "/lnbits")
        let provider: FakeSats4AI
        let proxy: WalletTimeoutProxy
        do {
            provider = try await FakeSats4AI.start(
                lnbits: lnbits,
                configuration: .init(paidFailureRate: options.paidFailureRate, faultSeed: options.seed))
            proxy = try await WalletTimeoutProxy.start(
                target: lnbits.url,
                configuration: .init(
                    timeoutRate: options.walletTimeoutRate, holdSeconds: options.walletHoldSeconds,
                    seed: options.seed &+ 1))
        } catch {
            lnbits.stop()
            throw error
        }
        let description: [String: Any] = [
            "provider": provider.url, "lnbits": lnbits.url, "payer_adminkey": lnbits.payer.adminkey,
            "payer_inkey": lnbits.payer.inkey, "wallet_proxy": proxy.url, "seed": options.seed,
            "paid_failure_rate": options.paidFailureRate, "wallet_timeout_rate": options.walletTimeoutRate,
            "wallet_hold_seconds": options.walletHoldSeconds,
        ]
        writeLine(description)
        await waitForStop()
        await proxy.stop()
        await provider.stop()
        lnbits.stop()
        writeSummary(
            provider, walletPayments: proxy.payments, withheld: proxy.withheldPaymentHashes,
            forwarded: proxy.forwardedCount)
    }

    /// `--wallet phoenixd`: the fake provider and a fake phoenixd sharing one book; no LNbits, no wallet proxy.
    static func runWithPhoenixd(_ options: Options) async throws {
        let book = FakeWalletBook()
        let phoenixd = try await FakePhoenixd.start(book: book)
        let provider: FakeSats4AI
        do {
            provider = try await FakeSats4AI.start(
                issuer: .walletBook(book),
                configuration: .init(paidFailureRate: options.paidFailureRate, faultSeed: options.seed))
        } catch {
            phoenixd.stop()
            throw error
        }
        writeLine([
            "provider": provider.url, "phoenixd": phoenixd.url, "phoenixd_password": phoenixd.password,
            "seed": options.seed, "paid_failure_rate": options.paidFailureRate,
        ])
        await waitForStop()
        await provider.stop()
        phoenixd.stop()
        writeSummary(
            provider, walletPayments: book.succeededPayments, withheld: [], forwarded: 0, violations: book.violations)
    }

    /// Returns when the parent closes our standard input or sends SIGTERM/SIGINT.
    static func waitForStop() async {
        // Stop when the parent closes our standard input or sends SIGTERM/SIGINT (UnixSignals blocks them and reads
        // them from a signalfd: an ignored signal would never reach a dispatch source on Linux).
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = OnceFlag()
            Task {
                for await _ in signals { break }
                if once.claim() { continuation.resume() }
            }
            Thread {
                while FileHandle.standardInput.availableData.count > 0 {}
                if once.claim() { continuation.resume() }
            }.start()
        }
    }

    /// Prints the JSON summary line on stdout and the human line on stderr; `violations` are a fake wallet's.
    static func writeSummary(
        _ provider: FakeSats4AI, walletPayments: Int, withheld: [String], forwarded: Int, violations: [String] = []
    ) {
        let received: [[String: Any]] = provider.received.map {
            [
                "endpoint": $0.endpoint.path, "authorized": $0.hadAuthorization, "body_sha256": $0.bodySHA256,
                "status": $0.status, "time": $0.time.timeIntervalSince1970,
            ]
        }
        writeLine([
            "summary": [
                "paid_requests": provider.paidRequests, "challenges_issued": provider.challengesIssued,
                "injected_paid_failures": provider.injectedPaidFailures, "violations": provider.violations + violations,
                "wallet_payments": walletPayments, "wallet_withheld": withheld, "wallet_forwarded": forwarded,
                "received": received,
            ] as [String: Any]
        ])
        FileHandle.standardError.write(
            Data(
                ("dropbolt-fakes: paid requests \(provider.paidRequests), "
                    + "violations \(provider.violations.count + violations.count), "
                    + "injected paid 500s \(provider.injectedPaidFailures), wallet payments \(walletPayments), "
                    + "withheld wallet answers \(withheld.count)\n").utf8))
    }

    /// Writes `object` as one line of key-sorted JSON on stdout.
    static func writeLine(_ object: [String: Any]) {
        let line = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        FileHandle.standardOutput.write(line + Data("\n".utf8))
    }
}

/// The command line of `dropbolt-fakes`.
struct Options {
    var folder: String?
    var wallet = "lnbits"
    var paidFailureRate = 0.0
    var walletTimeoutRate = 0.0
    var walletHoldSeconds = 30.0
    var seed = UInt64.random(in: 0...UInt64(UInt32.max))

    static let usage =
        "usage: dropbolt-fakes [FOLDER] [--wallet lnbits|phoenixd] [--paid-failure-rate R] "
        + "[--wallet-timeout-rate R] [--wallet-hold-seconds S] [--seed N]"

    /// A command-line problem.
    struct UsageError: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var rest = arguments[...]
        func value(_ name: String) throws -> String {
            guard let next = rest.popFirst() else { throw UsageError(description: "\(name) needs a value") }
            return next
        }
        func fraction(_ name: String) throws -> Double {
            let text = try value(name)
            guard let number = Double(text), (0...1).contains(number) else {
                throw UsageError(description: "\(name) must be a number from 0 to 1, not \(text)")
            }
            return number
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--wallet":
                let kind = try value(argument)
                guard kind == "lnbits" || kind == "phoenixd" else {
                    throw UsageError(description: "--wallet must be lnbits or phoenixd, not \(kind)")
                }
                options.wallet = kind
            case "--paid-failure-rate": options.paidFailureRate = try fraction(argument)
            case "--wallet-timeout-rate": options.walletTimeoutRate = try fraction(argument)
            case "--wallet-hold-seconds":
                let text = try value(argument)
                guard let seconds = Double(text), seconds > 0, seconds <= 3600 else {
                    throw UsageError(description: "--wallet-hold-seconds must be in (0, 3600], not \(text)")
                }
                options.walletHoldSeconds = seconds
            case "--seed":
                let text = try value(argument)
                guard let seed = UInt64(text) else { throw UsageError(description: "--seed must be an integer") }
                options.seed = seed
            case "-h", "--help":
                print(usage)
                exit(0)
            default:
                guard !argument.hasPrefix("-"), options.folder == nil else {
                    throw UsageError(description: "unexpected argument \(argument)")
                }
                options.folder = argument
            }
        }
        if options.wallet == "phoenixd", options.walletTimeoutRate > 0 {
            throw UsageError(description: "--wallet-timeout-rate needs --wallet lnbits (the proxy is before LNbits)")
        }
        return options
    }
}

/// True for the first caller only.
final class OnceFlag: Sendable {
    private let claimed = Mutex(false)
    func claim() -> Bool {
        claimed.withLock { value in
            defer { value = true }
            return !value
        }
    }
}
