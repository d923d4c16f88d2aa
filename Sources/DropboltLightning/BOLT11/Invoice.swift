import DropboltCore
import Foundation

/// A decoded, signature-checked BOLT 11 Lightning invoice.
///
/// Create one with ``decode(_:)``; a value that exists has passed every check the payer side of BOLT 11
/// requires: checksum, known network, valid amount, a payment hash, a payment secret, exactly one kind of
/// description, no unknown compulsory feature, and a signature by ``payee``. Whether to *pay* it (amount
/// present and non-zero, under the limits, not expired, right network for the wallet) is the engine's call.
///
/// ```swift
/// let invoice = try Invoice.decode("lightning:LNBC2500U1PVJLUEZ…")
/// invoice.amount          // Optional(250000000 msat)
/// invoice.paymentHashHex  // "0001020304…"
/// invoice.isExpired(at: .now)
/// ```
public struct Invoice: Sendable, Hashable {
    /// The invoice as decoded: lower case, without a `lightning:` prefix.
    public var string: String
    /// The network from the currency prefix.
    public var network: Network
    /// The amount requested, or `nil` when the invoice leaves it to the payer (dropbolt refuses those).
    public var amount: Millisatoshi?
    /// When the invoice was created, in seconds since 1970 (35 bits in the encoding).
    public var timestampSeconds: Int64
    /// The SHA-256 of the payment preimage (`p`), 32 bytes.
    public var paymentHash: [UInt8]
    /// The payment secret (`s`), 32 bytes. BOLT 11 requires it, so a decoded invoice always has one; it stays
    /// optional to match the field's place in the format.
    public var paymentSecret: [UInt8]?
    /// The description (`d`), or `nil` when the invoice commits to a hash of it instead.
    public var description: String?
    /// The SHA-256 of a description held elsewhere (`h`), 32 bytes, or `nil` when ``description`` is set.
    public var descriptionHash: [UInt8]?
    /// Seconds after ``timestamp`` until the invoice expires (`x`); 3600 when absent.
    public var expirySeconds: Int64
    /// The `min_final_cltv_expiry_delta` for the last hop (`c`); 18 when absent.
    public var minFinalCLTVExpiry: Int64
    /// The payee's node ID, a 33-byte compressed secp256k1 public key: the `n` field when present (the
    /// signature is verified against it), otherwise recovered from the signature.
    public var payee: [UInt8]
    /// The feature bits (`9`), or `nil` when the field is absent.
    ///
    /// Big-endian bytes in BOLT 9 order: bit 0 is the least significant bit of the last byte. Use
    /// ``hasFeature(_:)`` rather than reading the bytes.
    public var features: [UInt8]?
    /// The payment metadata (`m`) to pass back to the payee, or `nil` when absent.
    public var metadata: [UInt8]?
    /// Each `f` (on-chain fallback address) field as raw 5-bit words, in the invoice's order. Not parsed:
    /// dropbolt only pays over Lightning.
    public var fallbackAddressFields: [[UInt8]]
    /// Each `r` (private route hint) field as raw 5-bit words, in the invoice's order. Not parsed: routing is
    /// the wallet's job, and wallets receive the whole invoice.
    public var routeHintFields: [[UInt8]]

    /// When the invoice was created.
    public var timestamp: Date {
        Date(timeIntervalSince1970: TimeInterval(timestampSeconds))
    }

    /// ``timestampSeconds`` plus ``expirySeconds``, saturating at `Int64.max` for absurd expiries.
    public var expiresAtSeconds: Int64 {
        let (sum, overflow) = timestampSeconds.addingReportingOverflow(expirySeconds)
        return overflow ? Int64.max : sum
    }

    /// When the invoice expires.
    public var expiresAt: Date {
        Date(timeIntervalSince1970: TimeInterval(expiresAtSeconds))
    }

    /// Whether the invoice has expired at `date`.
    ///
    /// The expiry instant itself counts as expired: the payee may already refuse it, and a payer gains nothing
    /// by racing it.
    public func isExpired(at date: Date) -> Bool {
        date >= expiresAt
    }

    /// ``paymentHash`` as 64 lower-case hex digits, the form wallets' APIs and logs use.
    public var paymentHashHex: String {
        Hex.string(paymentHash)
    }

    /// ``payee`` as 66 lower-case hex digits.
    public var payeeHex: String {
        Hex.string(payee)
    }
}
