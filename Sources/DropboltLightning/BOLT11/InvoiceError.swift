/// Why a string is not a BOLT 11 invoice dropbolt will accept.
///
/// Every error means "do not pay this": the engine refuses such an invoice before calling a wallet, and no
/// money can have moved. New kinds of problems may be added without breaking callers; switch on
/// ``shortDescription`` only for labels.
public struct InvoiceError: Error, Sendable, CustomStringConvertible {
    private enum Code: String, Sendable {
        case malformed
        case mixedCase
        case invalidChecksum
        case invalidPrefix
        case unknownNetwork
        case invalidAmount
        case unknownMultiplier
        case subMillisatoshiAmount
        case tooShort
        case truncatedField
        case fieldOverflow
        case invalidDescription
        case missingPaymentHash
        case missingPaymentSecret
        case missingDescription
        case conflictingDescription
        case unknownRequiredFeature
        case invalidPayeeKey
        case unrecoverableSignature
        case highSSignature
        case signatureMismatch
    }

    private var code: Code
    /// A sentence saying what is wrong.
    public var message: String
    /// The underlying error, such as the ``Bech32Error`` for a string that is not Bech32.
    public var cause: (any Error)?

    private init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// A stable label without details, for logs, metrics and a job's refusal reason.
    ///
    /// One of: `malformed` (not Bech32), `mixedCase`, `invalidChecksum`, `invalidPrefix` (not `ln…`),
    /// `unknownNetwork`, `invalidAmount` (not digits, leading zero, too large), `unknownMultiplier`,
    /// `subMillisatoshiAmount`, `tooShort` (no room for timestamp and signature), `truncatedField`,
    /// `fieldOverflow` (`x` or `c` too large), `invalidDescription` (`d` not UTF-8), `missingPaymentHash`,
    /// `missingPaymentSecret`, `missingDescription` (neither `d` nor `h`), `conflictingDescription` (both),
    /// `unknownRequiredFeature`, `invalidPayeeKey` (`n` is not a public key), `unrecoverableSignature`,
    /// `highSSignature` (non-canonical signature with `n`), `signatureMismatch` (does not verify against `n`).
    public var shortDescription: String { code.rawValue }

    /// `invoice <label>: <message>`.
    public var description: String { "invoice \(code.rawValue): \(message)" }

    static func bech32(_ error: Bech32Error) -> InvoiceError {
        let code: Code
        switch error.code {
        case .mixedCase: code = .mixedCase
        case .invalidChecksum: code = .invalidChecksum
        case .invalidCharacter, .missingSeparator, .invalidHumanReadablePart, .tooShort: code = .malformed
        }
        return InvoiceError(code, error.message, cause: error)
    }

    static func invalidPrefix(_ message: String) -> InvoiceError { InvoiceError(.invalidPrefix, message) }
    static func unknownNetwork(_ message: String) -> InvoiceError { InvoiceError(.unknownNetwork, message) }
    static func invalidAmount(_ message: String) -> InvoiceError { InvoiceError(.invalidAmount, message) }
    static func unknownMultiplier(_ message: String) -> InvoiceError { InvoiceError(.unknownMultiplier, message) }
    static func subMillisatoshiAmount(_ message: String) -> InvoiceError {
        InvoiceError(.subMillisatoshiAmount, message)
    }
    static func tooShort(_ message: String) -> InvoiceError { InvoiceError(.tooShort, message) }
    static func truncatedField(_ message: String) -> InvoiceError { InvoiceError(.truncatedField, message) }
    static func fieldOverflow(_ message: String) -> InvoiceError { InvoiceError(.fieldOverflow, message) }
    static func invalidDescription(_ message: String) -> InvoiceError { InvoiceError(.invalidDescription, message) }
    static func missingPaymentHash(_ message: String) -> InvoiceError { InvoiceError(.missingPaymentHash, message) }
    static func missingPaymentSecret(_ message: String) -> InvoiceError {
        InvoiceError(.missingPaymentSecret, message)
    }
    static func missingDescription(_ message: String) -> InvoiceError { InvoiceError(.missingDescription, message) }
    static func conflictingDescription(_ message: String) -> InvoiceError {
        InvoiceError(.conflictingDescription, message)
    }
    static func unknownRequiredFeature(_ message: String) -> InvoiceError {
        InvoiceError(.unknownRequiredFeature, message)
    }
    static func invalidPayeeKey(_ message: String) -> InvoiceError { InvoiceError(.invalidPayeeKey, message) }
    static func unrecoverableSignature(_ message: String) -> InvoiceError {
        InvoiceError(.unrecoverableSignature, message)
    }
    static func highSSignature(_ message: String) -> InvoiceError { InvoiceError(.highSSignature, message) }
    static func signatureMismatch(_ message: String) -> InvoiceError { InvoiceError(.signatureMismatch, message) }
}
