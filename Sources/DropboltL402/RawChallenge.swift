/// One challenge of any scheme, as written in a `WWW-Authenticate` value, before L402 validation.
struct RawChallenge: Sendable, Equatable {
    /// The scheme exactly as sent.
    var scheme: String
    /// The token68 form (`Bearer abc==`), when the challenge uses it instead of parameters.
    var token68: String?
    /// Parameters in the order sent, names lowercased, values unquoted and unescaped.
    var parameters: [(name: String, value: String)]

    static func == (lhs: RawChallenge, rhs: RawChallenge) -> Bool {
        lhs.scheme == rhs.scheme && lhs.token68 == rhs.token68
            && lhs.parameters.map(\.name) == rhs.parameters.map(\.name)
            && lhs.parameters.map(\.value) == rhs.parameters.map(\.value)
    }
}
