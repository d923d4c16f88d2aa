/// An `error.code` in an NWC response. Unknown codes are kept as they came.
public struct NWCErrorCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The code as the wallet wrote it.
    public let rawValue: String
    /// Wraps a code.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The payment failed: no route, timeout, capacity. NIP-47 includes timeouts, so it is not proof that
    /// nothing moved.
    public static let paymentFailed = NWCErrorCode(rawValue: "PAYMENT_FAILED")
    /// Not enough funds; the payment was not attempted.
    public static let insufficientBalance = NWCErrorCode(rawValue: "INSUFFICIENT_BALANCE")
    /// `lookup_invoice`: the wallet knows no such payment.
    public static let notFound = NWCErrorCode(rawValue: "NOT_FOUND")
    /// Too many requests; nothing was done.
    public static let rateLimited = NWCErrorCode(rawValue: "RATE_LIMITED")
    /// The connection's spending budget is used up; nothing was paid.
    public static let quotaExceeded = NWCErrorCode(rawValue: "QUOTA_EXCEEDED")
    /// The client key is not connected to the wallet.
    public static let unauthorized = NWCErrorCode(rawValue: "UNAUTHORIZED")
    /// The connection may not call this method.
    public static let restricted = NWCErrorCode(rawValue: "RESTRICTED")
    /// The wallet does not implement the method.
    public static let notImplemented = NWCErrorCode(rawValue: "NOT_IMPLEMENTED")
    /// The wallet does not accept the request's encryption.
    public static let unsupportedEncryption = NWCErrorCode(rawValue: "UNSUPPORTED_ENCRYPTION")
    /// A failure inside the wallet. Alby Hub reports failed payments this way, so for `pay_invoice` it does not
    /// mean "not paid".
    public static let `internal` = NWCErrorCode(rawValue: "INTERNAL")
    /// Anything else.
    public static let other = NWCErrorCode(rawValue: "OTHER")

    /// The code.
    public var description: String { rawValue }
}
