import Yams

/// Reads typed values out of one YAML mapping, rejecting unknown keys and reporting positions.
///
/// Wrong types and bad values are reported at the value, unknown keys at the key and missing keys at the
/// mapping, with the dotted key path.
struct MappingReader {
    private struct Entry {
        var keyNode: Node
        var value: Node
    }

    /// The document the mapping belongs to.
    let document: YAMLDocument
    /// The mapping node itself.
    let node: Node
    /// Dotted path of this mapping; empty at the root.
    let path: String
    private var entries: [String: Entry] = [:]

    /// Checks that `node` is a mapping whose keys are all in `allowedKeys`.
    ///
    /// - Parameter secretKeys: keys that must never hold an inline value, with the message saying what to use.
    init(
        _ node: Node,
        in document: YAMLDocument,
        path: String,
        allowedKeys: [String],
        secretKeys: [String: String] = [:]
    ) throws(ConfigError) {
        self.document = document
        self.node = node
        self.path = path
        guard case .mapping(let mapping) = node else {
            throw .wrongType(
                document.location(of: node),
                key: path.isEmpty ? nil : path,
                message: "must be a mapping of keys to values, found \(node.kindDescription)"
            )
        }
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw .wrongType(
                    document.location(of: keyNode), key: path.isEmpty ? nil : path,
                    message: "keys must be plain names, found \(keyNode.kindDescription)")
            }
            let key = scalar.string
            let fullKey = path.isEmpty ? key : "\(path).\(key)"
            if let advice = secretKeys[key] {
                throw .inlineSecret(document.location(of: keyNode), key: fullKey, message: advice)
            }
            guard allowedKeys.contains(key) else {
                var message = "unknown key"
                if let suggestion = KeySuggestion.closest(to: key, among: allowedKeys) {
                    message += "; did you mean '\(suggestion)'?"
                } else {
                    message += "; known keys: \(allowedKeys.joined(separator: ", "))"
                }
                throw .unknownKey(document.location(of: keyNode), key: fullKey, message: message)
            }
            entries[key] = Entry(keyNode: keyNode, value: value)
        }
    }

    /// The dotted path of `key` in this mapping.
    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Where the mapping starts: the place to report a missing key.
    var location: SourceLocation { document.location(of: node) }

    /// Where `key` is written, if present.
    func keyLocation(_ key: String) -> SourceLocation? {
        entries[key].map { document.location(of: $0.keyNode) }
    }

    /// Where the value of `key` is written, if present.
    func valueLocation(_ key: String) -> SourceLocation? {
        entries[key].map { document.location(of: $0.value) }
    }

    /// The value node of `key`, or nil when absent or null.
    func value(_ key: String) -> Node? {
        guard let value = entries[key]?.value, !value.isNull else { return nil }
        return value
    }

    /// True when `key` is present with a non-null value.
    func contains(_ key: String) -> Bool { value(key) != nil }

    /// Throws a missing-key error at the mapping unless `key` has a value.
    func require(_ key: String, _ explanation: String) throws(ConfigError) {
        guard contains(key) else {
            throw .missingKey(location, key: keyPath(key), message: "required key is missing; \(explanation)")
        }
    }

    /// An error at the value of `key`.
    func invalid(_ key: String, _ message: String) -> ConfigError {
        .invalidValue(valueLocation(key) ?? location, key: keyPath(key), message: message)
    }

    /// A text value; numbers and other plain scalars are taken as written.
    func string(_ key: String) throws(ConfigError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .scalar(let scalar) = value else {
            throw wrongType(key, value, expected: "text")
        }
        return scalar.string
    }

    /// A `true`/`false` value.
    func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let bool) = value.scalarKind else {
            throw wrongType(key, value, expected: "true or false")
        }
        return bool
    }

    /// A whole number within `range`.
    func integer(_ key: String, in range: ClosedRange<Int64>) throws(ConfigError) -> Int64? {
        guard let value = value(key) else { return nil }
        guard case .integer(let parsed) = value.scalarKind else {
            throw wrongType(key, value, expected: "a whole number")
        }
        guard let number = parsed else {
            throw invalid(key, "\(Self.text(of: value)) is out of range; \(Self.describe(range))")
        }
        guard range.contains(number) else {
            throw invalid(key, "\(number) is out of range; \(Self.describe(range))")
        }
        return number
    }

    /// An amount of satoshis of at least `minimum`, refusing more than all the bitcoin there will ever be: a limit
    /// above that is a typo, and multiplied into millisatoshis it would overflow the sums budgets are checked with.
    func sats(_ key: String, atLeast minimum: Int64) throws(ConfigError) -> Int64? {
        guard let sats = try integer(key, in: minimum...Int64.max) else { return nil }
        guard sats <= Millisatoshi.allBitcoinSats else {
            throw invalid(
                key,
                "\(sats) sats is more than all the bitcoin there will ever be (\(Millisatoshi.allBitcoinSats) sats); "
                    + "write a real limit")
        }
        return sats
    }

    /// A number (whole or decimal) of at least `minimum`.
    func number(_ key: String, atLeast minimum: Double) throws(ConfigError) -> Double? {
        guard let value = value(key) else { return nil }
        let number: Double
        switch value.scalarKind {
        case .integer(let whole?): number = Double(whole)
        case .float(let decimal): number = decimal
        case .integer(nil): number = .infinity
        default: throw wrongType(key, value, expected: "a number")
        }
        guard number.isFinite, number >= minimum else {
            throw invalid(key, "\(Self.text(of: value)) is out of range; must be at least \(Self.format(minimum))")
        }
        return number
    }

    /// One of the raw values of `Choice`; the error lists every allowed value.
    func choice<Choice: RawRepresentable & CaseIterable>(
        _ key: String,
        as type: Choice.Type = Choice.self
    ) throws(ConfigError) -> Choice? where Choice.RawValue == String {
        guard let text = try string(key) else { return nil }
        guard let choice = Choice(rawValue: text) else {
            let allowed = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            throw invalid(key, "'\(text)' is not allowed; use one of: \(allowed)")
        }
        return choice
    }

    /// A list of text values with their nodes; a single text value counts as a list of one.
    func stringList(_ key: String) throws(ConfigError) -> [(text: String, node: Node)]? {
        guard let value = value(key) else { return nil }
        switch value {
        case .scalar(let scalar):
            return [(scalar.string, value)]
        case .sequence(let sequence):
            var items: [(text: String, node: Node)] = []
            for item in sequence {
                guard case .scalar(let scalar) = item, !item.isNull else {
                    throw .wrongType(
                        document.location(of: item), key: keyPath(key),
                        message: "list items must be text, found \(item.kindDescription)")
                }
                items.append((scalar.string, item))
            }
            return items
        default:
            throw wrongType(key, value, expected: "a list of text values")
        }
    }

    /// The nested mapping under `key`, checked against its own allowed keys.
    func mapping(
        _ key: String,
        allowedKeys: [String],
        secretKeys: [String: String] = [:]
    ) throws(ConfigError) -> MappingReader? {
        guard let value = value(key) else { return nil }
        return try MappingReader(
            value, in: document, path: keyPath(key), allowedKeys: allowedKeys,
            secretKeys: secretKeys)
    }

    private func wrongType(_ key: String, _ value: Node, expected: String) -> ConfigError {
        .wrongType(
            document.location(of: value), key: keyPath(key),
            message: "must be \(expected), found \(value.kindDescription)")
    }

    private static func text(of node: Node) -> String {
        guard case .scalar(let scalar) = node else { return "" }
        return scalar.string
    }

    private static func describe(_ range: ClosedRange<Int64>) -> String {
        if range.upperBound == Int64.max { return "must be at least \(range.lowerBound)" }
        return "must be between \(range.lowerBound) and \(range.upperBound)"
    }

    private static func format(_ number: Double) -> String {
        number == number.rounded() ? String(Int64(number)) : String(number)
    }
}

extension Node {
    /// How a node looks to a user: "a list", "a mapping", "text 'abc'", "the number 3".
    var kindDescription: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            switch ScalarKind(of: scalar) {
            case .null: return "nothing (null)"
            case .bool: return "true/false '\(scalar.string)'"
            case .integer, .float: return "the number \(scalar.string)"
            case .text: return "text '\(scalar.string)'"
            }
        }
    }
}
