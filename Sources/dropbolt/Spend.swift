import ArgumentParser
import DropboltCore
import DropboltEngine
import DropboltStore
import Foundation

/// `dropbolt spend`: where every sat went, by day, month or rule.
struct Spend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what was paid (amounts and routing fees) by day, month or rule.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("by"), help: "day, month or rule.")
    var grouping: SpendGrouping = .day

    @Flag(name: .long, help: "Print JSON (amounts in msat).")
    var json = false

    func run() async throws {
        let configuration = try global.loadConfiguration()
        let store = try openStore(configuration)
        let rows = try await store.spend(by: grouping)
        let total = rows.reduce((amount: Int64(0), fee: Int64(0), payments: 0)) {
            ($0.amount + $1.amountMsat, $0.fee + $1.feeMsat, $0.payments + $1.payments)
        }
        if json {
            struct Report: Encodable {
                var by: String
                var rows: [SpendRow]
                var totalAmountMsat: Int64
                var totalFeeMsat: Int64
                var payments: Int
            }
            print(
                try encodeJSON(
                    Report(
                        by: grouping.rawValue, rows: rows, totalAmountMsat: total.amount, totalFeeMsat: total.fee,
                        payments: total.payments)))
            return
        }
        if rows.isEmpty { print("nothing paid yet") }
        for row in rows {
            print("\(row.key)  \(formatSats(row.amountMsat + row.feeMsat))  (\(row.payments) payments, fees \(formatSats(row.feeMsat)))")
        }
        print("total  \(formatSats(total.amount + total.fee))  (\(total.payments) payments, fees \(formatSats(total.fee)))")
    }
}

extension SpendGrouping: ExpressibleByArgument {}
