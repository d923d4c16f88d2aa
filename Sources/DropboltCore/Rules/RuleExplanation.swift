/// How one rule treats one file, for `dropbolt rules explain FILE`.
public struct RuleExplanation: Sendable {
    /// The rule's name.
    public var rule: String
    /// Whether the rule would process the file.
    public var matched: Bool
    /// Why it would not, in plain words; nil when it matched.
    public var reason: String?
    /// Where the output would be written; nil when it did not match.
    public var outputPath: String?
    /// The rule's per-image limit, if it has one.
    public var maxSats: Int64?
    /// The rule's daily limit, if it has one.
    public var dailySats: Int64?

    /// Creates an explanation.
    public init(
        rule: String,
        matched: Bool,
        reason: String? = nil,
        outputPath: String? = nil,
        maxSats: Int64? = nil,
        dailySats: Int64? = nil
    ) {
        self.rule = rule
        self.matched = matched
        self.reason = reason
        self.outputPath = outputPath
        self.maxSats = maxSats
        self.dailySats = dailySats
    }
}
