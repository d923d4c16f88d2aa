extension BinaryInteger {
    /// The number in decimal, with leading zeros up to `width` digits (`7.zeroPadded(3)` is `007`).
    ///
    /// For the date texts written by hand (store timestamps, `{date}`), which avoid Foundation's formatters.
    public func zeroPadded(_ width: Int) -> String {
        let digits = String(self)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
