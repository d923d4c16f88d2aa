/// A parsed output-name template such as `{stem}.nobg.{format}`.
///
/// Renders the output name for an input, and recognises names it could have produced, so the watcher
/// never takes an output for a new input.
struct OutputTemplate: Sendable {
    /// A placeholder in a template.
    enum Field: String, Sendable, CaseIterable {
        /// The input's name without its last extension.
        case stem
        /// The input's full name.
        case name
        /// The input's last extension, without the dot.
        case ext
        /// The rule's output format (`txt` for analyze rules).
        case format
        /// The rule's name.
        case rule
        /// The local date, `yyyy-MM-dd`.
        case date
    }

    /// One piece of a template.
    enum Part: Sendable, Equatable {
        case literal(String)
        case field(Field)
    }

    /// Why a template was refused.
    struct Problem: Error {
        var message: String
    }

    /// What a field renders to.
    struct Values {
        var stem: String
        var name: String
        var ext: String
        var format: String
        var rule: String
        var date: String
    }

    /// The template as written.
    let source: String
    /// Literal text and fields in order.
    let parts: [Part]

    /// Parses `source`; throws for unknown fields, unbalanced braces, `/`, `..` or an empty template.
    init(_ source: String) throws(Problem) {
        self.source = source
        guard !source.isEmpty else { throw Problem(message: "the output template cannot be empty") }
        guard !source.contains("/") else {
            throw Problem(message: "'\(source)' contains '/'; outputs are always written beside the original")
        }
        guard !source.contains("..") else {
            throw Problem(message: "'\(source)' contains '..'; outputs are always written beside the original")
        }
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(source)
        while let character = rest.first {
            switch character {
            case "{":
                guard let close = rest.firstIndex(of: "}") else {
                    throw Problem(message: "'{' in '\(source)' is never closed with '}'")
                }
                let name = rest[rest.index(after: rest.startIndex)..<close]
                guard !name.contains("{") else {
                    throw Problem(message: "'{' in '\(source)' is never closed with '}'")
                }
                guard let field = Field(rawValue: String(name)) else {
                    let known = Field.allCases.map { "{\($0.rawValue)}" }.joined(separator: " ")
                    throw Problem(message: "unknown field '{\(name)}'; the fields are \(known)")
                }
                if !literal.isEmpty {
                    parts.append(.literal(literal))
                    literal = ""
                }
                parts.append(.field(field))
                rest = rest[rest.index(after: close)...]
            case "}":
                throw Problem(message: "'}' in '\(source)' has no matching '{'")
            default:
                literal.append(character)
                rest = rest.dropFirst()
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    /// The template as one literal, for a template that could not be parsed (never produced by loading).
    init(literal source: String) {
        self.source = source
        self.parts = [.literal(source)]
    }

    /// The file name for `values`.
    func render(_ values: Values) -> String {
        var result = ""
        for part in parts {
            switch part {
            case .literal(let text): result += text
            case .field(.stem): result += values.stem
            case .field(.name): result += values.name
            case .field(.ext): result += values.ext
            case .field(.format): result += values.format
            case .field(.rule): result += values.rule
            case .field(.date): result += values.date
            }
        }
        return result
    }

    /// The literal text apart from dots: an edit template needs some, or `{stem}.{format}` could equal the input.
    var distinguishingText: String {
        parts.reduce(into: "") { text, part in
            if case .literal(let literal) = part { text += literal.filter { $0 != "." } }
        }
    }

    /// The fixed extension of every rendered name (after the last literal dot), or nil when it depends on the
    /// input or there is none.
    func fixedExtension(format: String, rule: String) -> String? {
        guard
            let lastDotPart = parts.lastIndex(where: {
                if case .literal(let text) = $0 { text.contains(".") } else { false }
            })
        else { return nil }
        guard case .literal(let text) = parts[lastDotPart], let dot = text.lastIndex(of: ".") else { return nil }
        var ext = String(text[text.index(after: dot)...])
        for part in parts[(lastDotPart + 1)...] {
            switch part {
            case .literal(let literal): ext += literal
            case .field(.format): ext += format
            case .field(.rule): ext += rule
            case .field: return nil
            }
        }
        // `{rule}` or `{format}` may themselves contain a dot; only the text after the final one counts.
        if let dot = ext.lastIndex(of: ".") { ext = String(ext[ext.index(after: dot)...]) }
        return ext.isEmpty ? nil : ext
    }

    /// A matcher for names this template produces with the given `format` and `rule`.
    func nameMatcher(format: String, rule: String) -> OutputNameMatcher {
        var tokens: [OutputNameMatcher.Token] = []
        func appendLiteral(_ text: String) {
            let bytes = [UInt8](lowercasedUTF8: text)
            if case .literal(let previous) = tokens.last {
                tokens[tokens.count - 1] = .literal(previous + bytes)
            } else if !bytes.isEmpty {
                tokens.append(.literal(bytes))
            }
        }
        for part in parts {
            switch part {
            case .literal(let text): appendLiteral(text)
            case .field(.format): appendLiteral(format)
            case .field(.rule): appendLiteral(rule)
            case .field(.stem), .field(.name): tokens.append(.someText)
            case .field(.ext): tokens.append(.extensionText)
            case .field(.date): tokens.append(.date)
            }
        }
        return OutputNameMatcher(tokens: tokens)
    }
}

/// Recognises file names an ``OutputTemplate`` could have produced; works on lowercased UTF-8 bytes.
struct OutputNameMatcher: Sendable {
    /// One element of a compiled template.
    enum Token: Sendable {
        /// Exactly these bytes.
        case literal([UInt8])
        /// `{stem}` or `{name}`: one or more bytes.
        case someText
        /// `{ext}`: any bytes without a dot (possibly none).
        case extensionText
        /// `{date}`: `dddd-dd-dd`.
        case date
    }

    let tokens: [Token]
    /// For each token index, the length of the rest of the template when it is all literals and dates (a fixed
    /// length), else nil; one entry more than `tokens` (0 at the end). With it, `{stem}.txt` checks one place
    /// instead of trying every split of the name.
    private let fixedTailLength: [Int?]

    init(tokens: [Token]) {
        self.tokens = tokens
        var tails: [Int?] = [0]
        for token in tokens.reversed() {
            let length: Int? =
                switch token {
                case .literal(let bytes): bytes.count
                case .date: Self.datePattern.count
                case .someText, .extensionText: nil
                }
            tails.append(length.flatMap { length in tails.last!.map { $0 + length } })
        }
        fixedTailLength = tails.reversed()
    }

    /// `{date}`: true where a digit goes, false for the dashes.
    private static let datePattern: [Bool] = [true, true, true, true, false, true, true, false, true, true]

    /// True when `name` (lowercased UTF-8) could have been rendered by the template.
    func matches(_ name: ArraySlice<UInt8>) -> Bool {
        match(tokenIndex: 0, name, at: name.startIndex)
    }

    private func match(tokenIndex: Int, _ name: ArraySlice<UInt8>, at position: Int) -> Bool {
        guard tokenIndex < tokens.count else { return position == name.endIndex }
        switch tokens[tokenIndex] {
        case .literal(let bytes):
            guard name.endIndex - position >= bytes.count,
                name[position..<position + bytes.count].elementsEqual(bytes)
            else { return false }
            return match(tokenIndex: tokenIndex + 1, name, at: position + bytes.count)
        case .date:
            let pattern = Self.datePattern
            guard name.endIndex - position >= pattern.count else { return false }
            for (offset, isDigit) in pattern.enumerated() {
                let byte = name[position + offset]
                let ok = isDigit ? (byte >= 48 && byte <= 57) : byte == UInt8(ascii: "-")
                guard ok else { return false }
            }
            return match(tokenIndex: tokenIndex + 1, name, at: position + pattern.count)
        case .someText:
            guard position < name.endIndex else { return false }
            if let tail = fixedTailLength[tokenIndex + 1] {
                let end = name.endIndex - tail
                return end > position && match(tokenIndex: tokenIndex + 1, name, at: end)
            }
            for end in (position + 1)...name.endIndex where match(tokenIndex: tokenIndex + 1, name, at: end) {
                return true
            }
            return false
        case .extensionText:
            if let tail = fixedTailLength[tokenIndex + 1] {
                let end = name.endIndex - tail
                return end >= position && !name[position..<end].contains(UInt8(ascii: "."))
                    && match(tokenIndex: tokenIndex + 1, name, at: end)
            }
            var end = position
            while true {
                if match(tokenIndex: tokenIndex + 1, name, at: end) { return true }
                guard end < name.endIndex, name[end] != UInt8(ascii: ".") else { return false }
                end += 1
            }
        }
    }
}
