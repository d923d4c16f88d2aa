import ArgumentParser
import DropboltEngine
import Foundation

/// `dropbolt status`: the queue, job counts and the rules in force.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the queue, job counts and the rules in force.")

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() async throws {
        let configuration = try global.loadConfiguration()
        let report: StatusReport
        do {
            report = try await StatusReport.load(configuration: configuration)
        } catch {
            printError("dropbolt: \(error)")
            throw ExitCode(1)
        }
        if json {
            print(try encodeJSON(report))
        } else {
            print(report.renderText())
        }
    }
}

/// Pretty, key-sorted JSON with ISO 8601 dates, as every `--json` prints.
func encodeJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    encoder.keyEncodingStrategy = .convertToSnakeCase
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
