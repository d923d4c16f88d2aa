/// One validated `L402` (or legacy `LSAT`) challenge from a `402 Payment Required` response.
///
/// Made by ``ChallengeParser/parse(headerValues:)``, which guarantees that ``token`` is base64 (standard or
/// URL-safe, padded or not) and that ``invoice`` starts with `ln`. The invoice itself is decoded elsewhere.
///
/// ```swift
/// // WWW-Authenticate: L402 version="0", token="AgEEbHNhdA…", invoice="lnbc2500u1…"
/// let challenge = try ChallengeParser.preferred(ChallengeParser.parse(headerValues: values))
/// ```
public struct L402Challenge: Sendable, Hashable {
    /// The scheme exactly as the server spelled it: `L402` or `LSAT`, in any case (`l402`, `Lsat`).
    public var scheme: String
    /// The macaroon or other token, base64 exactly as sent (from `token=`, or `macaroon=` on older servers).
    public var token: String
    /// The BOLT 11 payment request to pay, exactly as sent.
    public var invoice: String
    /// Every parameter of the challenge, names lowercased, values unquoted; includes `token`/`macaroon`,
    /// `invoice` and any others (`version`, `realm`, …), which dropbolt ignores.
    public var parameters: [String: String]

    /// Creates a challenge from its parts without validating them; use ``ChallengeParser`` for server input.
    public init(scheme: String, token: String, invoice: String, parameters: [String: String]) {
        self.scheme = scheme
        self.token = token
        self.invoice = invoice
        self.parameters = parameters
    }

    /// True for the legacy `LSAT` scheme name (servers from before the 2023 rename, and Aperture's first header).
    public var isLegacyScheme: Bool { scheme.lowercased() == "lsat" }

    /// The token's bytes (a serialized macaroon for Aperture and sats4ai), or nil if ``token`` is not base64.
    ///
    /// Callers can read the macaroon identifier from these to cross-check the invoice's payment hash; that check
    /// can only be best-effort, since servers other than Aperture use other identifier layouts.
    public var decodedToken: [UInt8]? { Base64Token.decode(token) }
}
