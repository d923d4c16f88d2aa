/// Why a wallet call did not give a clear success, and whether money may have moved.
///
/// ```swift
/// catch let error as PaymentError where error.moneyMayHaveMoved { /* look the payment up; never pay again */ }
/// ```
public struct PaymentError: Error, Sendable, CustomStringConvertible {
    private enum Code: String, Sendable {
        case outcomeUnknown, insufficientBalance, noRoute, invoiceExpired, rejected, unavailable, unauthorized
        case badResponse
    }

    private let code: Code
    /// What happened, in words; never contains a secret.
    public let message: String
    /// The lower-level error, if any.
    public let cause: (any Error)?

    private init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// The request may have reached the wallet and the payment may complete: look it up, never pay again.
    public static func outcomeUnknown(_ message: String, cause: (any Error)? = nil) -> PaymentError {
        PaymentError(.outcomeUnknown, message, cause: cause)
    }
    /// Not enough funds; nothing was paid.
    public static func insufficientBalance(_ message: String) -> PaymentError { PaymentError(.insufficientBalance, message) }
    /// No route to the payee; nothing was paid.
    public static func noRoute(_ message: String) -> PaymentError { PaymentError(.noRoute, message) }
    /// The invoice expired; nothing was paid.
    public static func invoiceExpired(_ message: String) -> PaymentError { PaymentError(.invoiceExpired, message) }
    /// The wallet refused the payment outright; nothing was paid.
    public static func rejected(_ message: String) -> PaymentError { PaymentError(.rejected, message) }
    /// The wallet could not be reached; the request was never delivered, nothing was paid.
    public static func unavailable(_ message: String, cause: (any Error)? = nil) -> PaymentError {
        PaymentError(.unavailable, message, cause: cause)
    }
    /// The wallet refused the credentials (wrong key, read-only key); nothing was paid.
    public static func unauthorized(_ message: String) -> PaymentError { PaymentError(.unauthorized, message) }
    /// The wallet answered something this backend cannot read. For `pay` this is treated as unknown outcome.
    public static func badResponse(_ message: String) -> PaymentError { PaymentError(.badResponse, message) }

    /// False only when the wallet made clear that no money moved and none will for this attempt.
    public var moneyMayHaveMoved: Bool { code == .outcomeUnknown || code == .badResponse }

    /// True when retrying later may help (wallet down, not enough funds yet).
    public var isTransient: Bool { code == .unavailable || code == .insufficientBalance || code == .noRoute }

    /// A stable label for logs and metrics, without values.
    public var shortDescription: String { code.rawValue }

    /// The wallet refused the credentials (a person must fix the key; retrying soon will not help).
    public var isUnauthorized: Bool { code == .unauthorized }

    /// The label and the message.
    public var description: String { "\(code.rawValue): \(message)" }
}
