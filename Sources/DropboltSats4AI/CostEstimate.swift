/// Reads the price out of a `GET /api/estimate-cost` answer.
///
/// sats4ai documents the endpoint ("exact sat quote before you pay … no auth, no invoice") but not its field names
/// (reference/l402.md: unverified), so this accepts a whole number of sats under one of the names such APIs use,
/// at the top level or inside `estimate`, and nothing else: an answer it cannot read is no estimate (the caller then
/// asks for a first invoice instead), never a guess.
public enum CostEstimate {
    /// Field names taken as "price in sats", in order of preference.
    public static let satsFields = ["sats", "price_sats", "cost_sats", "estimated_sats", "estimate_sats", "amount_sats", "total_sats"]

    /// The price in sats, or nil when the body carries none under a known name (or a negative or fractional one).
    public static func sats(fromBody body: [UInt8]) -> Int64? {
        guard let object = JSONValue.object(from: body) else { return nil }
        if let found = sats(in: object) { return found }
        if case .object(let nested)? = object["estimate"] { return sats(in: nested) }
        return nil
    }

    private static func sats(in object: [String: JSONValue]) -> Int64? {
        for name in satsFields {
            if case .number(let value)? = object[name], value >= 0, value == value.rounded(), value < 2.1e15 {
                return Int64(value)
            }
        }
        return nil
    }
}
