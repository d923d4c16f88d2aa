import Yams

/// What a YAML scalar means: null, true/false, a number, or text.
///
/// Documents are composed with Yams' `Resolver.basic` and plain scalars are resolved here, by hand, to the same
/// YAML 1.1 rules as Yams' default resolver. Why: the default resolver matches with `NSRegularExpression`, which
/// runs ICU in every daemon that reads its config (one of three start-up paths that kept ICU resident; see
/// bench/README.md, row c).
enum ScalarKind: Equatable {
    /// `~`, `null`, `Null`, `NULL` or nothing.
    case null
    /// `true`/`false`, and YAML 1.1's `yes`/`no`/`on`/`off`, in lower, title or upper case.
    case bool(Bool)
    /// A whole number: decimal, `0x` hex, `0o` or leading-zero octal, `0b` binary, or base 60 (`1:30`);
    /// `_` may separate digits. Nil value when it does not fit in 64 bits.
    case integer(Int64?)
    /// A decimal number with a fraction or exponent, `.inf`, `-.inf` or `.nan`.
    case float(Double)
    /// Anything else, and every quoted or explicitly tagged `!!str` scalar.
    case text

    /// The kind of `scalar`, honouring quotes and explicit tags (`!!int 5`, `!!str yes`).
    ///
    /// Reads the tag as the parser left it (`Tag.description` does not resolve). Never read `Node.tag` on
    /// these documents: with `.basic` it resolves every untagged scalar, in place, to `!!str`.
    init(of scalar: Node.Scalar) {
        switch Tag.Name(rawValue: scalar.tag.description) {
        case .implicit:
            self = scalar.style == .plain || scalar.style == .any ? Self(plain: scalar.string) : .text
        case .null:
            self = .null
        case .bool:
            self = Self.boolean(scalar.string).map(Self.bool) ?? .text
        case .int:
            self = Self.integer(scalar.string).map(Self.integer) ?? .text
        case .float:
            self = Self.float(scalar.string).map(Self.float) ?? Self.integer(scalar.string).map(Self.integer) ?? .text
        default:
            self = .text
        }
    }

    /// The kind of an unquoted, untagged scalar written as `text`.
    init(plain text: String) {
        if Self.nullSpellings.contains(text) {
            self = .null
        } else if let bool = Self.boolean(text) {
            self = .bool(bool)
        } else if let integer = Self.integer(text) {
            self = .integer(integer)
        } else if let float = Self.float(text) {
            self = .float(float)
        } else {
            self = .text
        }
    }

    private static let nullSpellings: Set<String> = ["", "~", "null", "Null", "NULL"]
    private static let trueSpellings: Set<String> = ["yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]
    private static let falseSpellings: Set<String> = ["no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]

    private static func boolean(_ text: String) -> Bool? {
        if trueSpellings.contains(text) { return true }
        if falseSpellings.contains(text) { return false }
        return nil
    }

    /// Nil when `text` is not an integer; `.some(nil)` when it is one but does not fit in an `Int64`.
    private static func integer(_ text: String) -> Int64?? {
        var digits = Substring(text)
        let isNegative = digits.first == "-"
        if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
        guard let first = digits.first else { return nil }

        let radix: Int
        let body: Substring
        if digits.hasPrefix("0b") {
            (radix, body) = (2, digits.dropFirst(2))
        } else if digits.hasPrefix("0x") {
            (radix, body) = (16, digits.dropFirst(2))
        } else if digits.hasPrefix("0o") {
            (radix, body) = (8, digits.dropFirst(2))
        } else if first == "0", digits.count > 1 {
            (radix, body) = (8, digits.dropFirst())
        } else if digits.contains(":") {
            return sexagesimal(digits, isNegative: isNegative)
        } else {
            // Decimal: `0` alone, or a non-zero digit first.
            guard first != "_" else { return nil }
            (radix, body) = (10, digits)
        }
        let cleaned = body.filter { $0 != "_" }
        guard !body.isEmpty, body.allSatisfy({ $0 == "_" || $0.isDigit(radix: radix) }) else { return nil }
        guard !cleaned.isEmpty else { return .some(0) }
        guard let magnitude = UInt64(cleaned, radix: radix) else { return .some(nil) }
        return .some(signed(magnitude, isNegative: isNegative))
    }

    /// `[1-9][0-9_]*(:[0-5]?[0-9])+`, e.g. `1:30` = 90.
    private static func sexagesimal(_ digits: Substring, isNegative: Bool) -> Int64?? {
        let parts = digits.split(separator: ":", omittingEmptySubsequences: false)
        guard let head = parts.first, let leading = head.first, leading != "0", leading.isDigit(radix: 10),
            head.allSatisfy({ $0 == "_" || $0.isDigit(radix: 10) })
        else { return nil }
        for part in parts.dropFirst() {
            guard (1...2).contains(part.count), part.allSatisfy({ $0.isDigit(radix: 10) }),
                part.count == 1 || part.first! <= "5"
            else { return nil }
        }
        var value: UInt64 = 0
        for (index, part) in parts.enumerated() {
            let cleaned = index == 0 ? part.filter { $0 != "_" } : String(part)
            guard let number = UInt64(cleaned) else { return .some(nil) }
            let (shifted, overflowShift) = value.multipliedReportingOverflow(by: index == 0 ? 1 : 60)
            let (sum, overflowAdd) = shifted.addingReportingOverflow(number)
            guard !overflowShift, !overflowAdd else { return .some(nil) }
            value = sum
        }
        return .some(signed(value, isNegative: isNegative))
    }

    private static func signed(_ magnitude: UInt64, isNegative: Bool) -> Int64? {
        if isNegative {
            return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// `[-+]?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?`, `\.[0-9_]+([eE][-+][0-9]+)?`, `[-+]?\.inf`, `\.nan`.
    ///
    /// Base-60 floats (`1:30.5`) are YAML 1.1 curiosities no dropbolt setting needs; they stay text.
    private static func float(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        var rest = Substring(text)
        var hasSign = false
        if rest.first == "-" || rest.first == "+" {
            rest = rest.dropFirst()
            hasSign = true
        }
        let whole = rest.prefix { $0 == "_" || $0.isDigit(radix: 10) }
        rest = rest.dropFirst(whole.count)
        var fraction: Substring = ""
        if rest.first == "." {
            rest = rest.dropFirst()
            fraction = rest.prefix { $0 == "_" || $0.isDigit(radix: 10) }
            rest = rest.dropFirst(fraction.count)
        }
        if let marker = rest.first, marker == "e" || marker == "E" {
            rest = rest.dropFirst()
            var exponent = rest
            if exponent.first == "-" || exponent.first == "+" { exponent = exponent.dropFirst() }
            guard !exponent.isEmpty, exponent.allSatisfy({ $0.isDigit(radix: 10) }) else { return nil }
            rest = ""
        }
        guard rest.isEmpty else { return nil }
        if whole.isEmpty {
            // `.5` form: no sign allowed, at least one fraction digit.
            guard !hasSign, text.contains("."), fraction.contains(where: { $0.isDigit(radix: 10) }) else { return nil }
        } else {
            guard whole.first!.isDigit(radix: 10) else { return nil }
        }
        return Double(text.filter { $0 != "_" })
    }
}

extension Character {
    /// True for an ASCII digit of `radix` (2, 8, 10 or 16).
    fileprivate func isDigit(radix: Int) -> Bool {
        // `hexDigitValue` also accepts fullwidth forms; YAML numbers are ASCII.
        guard isASCII, let value = hexDigitValue else { return false }
        return value < radix
    }
}

extension Node {
    /// The meaning of this node when it is a scalar; nil for mappings, lists and aliases.
    var scalarKind: ScalarKind? {
        guard case .scalar(let scalar) = self else { return nil }
        return ScalarKind(of: scalar)
    }

    /// True for an explicit or implied YAML null (`~`, `null`, or nothing after the colon).
    var isNull: Bool { scalarKind == .null }
}
