/// Why a string is not valid Bech32.
///
/// New kinds of problems may be added without breaking callers; switch on ``shortDescription`` only for labels.
public struct Bech32Error: Error, Sendable, CustomStringConvertible {
    // Internal rather than private so InvoiceError can map each kind to its own label.
    enum Code: String, Sendable {
        case invalidCharacter
        case mixedCase
        case missingSeparator
        case invalidHumanReadablePart
        case tooShort
        case invalidChecksum
    }

    private(set) var code: Code
    /// A sentence saying what is wrong.
    public var message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// A stable label without details, for logs and metrics: `invalidCharacter`, `mixedCase`,
    /// `missingSeparator`, `invalidHumanReadablePart`, `tooShort` or `invalidChecksum`.
    public var shortDescription: String { code.rawValue }

    /// `bech32 <label>: <message>`.
    public var description: String { "bech32 \(code.rawValue): \(message)" }

    static func invalidCharacter(_ message: String) -> Bech32Error { Bech32Error(.invalidCharacter, message) }
    static func mixedCase(_ message: String) -> Bech32Error { Bech32Error(.mixedCase, message) }
    static func missingSeparator(_ message: String) -> Bech32Error { Bech32Error(.missingSeparator, message) }
    static func invalidHumanReadablePart(_ message: String) -> Bech32Error {
        Bech32Error(.invalidHumanReadablePart, message)
    }
    static func tooShort(_ message: String) -> Bech32Error { Bech32Error(.tooShort, message) }
    static func invalidChecksum(_ message: String) -> Bech32Error { Bech32Error(.invalidChecksum, message) }
}
