/// A small seeded random source for fault injection (SplitMix64), so that a chaos run can be repeated with the same
/// seed. Not for anything secret. Keep it behind the owner's lock: it is a value type with mutable state.
///
/// ```swift
/// var dice = FaultDice(seed: 42)
/// if dice.roll(0.1) { /* inject the fault */ }
/// ```
public struct FaultDice: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `probability` (0 never, 1 always).
    public mutating func roll(_ probability: Double) -> Bool {
        guard probability > 0 else { return false }
        guard probability < 1 else { return true }
        return Double(next() >> 11) / Double(1 << 53) < probability
    }
}
