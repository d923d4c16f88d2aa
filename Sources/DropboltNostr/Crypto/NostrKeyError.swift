/// Why bytes are not a usable secp256k1 key or signature input; never carries the key itself.
public struct NostrKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, in words.
    public let message: String

    /// Creates an error with a message that must not contain key material.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
