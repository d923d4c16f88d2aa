/// Whether a rule applies to a file, and if not, why.
public enum RuleMatch: Sendable, Equatable {
    /// The rule applies.
    case matched
    /// The rule does not apply; the reason is a short phrase in plain words, e.g. "excluded by drafts/**".
    case notMatched(String)
}
