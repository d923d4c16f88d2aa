import Foundation
import Yams

/// One YAML file, parsed into a node tree that still knows where each node came from.
///
/// Parsing goes through Yams' `compose` rather than a decoder so that every value keeps its `Mark`
/// and unknown keys can be rejected strictly.
struct YAMLDocument {
    /// Absolute path of the file, used in every error.
    let file: String
    /// The file's text, kept to locate problems Yams reports imprecisely.
    let text: String
    /// The single root node; never null.
    let root: Node

    /// Reads and parses `file` (an absolute path).
    static func load(file: String) throws(ConfigError) -> YAMLDocument {
        let start = SourceLocation(file: file, line: 1, column: 1)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isFolder) else {
            throw .unreadable(start, message: "no such file")
        }
        guard !isFolder.boolValue else {
            throw .unreadable(start, message: "is a folder, not a file")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw .unreadable(start, message: "cannot be read: \(error.localizedDescription)", cause: error)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(start, message: "is not UTF-8 text")
        }
        return try parse(text, file: file)
    }

    /// Parses `text` as the contents of `file`.
    static func parse(_ text: String, file: String) throws(ConfigError) -> YAMLDocument {
        let start = SourceLocation(file: file, line: 1, column: 1)
        if let alias = firstAliasNextToAnAnchor(in: text) {
            throw .syntax(
                SourceLocation(file: file, line: alias.line, column: alias.column),
                message: "YAML anchors and aliases (&name, *name) are not allowed in dropbolt files; "
                    + "write the value out (if this is text, put a space after the '&' or '*')"
            )
        }
        let root: Node?
        do {
            // `.basic`: no regex-based resolution (it loads ICU); `ScalarKind` resolves plain scalars instead.
            root = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            throw syntaxError(error, text: text, file: file)
        } catch {
            throw .syntax(start, message: "cannot be parsed: \(error)", cause: error)
        }
        guard let root, !root.isNull else {
            throw .empty(start, message: "the file is empty; it needs at least one key")
        }
        return YAMLDocument(file: file, text: text, root: root)
    }

    /// The 1-based position of `node` in this file (Yams marks are already 1-based).
    func location(of node: Node) -> SourceLocation {
        guard let mark = node.mark else {
            return SourceLocation(file: file, line: 1, column: 1)
        }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    /// A 1-based line and column (Yams' `Mark` cannot be created outside Yams).
    private struct Position {
        var line: Int
        var column: Int
    }

    private static func syntaxError(_ error: YamlError, text: String, file: String) -> ConfigError {
        func location(_ mark: Mark) -> SourceLocation {
            SourceLocation(file: file, line: mark.line, column: mark.column)
        }
        func location(_ position: Position) -> SourceLocation {
            SourceLocation(file: file, line: position.line, column: position.column)
        }
        func describe(_ problem: String, _ context: YamlError.Context?) -> String {
            guard let context else { return problem }
            return "\(problem) (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return .syntax(location(mark), message: describe(problem, context), cause: error)
        case .reader(let problem, let offset, _, _):
            let position = offset.map { lineAndColumn(ofCharacterOffset: $0, in: text) } ?? Position(line: 1, column: 1)
            return .syntax(location(position), message: problem, cause: error)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? ""
            let first = Position(line: context.mark.line, column: context.mark.column)
            let position = secondOccurrence(of: key, after: first, in: text) ?? first
            return .duplicateKey(
                location(position),
                key: key,
                message: "this key appears more than once in the same mapping (first at line \(context.mark.line))"
            )
        default:
            return .syntax(SourceLocation(file: file, line: 1, column: 1), message: "\(error)", cause: error)
        }
    }

    /// Where the first alias (`*name`) is, when the text has both an anchor (`&name`) and an alias; nil otherwise.
    ///
    /// Anchors and aliases let a few hundred bytes stand for billions of nodes (each anchor holding ten aliases of
    /// the one before), and Yams walks all of them when such an alias is a mapping key, to look for duplicate
    /// keys: found while fuzzing the loaders (`Fuzz/`), where a 400-byte file kept the loader busy for good. So
    /// our files may not use them, and the check runs before Yams sees the text. It reads marks, not YAML, and
    /// errs towards finding them: it counts every `&` or `*` that is followed by a name character (libyaml's
    /// names are ASCII letters, digits, `-` and `_`) and not preceded by an ASCII letter or digit, which also
    /// catches such text inside quotes, comments and block scalars. That is why a file is refused only when it
    /// has both kinds of mark, which every expansion needs.
    private static func firstAliasNextToAnAnchor(in text: String) -> Position? {
        func isLetterOrDigit(_ scalar: Unicode.Scalar?) -> Bool {
            switch scalar {
            case ("a"..."z")?, ("A"..."Z")?, ("0"..."9")?: return true
            default: return false
            }
        }
        var sawAnchor = false
        var firstAlias: Position?
        var position = Position(line: 1, column: 1)
        var previous: Unicode.Scalar?
        var scalars = text.unicodeScalars.makeIterator()
        var current = scalars.next()
        while let scalar = current {
            let next = scalars.next()
            if scalar == "&" || scalar == "*", !isLetterOrDigit(previous),
                isLetterOrDigit(next) || next == "-" || next == "_"
            {
                if scalar == "&" {
                    sawAnchor = true
                } else if firstAlias == nil {
                    firstAlias = position
                }
                if sawAnchor, let firstAlias { return firstAlias }
            }
            if scalar == "\n" {
                position = Position(line: position.line + 1, column: 1)
            } else {
                position.column += 1
            }
            previous = scalar
            current = next
        }
        return nil
    }

    private static func lineAndColumn(ofCharacterOffset offset: Int, in text: String) -> Position {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return Position(line: line, column: column)
    }

    /// Finds where `key` is written again after its first occurrence at `first`.
    ///
    /// Yams reports a duplicate at the first key only, but the second one is the likely mistake (a pasted
    /// line), so look for it: first on later lines at the same indentation (block style), then later on the
    /// same line (flow style).
    private static func secondOccurrence(of key: String, after first: Position, in text: String) -> Position? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        guard first.line >= 1, first.line <= lines.count else { return nil }
        let spellings = [key, "\"\(key)\"", "'\(key)'"].map { Array($0.unicodeScalars) }
        let indent = first.column - 1

        func keyStarts(in line: [Unicode.Scalar], at index: Int) -> Bool {
            for spelling in spellings where index + spelling.count <= line.count {
                guard Array(line[index..<index + spelling.count]) == spelling else { continue }
                var next = index + spelling.count
                while next < line.count, line[next] == " " { next += 1 }
                if next < line.count, line[next] == ":" { return true }
            }
            return false
        }

        for lineIndex in first.line..<lines.count {
            let line = lines[lineIndex]
            let leading = line.prefix { $0 == " " }.count
            if leading == line.count || line[leading] == "#" { continue }
            if leading < indent { break }
            if leading == indent, keyStarts(in: line, at: indent) {
                return Position(line: lineIndex + 1, column: indent + 1)
            }
        }

        let line = lines[first.line - 1]
        var index = indent + 1
        while index < line.count {
            var before = index - 1
            while before >= 0, line[before] == " " { before -= 1 }
            if before >= 0, line[before] == "," || line[before] == "{", keyStarts(in: line, at: index) {
                return Position(line: first.line, column: index + 1)
            }
            index += 1
        }
        return nil
    }
}
