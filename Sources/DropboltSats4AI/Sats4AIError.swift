/// Why a sats4ai request could not be built or a response could not be read.
///
/// Each one concerns a single job (a corrupt image, an odd response), never the daemon. New kinds of problems may
/// be added without breaking callers; switch on ``shortDescription`` only for labels.
public struct Sats4AIError: Error, Sendable, CustomStringConvertible {
    private enum Code: String, Sendable {
        case emptyImage
        case unknownImageType
        case emptyPrompt
        case malformedResponse
        case missingResult
        case badBase64
    }

    private var code: Code
    /// A sentence saying what is wrong.
    public var message: String
    /// The underlying error, such as the JSON decoder's.
    public var cause: (any Error)?

    private init(_ code: Code, message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// A stable label without details, for logs and metrics: `emptyImage`, `unknownImageType`, `emptyPrompt`,
    /// `malformedResponse`, `missingResult` or `badBase64`.
    public var shortDescription: String { code.rawValue }

    /// `<shortDescription>: <message>`.
    public var description: String { "\(code.rawValue): \(message)" }
}

extension Sats4AIError {
    /// The image file has no bytes.
    static func emptyImage(_ message: String) -> Sats4AIError {
        Sats4AIError(.emptyImage, message: message)
    }

    /// The image bytes are not JPEG, PNG, WebP, GIF or HEIC/HEIF.
    static func unknownImageType(_ message: String) -> Sats4AIError {
        Sats4AIError(.unknownImageType, message: message)
    }

    /// An edit request without a prompt.
    static func emptyPrompt(_ message: String) -> Sats4AIError {
        Sats4AIError(.emptyPrompt, message: message)
    }

    /// A success response that is not the documented JSON object.
    static func malformedResponse(_ message: String, cause: (any Error)? = nil) -> Sats4AIError {
        Sats4AIError(.malformedResponse, message: message, cause: cause)
    }

    /// A success response without the result (no `content`, or neither `imageUrl` nor `base64Image`).
    static func missingResult(_ message: String) -> Sats4AIError {
        Sats4AIError(.missingResult, message: message)
    }

    /// A `base64Image` that does not decode.
    static func badBase64(_ message: String) -> Sats4AIError {
        Sats4AIError(.badBase64, message: message)
    }
}
