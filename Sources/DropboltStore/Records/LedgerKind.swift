import GRDB

/// What a ledger row records; the kind gives the direction, the amount is never negative.
public enum LedgerKind: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// Money set aside when a job enters `paying` (amount plus maximum fee); counts against budgets.
    case reserve
    /// A reservation given back, in full or the unused part.
    case release
    /// The invoice amount actually paid.
    case spend
    /// The routing fee actually paid.
    case fee
}
