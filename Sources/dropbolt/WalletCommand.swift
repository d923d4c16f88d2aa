import ArgumentParser
import DropboltCore
import DropboltEngine
import Foundation

/// `dropbolt wallet`: check the configured wallet without paying anything.
struct WalletCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wallet", abstract: "Check the configured wallet (nothing is paid).",
        subcommands: [Test.self, Balance.self])

    /// `dropbolt wallet test`: connects, shows backend, network, balance and what the wallet supports.
    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connect to the wallet and show its backend, network, balance and what it supports (exit 1 on a problem).")

        @OptionGroup var global: GlobalOptions

        @Flag(name: .long, help: "Print JSON.")
        var json = false

        func run() async throws {
            let configuration = try global.loadConfiguration()
            let report: WalletReport
            do {
                report = try await WalletProbe.test(configuration: configuration, environment: ProcessInfo.processInfo.environment)
            } catch {
                printError("dropbolt: \(error)")
                throw ExitCode(1)
            }
            if json {
                print(try encodeJSON(report))
            } else {
                print("backend:  \(report.backend)")
                print("wallet:   \(report.identity)")
                if let alias = report.alias { print("name:     \(alias)") }
                if let node = report.nodeID { print("node:     \(node)") }
                print("network:  \(report.network ?? "not reported")" + (report.configuredNetwork.map { " (config: \($0))" } ?? ""))
                print("balance:  " + (report.balanceMsat.map { "\($0 / 1000) sats (\($0) msat)" } ?? "unknown"))
                print("supports: \(report.supports.isEmpty ? "unknown" : report.supports.joined(separator: ", "))")
                print("max fee:  \(report.maxFeeSats) sats per payment (wallet.max_fee_sats)")
                for error in report.errors { print("error:    \(error)") }
                for note in report.notes { print("note:     \(note)") }
            }
            // A wallet that could not be asked is a failure; notes about what it lacks are not.
            if !report.errors.isEmpty { throw ExitCode(1) }
        }
    }

    /// `dropbolt wallet balance`: the spendable balance.
    struct Balance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the wallet's spendable balance.")

        @OptionGroup var global: GlobalOptions

        @Flag(name: .long, help: "Print JSON.")
        var json = false

        func run() async throws {
            let configuration = try global.loadConfiguration()
            do {
                let balance = try await WalletProbe.balance(
                    configuration: configuration, environment: ProcessInfo.processInfo.environment)
                if json {
                    struct Report: Encodable { var balanceMsat: Int64 }
                    print(try encodeJSON(Report(balanceMsat: balance.rawValue)))
                } else {
                    print("\(balance.rawValue / 1000) sats (\(balance.rawValue) msat)")
                }
            } catch {
                printError("dropbolt: \(error)")
                throw ExitCode(1)
            }
        }
    }
}
