import ArgumentParser
import DropboltCore
import DropboltEngine
import DropboltStore
import Foundation

/// `dropbolt rules`: check the rule files, or explain what they would do with one file.
struct Rules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the rule files, or explain what they would do with a file.",
        subcommands: [Check.self, Explain.self, Release.self])

    /// `dropbolt rules check`: one line per problem, exit 1 when there is any.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the config and every rule file; print one line per problem (exit 1 if any).")

        @OptionGroup var global: GlobalOptions

        @Flag(name: .long, help: "Print JSON.")
        var json = false

        func run() async throws {
            let configuration = try global.loadConfiguration()
            let rules = RuleBook.loadRules(configuration: configuration)
            if json {
                struct Report: Encodable {
                    var rules: [String]
                    var problems: [String]
                }
                print(try encodeJSON(Report(rules: rules.rules.map(\.name), problems: rules.problems.map(\.description))))
            } else {
                for problem in rules.problems { print(problem.description) }
                if rules.problems.isEmpty {
                    print("\(rules.rules.count) rule\(rules.rules.count == 1 ? "" : "s") OK: \(rules.rules.map(\.name).joined(separator: ", "))")
                }
            }
            if !rules.problems.isEmpty { throw ExitCode(1) }
        }
    }

    /// `dropbolt rules explain FILE`: which rules match and why not, the output path, the limits.
    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Explain which rules match FILE and why the others do not, the output path and the limits.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The image file (it need not exist).")
        var file: String

        @Flag(name: .long, help: "Print JSON.")
        var json = false

        func run() async throws {
            let configuration = try global.loadConfiguration()
            let rules = RuleBook.loadRules(configuration: configuration)
            let path = URL(fileURLWithPath: file).standardizedFileURL.path
            let explanations = rules.explain(path: path)
            let budget = configuration.budget
            if json {
                struct Entry: Encodable {
                    var rule: String
                    var matches: Bool
                    var reason: String?
                    var output: String?
                    var maxSatsPerImage: Int64
                    var dailySats: Int64
                    var monthlySats: Int64
                }
                print(
                    try encodeJSON(
                        explanations.map {
                            Entry(
                                rule: $0.rule, matches: $0.matched, reason: $0.reason, output: $0.outputPath,
                                maxSatsPerImage: min($0.maxSats ?? .max, budget.maxSatsPerImage),
                                dailySats: min($0.dailySats ?? .max, budget.dailySats),
                                monthlySats: budget.monthlySats)
                        }))
            } else {
                print(path)
                if explanations.isEmpty { print("  no rules are loaded") }
                for explanation in explanations {
                    guard explanation.matched else {
                        print("  \(explanation.rule): no — \(explanation.reason ?? "does not match")")
                        continue
                    }
                    print("  \(explanation.rule): matches")
                    if let output = explanation.outputPath { print("    output: \(output)") }
                    print(
                        "    limits: \(limit(explanation.maxSats, budget.maxSatsPerImage, "max_sats")) per image, "
                            + "\(limit(explanation.dailySats, budget.dailySats, "daily_sats")) per day, "
                            + "\(budget.monthlySats) sats per month (budget.monthly_sats)")
                }
                for problem in rules.problems { print("  broken rule file (rule off): \(problem)") }
            }
        }

        /// The tighter of a rule's limit and the global one, saying which applies.
        private func limit(_ rule: Int64?, _ global: Int64, _ key: String) -> String {
            if let rule, rule < global { return "\(rule) sats (rule \(key))" }
            return "\(global) sats (budget)"
        }
    }

    /// `dropbolt rules release NAME`: lets a rule held for a fee above the cap pay again.
    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release a rule held because a payment's fee went above wallet.max_fee_sats (see dropbolt status).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The rule's name.")
        var rule: String

        func run() async throws {
            let configuration = try global.loadConfiguration()
            let store = try Store.open(stateFolder: configuration.stateFolder)
            let (released, woken) = try await store.releaseRuleHold(rule: rule, at: Date())
            guard released else {
                printError("dropbolt: rule \(rule) is not held")
                throw ExitCode(1)
            }
            print("rule \(rule) released; \(woken) held job\(woken == 1 ? "" : "s") will go on")
        }
    }
}
