/// A rule file that could not be loaded; only that file's rule is disabled.
public struct RuleProblem: Sendable, CustomStringConvertible {
    /// Absolute path of the rule file (or of the rules folder when the folder itself is the problem).
    public var file: String
    /// What is wrong, with its position.
    public var error: ConfigError

    /// Creates a problem report for `file`.
    public init(file: String, error: ConfigError) {
        self.file = file
        self.error = error
    }

    /// The error in `file:line:column: key: message` form.
    public var description: String { error.description }
}
