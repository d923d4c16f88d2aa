/// What a rule asks the provider to do with a matched image.
public enum RuleAction: String, Sendable, Codable, CaseIterable {
    /// Edit the image with a prompt and write the result as an image.
    case edit
    /// Describe the image and write the text to a file.
    case analyze
}
