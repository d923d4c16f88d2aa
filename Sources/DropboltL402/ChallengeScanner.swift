/// Splits one `WWW-Authenticate` value into challenges, following RFC 7235 §4.1 and RFC 7230 §7 (lists).
///
/// ```
/// challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
/// auth-param = token BWS "=" BWS ( token / quoted-string )
/// ```
/// Commas separate both parameters and challenges. After a comma, `token BWS "="` continues the parameters of the
/// current challenge; any other `token` starts a new challenge (the RFC's rule: a scheme is a token that is not
/// followed by `=`). Unquoted values are read leniently up to the next comma or whitespace, because servers send
/// base64 with `=` padding unquoted, which a strict `token` does not allow.
struct ChallengeScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ value: String) {
        self.bytes = Array(value.utf8)
    }

    /// Every challenge in the value, in order; throws on the first syntax error.
    static func scan(_ value: String) throws(L402Error) -> [RawChallenge] {
        var scanner = ChallengeScanner(value)
        return try scanner.scanList()
    }

    private mutating func scanList() throws(L402Error) -> [RawChallenge] {
        var challenges: [RawChallenge] = []
        while true {
            skipSeparators()
            guard index < bytes.count else { return challenges }
            challenges.append(try scanChallenge())
        }
    }

    private mutating func scanChallenge() throws(L402Error) -> RawChallenge {
        let schemeStart = index
        let scheme = scanToken()
        guard !scheme.isEmpty else {
            throw .malformedHeader("expected an auth scheme at offset \(schemeStart)")
        }
        var challenge = RawChallenge(scheme: scheme, token68: nil, parameters: [])
        guard index < bytes.count, bytes[index] != UInt8(ascii: ",") else { return challenge }
        guard isWhitespace(bytes[index]) else {
            throw .malformedHeader("expected a space after the scheme '\(scheme)' at offset \(index)")
        }
        skipWhitespace()
        guard index < bytes.count, bytes[index] != UInt8(ascii: ",") else { return challenge }

        if let token68 = scanToken68() {
            challenge.token68 = token68
            return challenge
        }
        while true {
            let parameter = try scanParameter()
            challenge.parameters.append(parameter)
            skipWhitespace()
            guard index < bytes.count else { return challenge }
            guard bytes[index] == UInt8(ascii: ",") else {
                throw .malformedHeader("expected ',' after the value of '\(parameter.name)' at offset \(index)")
            }
            skipSeparators()
            guard index < bytes.count, startsParameter() else { return challenge }
        }
    }

    /// Reads `token68` when it is the whole rest of the challenge (followed by the end or a comma); otherwise
    /// leaves the position unchanged so the same text is read as parameters.
    private mutating func scanToken68() -> String? {
        let start = index
        var cursor = index
        while cursor < bytes.count, isToken68Character(bytes[cursor]) { cursor += 1 }
        guard cursor > start else { return nil }
        while cursor < bytes.count, bytes[cursor] == UInt8(ascii: "=") { cursor += 1 }
        let end = cursor
        while cursor < bytes.count, isWhitespace(bytes[cursor]) { cursor += 1 }
        guard cursor == bytes.count || bytes[cursor] == UInt8(ascii: ",") else { return nil }
        index = cursor
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// True when the text at the position is `token BWS "="`: a parameter of the current challenge, not a scheme.
    private func startsParameter() -> Bool {
        var cursor = index
        while cursor < bytes.count, isTokenCharacter(bytes[cursor]) { cursor += 1 }
        guard cursor > index else { return false }
        while cursor < bytes.count, isWhitespace(bytes[cursor]) { cursor += 1 }
        return cursor < bytes.count && bytes[cursor] == UInt8(ascii: "=")
    }

    private mutating func scanParameter() throws(L402Error) -> (name: String, value: String) {
        let nameStart = index
        let name = scanToken()
        guard !name.isEmpty else {
            throw .malformedHeader("expected a parameter name at offset \(nameStart)")
        }
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
            throw .malformedHeader("expected '=' after the parameter '\(name)' at offset \(index)")
        }
        index += 1
        skipWhitespace()
        guard index < bytes.count else {
            throw .malformedHeader("the parameter '\(name)' has no value")
        }
        let value: String
        if bytes[index] == UInt8(ascii: "\"") {
            value = try scanQuotedString(for: name)
        } else {
            value = try scanUnquotedValue(for: name)
        }
        return (name.lowercased(), value)
    }

    private mutating func scanQuotedString(for name: String) throws(L402Error) -> String {
        let start = index
        index += 1
        var value: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: value, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.count else {
                    throw .malformedHeader("the value of '\(name)' ends inside an escape at offset \(index)")
                }
                value.append(bytes[index + 1])
                index += 2
            case 0x00..<0x09, 0x0A..<0x20, 0x7F:
                throw .malformedHeader("control character in the value of '\(name)' at offset \(index)")
            default:
                value.append(byte)
                index += 1
            }
        }
        throw .malformedHeader("unterminated quoted value of '\(name)' starting at offset \(start)")
    }

    private mutating func scanUnquotedValue(for name: String) throws(L402Error) -> String {
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ",") || isWhitespace(byte) { break }
            guard byte > 0x20, byte < 0x7F, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") else {
                throw .malformedHeader("invalid character in the unquoted value of '\(name)' at offset \(index)")
            }
            index += 1
        }
        guard index > start else {
            throw .malformedHeader("the parameter '\(name)' has an empty value at offset \(start)")
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func scanToken() -> String {
        let start = index
        while index < bytes.count, isTokenCharacter(bytes[index]) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// Skips whitespace and empty list elements (`#rule` allows `a, , b`).
    private mutating func skipSeparators() {
        while index < bytes.count, isWhitespace(bytes[index]) || bytes[index] == UInt8(ascii: ",") { index += 1 }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, isWhitespace(bytes[index]) { index += 1 }
    }

    private func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    /// `tchar` of RFC 7230 §3.2.6.
    private func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// The characters of `token68` before its `=` padding (RFC 7235 §2.1).
    private func isToken68Character(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"),
            UInt8(ascii: "/"):
            return true
        default:
            return false
        }
    }
}
