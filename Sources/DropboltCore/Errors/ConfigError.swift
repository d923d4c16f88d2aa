/// A problem in a configuration or rule file, with the place it was found.
///
/// Every error names the file, line, column and (where there is one) the dotted key path, so that
/// `dropbolt rules check` can print it in the `file:line:column:` form editors understand:
/// ```text
/// /etc/dropbolt/config.yaml:7:3: budget.daily_sat: unknown key; did you mean 'daily_sats'?
/// ```
/// New kinds of problems may be added without breaking callers; switch on ``shortDescription`` only for labels.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    private enum Code: String, Sendable {
        case unreadable
        case empty
        case syntax
        case duplicateKey
        case unknownKey
        case wrongType
        case invalidValue
        case missingKey
        case unsafeURL
        case inlineSecret
        case inapplicableKey
        case badTemplate
        case badGlob
        case missingFolder
        case duplicateRule
    }

    private var code: Code
    /// Where the problem is: the key for unknown keys, the value for bad values, the mapping for missing keys.
    public var location: SourceLocation
    /// The dotted key path, e.g. `budget.daily_sats`, or nil when the problem is not tied to a key (syntax errors).
    public var key: String?
    /// A sentence saying what is wrong and, where possible, how to fix it.
    public var message: String
    /// The underlying error, such as the file system error for an unreadable file.
    public var cause: (any Error)?

    private init(_ code: Code, at location: SourceLocation, key: String?, message: String, cause: (any Error)? = nil) {
        self.code = code
        self.location = location
        self.key = key
        self.message = message
        self.cause = cause
    }

    /// A stable label without details, for logs and metrics: `unknownKey`, `wrongType`, `invalidValue`,
    /// `missingKey`, `syntax`, `unreadable`, `empty`, `duplicateKey`, `unsafeURL`, `inlineSecret`,
    /// `inapplicableKey`, `badTemplate`, `badGlob`, `missingFolder` or `duplicateRule`.
    public var shortDescription: String { code.rawValue }

    /// `<file>:<line>:<column>: <key>: <message>`; the key part is left out when there is no key.
    public var description: String {
        if let key {
            return "\(location): \(key): \(message)"
        }
        return "\(location): \(message)"
    }
}

extension ConfigError {
    /// The file could not be read (missing, a folder, no permission, not UTF-8).
    static func unreadable(_ location: SourceLocation, message: String, cause: (any Error)? = nil) -> ConfigError {
        ConfigError(.unreadable, at: location, key: nil, message: message, cause: cause)
    }

    /// The file holds no YAML document at all.
    static func empty(_ location: SourceLocation, message: String) -> ConfigError {
        ConfigError(.empty, at: location, key: nil, message: message)
    }

    /// The YAML itself is malformed.
    static func syntax(_ location: SourceLocation, message: String, cause: (any Error)? = nil) -> ConfigError {
        ConfigError(.syntax, at: location, key: nil, message: message, cause: cause)
    }

    /// A mapping names the same key twice.
    static func duplicateKey(_ location: SourceLocation, key: String?, message: String) -> ConfigError {
        ConfigError(.duplicateKey, at: location, key: key, message: message)
    }

    /// A key that this file format does not know.
    static func unknownKey(_ location: SourceLocation, key: String, message: String) -> ConfigError {
        ConfigError(.unknownKey, at: location, key: key, message: message)
    }

    /// A value of the wrong YAML type (a list where a number belongs).
    static func wrongType(_ location: SourceLocation, key: String?, message: String) -> ConfigError {
        ConfigError(.wrongType, at: location, key: key, message: message)
    }

    /// A value of the right type but not allowed (out of range, not one of the choices).
    static func invalidValue(_ location: SourceLocation, key: String?, message: String) -> ConfigError {
        ConfigError(.invalidValue, at: location, key: key, message: message)
    }

    /// A required key is absent.
    static func missingKey(_ location: SourceLocation, key: String, message: String) -> ConfigError {
        ConfigError(.missingKey, at: location, key: key, message: message)
    }

    /// A URL that would send credentials or payments over plain HTTP to another machine.
    static func unsafeURL(_ location: SourceLocation, key: String, message: String) -> ConfigError {
        ConfigError(.unsafeURL, at: location, key: key, message: message)
    }

    /// A secret written into the file instead of referenced by file or environment variable.
    static func inlineSecret(_ location: SourceLocation, key: String, message: String) -> ConfigError {
        ConfigError(.inlineSecret, at: location, key: key, message: message)
    }

    /// A known key that does not apply here (an edit-only option on an analyze rule).
    static func inapplicableKey(_ location: SourceLocation, key: String, message: String) -> ConfigError {
        ConfigError(.inapplicableKey, at: location, key: key, message: message)
    }

    /// An output-name template that is malformed or unsafe.
    static func badTemplate(_ location: SourceLocation, key: String, message: String) -> ConfigError {
        ConfigError(.badTemplate, at: location, key: key, message: message)
    }

    /// A malformed glob pattern.
    static func badGlob(_ location: SourceLocation, key: String, message: String) -> ConfigError {
        ConfigError(.badGlob, at: location, key: key, message: message)
    }

    /// A folder that must exist does not.
    static func missingFolder(_ location: SourceLocation, key: String, message: String) -> ConfigError {
        ConfigError(.missingFolder, at: location, key: key, message: message)
    }

    /// Two rule files would define a rule of the same name.
    static func duplicateRule(_ location: SourceLocation, message: String) -> ConfigError {
        ConfigError(.duplicateRule, at: location, key: nil, message: message)
    }
}
