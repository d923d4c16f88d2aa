/// What to do when content already processed under a rule shows up again.
public enum DuplicatePolicy: String, Sendable, Codable, CaseIterable {
    /// Copy the earlier output; costs nothing.
    case reuse
    /// Process and pay again.
    case pay
    /// Do nothing.
    case skip
}
