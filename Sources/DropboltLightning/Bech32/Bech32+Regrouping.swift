extension Bech32 {
    /// What to do with bits left over when regrouping does not end on a group boundary.
    public enum Padding: Sendable, Hashable {
        /// Append zero bits to complete the last group (encoding bytes as 5-bit words, or hashing invoice data).
        case zeroFill
        /// BIP-173 decoding: fewer leftover bits than one input group, and all of them zero; otherwise fail.
        case strict
        /// Drop the leftover bits whatever they are (lenient decoding of fields whose writers pad with zeros).
        case discard
    }

    /// Regroups a big-endian bit stream from `fromBits`-bit values to `toBits`-bit values.
    ///
    /// - Parameters:
    ///   - values: Input values, each below `2^fromBits`.
    ///   - fromBits: Bits per input value, 1…8.
    ///   - toBits: Bits per output value, 1…8.
    ///   - padding: How to treat a trailing partial group.
    /// - Returns: The regrouped values, or `nil` when an input value is out of range or, with ``Padding/strict``,
    ///   the padding is invalid.
    public static func regroup(
        _ values: some Sequence<UInt8>,
        fromBits: Int,
        toBits: Int,
        padding: Padding
    ) -> [UInt8]? {
        precondition((1...8).contains(fromBits) && (1...8).contains(toBits), "bit widths must be 1...8")
        var accumulator: UInt32 = 0
        var bitCount = 0
        let outputMask: UInt32 = (1 << UInt32(toBits)) - 1
        var output: [UInt8] = []
        output.reserveCapacity(values.underestimatedCount * fromBits / toBits + 1)
        for value in values {
            guard UInt32(value) >> UInt32(fromBits) == 0 else { return nil }
            accumulator = (accumulator << UInt32(fromBits)) | UInt32(value)
            bitCount += fromBits
            while bitCount >= toBits {
                bitCount -= toBits
                output.append(UInt8((accumulator >> UInt32(bitCount)) & outputMask))
            }
            // Keep only the bits not yet emitted so the accumulator never overflows.
            accumulator &= (1 << UInt32(bitCount)) - 1
        }
        switch padding {
        case .zeroFill:
            if bitCount > 0 {
                output.append(UInt8((accumulator << UInt32(toBits - bitCount)) & outputMask))
            }
        case .strict:
            guard bitCount < fromBits, accumulator == 0 else { return nil }
        case .discard:
            break
        }
        return output
    }

    /// Regroups bytes into 5-bit words, zero-filling the last word.
    public static func words(fromBytes bytes: some Sequence<UInt8>) -> [UInt8] {
        // Every byte is in range and zero-fill never fails.
        regroup(bytes, fromBits: 8, toBits: 5, padding: .zeroFill) ?? []
    }

    /// Regroups 5-bit words into bytes with BIP-173 strict padding; `nil` if a word is out of range or the
    /// padding is invalid.
    public static func bytes(fromWords words: some Sequence<UInt8>) -> [UInt8]? {
        regroup(words, fromBits: 5, toBits: 8, padding: .strict)
    }
}
