import Crypto
import DropboltCore

/// A payment that succeeded: the preimage is the proof.
public struct Payment: Sendable, Hashable {
    /// The invoice's payment hash (32 bytes).
    public var paymentHash: [UInt8]
    /// The preimage the payee revealed (32 bytes); SHA-256 of it must be ``paymentHash``.
    public var preimage: [UInt8]
    /// The amount paid to the payee, without fees.
    public var amount: Millisatoshi
    /// Routing fees paid.
    public var fee: Millisatoshi

    /// Creates a payment record.
    public init(paymentHash: [UInt8], preimage: [UInt8], amount: Millisatoshi, fee: Millisatoshi) {
        self.paymentHash = paymentHash
        self.preimage = preimage
        self.amount = amount
        self.fee = fee
    }

    /// True when SHA-256 of the preimage is the payment hash (DESIGN §5 rule 4).
    public var preimageMatchesHash: Bool {
        preimage.count == 32 && Array(SHA256.hash(data: preimage)) == paymentHash
    }
}

/// What a wallet knows about one payment hash.
public enum PaymentStatus: Sendable, Hashable {
    /// Paid; the payment carries the preimage.
    case succeeded(Payment)
    /// Failed for good: no money moved and none will.
    case failed(reason: String)
    /// Still in flight: look again later.
    case pending
    /// The wallet has no record of this hash: the payment was never started there.
    case notFound
}
