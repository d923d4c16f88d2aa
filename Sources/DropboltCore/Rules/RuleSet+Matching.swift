import Foundation

extension RuleSet {
    /// The names of the enabled rules that take the file at the absolute `path`, in rule order.
    ///
    /// A rule takes a file when ``Rule/match(_:)`` is ``RuleMatch/matched`` and the name is not an output name
    /// of any rule watching the file's folder (so one rule's outputs never feed another). Runs for every file
    /// of a scan, so the path is converted once and no text is built.
    public func ruleNames(matching path: String) -> [String] {
        let candidate = CandidatePath(path)
        var names: [String] = []
        for rule in compiledRules where rule.matchOutcome(candidate) == .matched { names.append(rule.name) }
        guard !names.isEmpty, outputRule(for: candidate) == nil else { return [] }
        return names
    }

    /// True when at least one enabled rule takes the file at `path` (``ruleNames(matching:)`` is not empty).
    public func takes(_ path: String) -> Bool {
        let candidate = CandidatePath(path)
        return compiledRules.contains { $0.matchOutcome(candidate) == .matched } && outputRule(for: candidate) == nil
    }

    /// One explanation per rule, in order, saying whether it takes the file at `path` and why not.
    ///
    /// Use it for `dropbolt rules explain FILE`; matched entries carry the output path (with `{date}` taken
    /// from `date`) and the rule's limits.
    public func explain(path: String, date: Date = Date()) -> [RuleExplanation] {
        let candidate = CandidatePath(path)
        let producer = outputRule(for: candidate)
        return rules.map { rule in
            var outcome = rule.matchOutcome(candidate)
            if outcome == .matched, let producer {
                outcome = .outputName(producer.name)
            }
            let matched = outcome == .matched
            return RuleExplanation(
                rule: rule.name,
                matched: matched,
                reason: matched ? nil : rule.reason(for: outcome),
                outputPath: matched ? rule.outputPath(forInput: path, date: date) : nil,
                maxSats: rule.maxSats,
                dailySats: rule.dailySats
            )
        }
    }

    /// True when the file's name could be an output of a rule watching its folder.
    public func isOutput(path: String) -> Bool {
        outputRule(for: CandidatePath(path)) != nil
    }

    /// The first rule (enabled or not, since its old outputs may still be there) that watches the file's folder
    /// and whose template could have produced its name.
    private func outputRule(for candidate: CandidatePath) -> CompiledRule? {
        compiledRules.first { $0.covers(candidate) && $0.isOutputName(of: candidate) }
    }
}
