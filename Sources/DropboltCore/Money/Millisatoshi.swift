/// An amount of bitcoin in millisatoshis (1 sat = 1000 msat), the unit Lightning invoices and wallets count in.
///
/// Amounts are whole `Int64` millisatoshis, never floating point. Arithmetic comes in two forms:
/// - ``adding(_:)`` and ``subtracting(_:)`` return `nil` on overflow. The engine uses these for everything
///   that touches budgets, ledgers and invoice amounts, and turns `nil` into a refusal.
/// - `+` and `-` trap on overflow, like `Int64` itself. They are for tests and for sums that are bounded by
///   construction; money code that handles outside input must not use them.
///
/// ``description`` is exact: `"1500 msat"`.
///
/// ```swift
/// let price = Millisatoshi.sats(150)          // 150000 msat
/// let fee = Millisatoshi(1_250)
/// guard let total = price.adding(fee) else { throw … }
/// total.sats                                  // 151 (rounded down)
/// total.satsRoundedUp                         // 152
/// ```
public struct Millisatoshi: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The amount in millisatoshis.
    public var rawValue: Int64

    /// Creates an amount of `rawValue` millisatoshis.
    public init(_ rawValue: Int64) {
        self.rawValue = rawValue
    }

    /// Creates an amount of whole satoshis, or returns `nil` when `sats × 1000` does not fit in `Int64`.
    public init?(exactlySats sats: Int64) {
        let (product, overflow) = sats.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return nil }
        self.rawValue = product
    }

    /// All the bitcoin there will ever be, in satoshis (21 million BTC): no limit or amount can sensibly be larger,
    /// and ×1000 it still fits `Int64` millisatoshis with room for sums of a few.
    public static let allBitcoinSats: Int64 = 2_100_000_000_000_000

    /// Zero millisatoshis.
    public static let zero = Millisatoshi(0)

    /// An amount of whole satoshis.
    ///
    /// Traps when `sats × 1000` overflows `Int64` (over 9.2 × 10¹⁵ sat, four times all bitcoin that will exist);
    /// use ``init(exactlySats:)`` for values that come from outside.
    public static func sats(_ sats: Int64) -> Millisatoshi {
        guard let amount = Millisatoshi(exactlySats: sats) else {
            preconditionFailure("Millisatoshi.sats(\(sats)) overflows Int64 millisatoshis")
        }
        return amount
    }

    /// Whole satoshis, rounded down (towards negative infinity): 1999 msat is 1 sat, -1 msat is -1 sat.
    public var sats: Int64 {
        let (quotient, remainder) = rawValue.quotientAndRemainder(dividingBy: 1000)
        return remainder < 0 ? quotient - 1 : quotient
    }

    /// Whole satoshis, rounded up (towards positive infinity): 1001 msat is 2 sat. Used for limits a payment
    /// must fit under, so a fraction of a satoshi is never lost in the payer's favour.
    public var satsRoundedUp: Int64 {
        let (quotient, remainder) = rawValue.quotientAndRemainder(dividingBy: 1000)
        return remainder > 0 ? quotient + 1 : quotient
    }

    /// The sum, or `nil` when it overflows `Int64`.
    public func adding(_ other: Millisatoshi) -> Millisatoshi? {
        let (sum, overflow) = rawValue.addingReportingOverflow(other.rawValue)
        return overflow ? nil : Millisatoshi(sum)
    }

    /// The difference, or `nil` when it overflows `Int64`.
    public func subtracting(_ other: Millisatoshi) -> Millisatoshi? {
        let (difference, overflow) = rawValue.subtractingReportingOverflow(other.rawValue)
        return overflow ? nil : Millisatoshi(difference)
    }

    /// The sum; traps on overflow. Money code handling outside input uses ``adding(_:)`` instead.
    public static func + (lhs: Millisatoshi, rhs: Millisatoshi) -> Millisatoshi {
        guard let sum = lhs.adding(rhs) else {
            preconditionFailure("Millisatoshi overflow: \(lhs) + \(rhs)")
        }
        return sum
    }

    /// The difference; traps on overflow. Money code handling outside input uses ``subtracting(_:)`` instead.
    public static func - (lhs: Millisatoshi, rhs: Millisatoshi) -> Millisatoshi {
        guard let difference = lhs.subtracting(rhs) else {
            preconditionFailure("Millisatoshi overflow: \(lhs) - \(rhs)")
        }
        return difference
    }

    /// Orders amounts by value.
    public static func < (lhs: Millisatoshi, rhs: Millisatoshi) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    /// The exact amount with its unit, e.g. `"1500 msat"`.
    public var description: String {
        "\(rawValue) msat"
    }

    /// Decodes a bare integer number of millisatoshis, the form used in JSON and the database.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self.rawValue = try container.decode(Int64.self)
    }

    /// Encodes a bare integer number of millisatoshis.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
