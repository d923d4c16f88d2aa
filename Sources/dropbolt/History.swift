import ArgumentParser
import DropboltCore
import DropboltEngine
import DropboltStore
import Foundation

/// `dropbolt history`: jobs with what was paid for each.
struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List jobs, newest first, with what each one cost.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only this rule.")
    var rule: String?

    @Option(help: "Only jobs queued on or after this day (yyyy-MM-dd, local time).")
    var since: String?

    @Option(help: "Only jobs in this state (queued, held, paying, done, failed, attention, …).")
    var state: JobState?

    @Option(help: "At most this many jobs.")
    var limit = 100

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() async throws {
        let configuration = try global.loadConfiguration()
        let start = try since.map(parseDay)
        let store = try openStore(configuration)
        let rows = try await store.history(rule: rule, since: start, states: state.map { [$0] }, limit: limit)
        if json {
            print(try encodeJSON(rows))
            return
        }
        if rows.isEmpty { print("no jobs") }
        for row in rows {
            let paid = row.amountMsat.map { " paid \(formatSats($0))" + (row.feeMsat.map { " + fee \(formatSats($0))" } ?? "") } ?? ""
            let output = row.outputPath.map { " → \($0)" } ?? ""
            let reason = row.reason.map { " — \($0)" } ?? ""
            print("#\(row.id) \(row.state.rawValue) \(row.rule) \(row.path)\(paid)\(output)\(reason)")
        }
    }
}

extension JobState: ExpressibleByArgument {}

/// Opens the state folder's database read-only, or explains that no daemon has run yet.
func openStore(_ configuration: DropboltConfiguration) throws -> Store {
    do {
        return try Store.openReadOnly(stateFolder: configuration.stateFolder)
    } catch {
        printError("dropbolt: \(error)")
        throw ExitCode(1)
    }
}

/// `2026-11-23` as local midnight.
func parseDay(_ text: String) throws -> Date {
    let formatter = DateFormatter()
    formatter.dateFormat = "yyyy-MM-dd"
    formatter.locale = Locale(identifier: "en_US_POSIX")
    guard let date = formatter.date(from: text) else { throw ValidationError("--since takes a day as yyyy-MM-dd") }
    return date
}

/// `1234567 msat` → `1234.567 sats`; whole sats without decimals.
func formatSats(_ msat: Int64) -> String {
    msat % 1000 == 0 ? "\(msat / 1000) sats" : String(format: "%.3f sats", Double(msat) / 1000)
}
