/// Why an L402 challenge or credential could not be used.
///
/// Parsing never crashes on what a server sends: every problem becomes one of these, with a sentence for the log.
/// New kinds of problems may be added without breaking callers; switch on ``shortDescription`` only for labels.
///
/// ```swift
/// do {
///     let challenges = try ChallengeParser.parse(headerValues: values)
/// } catch {
///     logger.debug("bad challenge", metadata: ["error": "\(error.shortDescription)"])
/// }
/// ```
public struct L402Error: Error, Sendable, CustomStringConvertible {
    private enum Code: String, Sendable {
        case noChallenge
        case malformedHeader
        case missingToken
        case missingInvoice
        case badToken
        case badInvoice
        case badPreimage
    }

    private var code: Code
    /// A sentence saying what is wrong. It never contains a token or a preimage.
    public var message: String
    /// The underlying error, when this one wraps another.
    public var cause: (any Error)?

    private init(_ code: Code, message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// A stable label without details, for logs and metrics: `noChallenge`, `malformedHeader`, `missingToken`,
    /// `missingInvoice`, `badToken`, `badInvoice` or `badPreimage`.
    public var shortDescription: String { code.rawValue }

    /// `<shortDescription>: <message>`.
    public var description: String { "\(code.rawValue): \(message)" }
}

extension L402Error {
    /// No `L402` or `LSAT` challenge in the response (no header, empty header, only other schemes).
    static func noChallenge(_ message: String) -> L402Error {
        L402Error(.noChallenge, message: message)
    }

    /// A `WWW-Authenticate` value that is not a valid RFC 7235 challenge list.
    static func malformedHeader(_ message: String) -> L402Error {
        L402Error(.malformedHeader, message: message)
    }

    /// An L402 challenge without a `token=` or `macaroon=` parameter.
    static func missingToken(_ message: String) -> L402Error {
        L402Error(.missingToken, message: message)
    }

    /// An L402 challenge without an `invoice=` parameter.
    static func missingInvoice(_ message: String) -> L402Error {
        L402Error(.missingInvoice, message: message)
    }

    /// A token that is empty, not base64, or disagrees with its twin (`token=` vs `macaroon=`).
    static func badToken(_ message: String) -> L402Error {
        L402Error(.badToken, message: message)
    }

    /// An invoice that is empty or does not look like BOLT 11 (`ln…`).
    static func badInvoice(_ message: String) -> L402Error {
        L402Error(.badInvoice, message: message)
    }

    /// A preimage that is not 32 bytes (64 hex digits).
    static func badPreimage(_ message: String) -> L402Error {
        L402Error(.badPreimage, message: message)
    }
}
