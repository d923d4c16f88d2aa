/// The wallet backend that pays invoices.
public enum WalletKind: String, Sendable, Codable, CaseIterable {
    /// LNbits REST API (`url` and an invoice/admin key).
    case lnbits
    /// LND REST API (`url` and a macaroon).
    case lnd
    /// Core Lightning's clnrest (`url` and a rune).
    case cln
    /// phoenixd HTTP API (`url` and a password).
    case phoenixd
    /// Nostr Wallet Connect (a `nostr+walletconnect://` URI read from `connection_file`).
    case nwc
    /// A user program that reads the invoice on stdin and prints JSON with the preimage.
    case command
}
