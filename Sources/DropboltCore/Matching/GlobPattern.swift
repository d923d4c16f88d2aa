/// A compiled, case-insensitive glob for `match` and `exclude`, matched against UTF-8 bytes.
///
/// A pattern without `/` matches the base name; one with `/` matches the whole path relative to the watch
/// folder. `*` is any run of characters except `/`, `?` one character except `/`, `**` as a whole segment any
/// number of segments (including none), `[abc]`, `[a-z]`, `[!a]`/`[^a]` a character class, `\x` a literal `x`.
/// Case-insensitivity covers ASCII letters only, which is what cameras write (`IMG_0001.JPG`).
///
/// Patterns are compiled once when a rule loads; matching allocates nothing.
struct GlobPattern: Sendable {
    /// Why a pattern could not be compiled, with the 1-based character position in the pattern.
    struct SyntaxError: Error {
        var message: String
        var position: Int
    }

    private enum Token: Sendable {
        case literal(UInt8)
        case anyCharacter
        case anyRun
        case characterClass(CharacterClass)
    }

    private struct CharacterClass: Sendable {
        var negated: Bool
        var ranges: [ClosedRange<UInt32>]

        func contains(_ scalar: UInt32) -> Bool {
            ranges.contains { $0.contains(scalar) } != negated
        }
    }

    private enum Segment: Sendable {
        /// `**`: any number of whole segments.
        case anyDepth
        case tokens([Token])
    }

    /// The pattern as written.
    let source: String
    /// True when the pattern has no `/` and so applies to the base name only.
    let matchesBaseName: Bool
    private let segments: [Segment]

    /// Compiles `source`; throws for an empty pattern or an unclosed `[`.
    init(_ source: String) throws(SyntaxError) {
        self.source = source
        var scalars = Array(source.unicodeScalars)
        guard !scalars.isEmpty else { throw SyntaxError(message: "a pattern cannot be empty", position: 1) }
        // A leading "/" anchors at the watch folder, which every pattern with a "/" already is.
        var offset = 0
        while scalars.first == "/" {
            scalars.removeFirst()
            offset += 1
        }
        guard !scalars.isEmpty else { throw SyntaxError(message: "a pattern cannot be only '/'", position: 1) }
        self.matchesBaseName = offset == 0 && !scalars.contains("/")

        var segments: [Segment] = []
        var start = 0
        while start <= scalars.count {
            let end = scalars[start...].firstIndex(of: "/") ?? scalars.count
            let piece = Array(scalars[start..<end])
            if piece == ["*", "*"] {
                if case .anyDepth = segments.last {} else { segments.append(.anyDepth) }
            } else if !piece.isEmpty {
                segments.append(.tokens(try Self.compileSegment(piece, offset: offset + start)))
            }
            start = end + 1
        }
        self.segments = segments
    }

    private static func compileSegment(_ scalars: [Unicode.Scalar], offset: Int) throws(SyntaxError) -> [Token] {
        var tokens: [Token] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "*":
                if case .anyRun = tokens.last {} else { tokens.append(.anyRun) }
                index += 1
            case "?":
                tokens.append(.anyCharacter)
                index += 1
            case "\\" where index + 1 < scalars.count:
                appendLiteral(scalars[index + 1], to: &tokens)
                index += 2
            case "[":
                let (characterClass, next) = try compileClass(scalars, from: index, offset: offset)
                tokens.append(.characterClass(characterClass))
                index = next
            default:
                appendLiteral(scalar, to: &tokens)
                index += 1
            }
        }
        return tokens
    }

    private static func appendLiteral(_ scalar: Unicode.Scalar, to tokens: inout [Token]) {
        for byte in UTF8.encode(lowercased(scalar))! {
            tokens.append(.literal(byte))
        }
    }

    /// Compiles the class opening at `open`; returns it and the index after its `]`.
    private static func compileClass(
        _ scalars: [Unicode.Scalar],
        from open: Int,
        offset: Int
    ) throws(SyntaxError) -> (CharacterClass, Int) {
        var index = open + 1
        var negated = false
        if index < scalars.count, scalars[index] == "!" || scalars[index] == "^" {
            negated = true
            index += 1
        }
        var ranges: [ClosedRange<UInt32>] = []
        var first = true
        while index < scalars.count {
            var scalar = scalars[index]
            if scalar == "]", !first {
                return (CharacterClass(negated: negated, ranges: ranges), index + 1)
            }
            first = false
            if scalar == "\\", index + 1 < scalars.count {
                index += 1
                scalar = scalars[index]
            }
            let low = lowercased(scalar).value
            if index + 2 < scalars.count, scalars[index + 1] == "-", scalars[index + 2] != "]" {
                let high = lowercased(scalars[index + 2]).value
                guard low <= high else {
                    throw SyntaxError(
                        message: "the range '\(scalar)-\(scalars[index + 2])' runs backwards",
                        position: offset + index + 1
                    )
                }
                ranges.append(low...high)
                index += 3
            } else {
                ranges.append(low...low)
                index += 1
            }
        }
        throw SyntaxError(
            message: "'[' at character \(offset + open + 1) is never closed with ']'",
            position: offset + open + 1)
    }

    private static func lowercased(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        (scalar.value >= 65 && scalar.value <= 90) ? Unicode.Scalar(scalar.value + 32)! : scalar
    }

    /// Matches `path`, a relative path whose ASCII letters are already lowercased.
    func matches(_ path: ArraySlice<UInt8>) -> Bool {
        if matchesBaseName {
            let nameStart = path.lastIndex(of: UInt8(ascii: "/")).map { $0 + 1 } ?? path.startIndex
            guard case .tokens(let tokens) = segments.first else { return true }
            return Self.matchSegment(tokens, path[nameStart...])
        }
        return matchSegments(from: 0, path, at: path.startIndex)
    }

    /// True when the segments from `segmentIndex` on match the path from `start` (a segment start) to its end.
    private func matchSegments(from segmentIndex: Int, _ path: ArraySlice<UInt8>, at start: Int) -> Bool {
        let exhausted = start > path.endIndex
        guard segmentIndex < segments.count else { return exhausted }
        switch segments[segmentIndex] {
        case .anyDepth:
            if segmentIndex + 1 == segments.count { return true }
            var next = start
            while next <= path.endIndex {
                if matchSegments(from: segmentIndex + 1, path, at: next) { return true }
                guard let slash = path[next...].firstIndex(of: UInt8(ascii: "/")) else { return false }
                next = slash + 1
            }
            return false
        case .tokens(let tokens):
            guard !exhausted else { return false }
            let end = path[start...].firstIndex(of: UInt8(ascii: "/")) ?? path.endIndex
            guard Self.matchSegment(tokens, path[start..<end]) else { return false }
            return matchSegments(from: segmentIndex + 1, path, at: end + 1)
        }
    }

    /// Wildcard matching within one segment, backtracking only to the last `*`.
    private static func matchSegment(_ tokens: [Token], _ text: ArraySlice<UInt8>) -> Bool {
        var tokenIndex = 0
        var position = text.startIndex
        var starToken = -1
        var starPosition = text.startIndex
        while position < text.endIndex {
            if tokenIndex < tokens.count {
                switch tokens[tokenIndex] {
                case .literal(let byte) where text[position] == byte:
                    tokenIndex += 1
                    position += 1
                    continue
                case .anyCharacter:
                    tokenIndex += 1
                    position += scalarLength(text, at: position)
                    continue
                case .characterClass(let characterClass)
                where characterClass.contains(scalarValue(text, at: position)):
                    tokenIndex += 1
                    position += scalarLength(text, at: position)
                    continue
                case .anyRun:
                    starToken = tokenIndex
                    starPosition = position
                    tokenIndex += 1
                    continue
                default:
                    break
                }
            }
            guard starToken >= 0 else { return false }
            starPosition += scalarLength(text, at: starPosition)
            position = starPosition
            tokenIndex = starToken + 1
        }
        while tokenIndex < tokens.count, case .anyRun = tokens[tokenIndex] {
            tokenIndex += 1
        }
        return tokenIndex == tokens.count && position == text.endIndex
    }

    /// Bytes in the UTF-8 sequence starting at `index` (1 for stray continuation bytes), clamped to the text.
    private static func scalarLength(_ text: ArraySlice<UInt8>, at index: Int) -> Int {
        let lead = text[index]
        let length = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        return min(length, text.endIndex - index)
    }

    /// The Unicode scalar value starting at `index`.
    private static func scalarValue(_ text: ArraySlice<UInt8>, at index: Int) -> UInt32 {
        let length = scalarLength(text, at: index)
        let lead = UInt32(text[index])
        guard length > 1 else { return lead }
        var value = lead & (0xFF >> (length + 1))
        for offset in 1..<length {
            value = (value << 6) | (UInt32(text[index + offset]) & 0x3F)
        }
        return value
    }
}

extension Array where Element == UInt8 {
    /// The UTF-8 bytes of `text` with ASCII letters lowercased, as glob matching expects.
    init(lowercasedUTF8 text: String) {
        self = text.utf8.map { ($0 >= 65 && $0 <= 90) ? $0 + 32 : $0 }
    }
}
