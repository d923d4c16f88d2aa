/// Reads L402 challenges out of `WWW-Authenticate` response headers.
///
/// Pass every `WWW-Authenticate` value of the response: Aperture sends two headers (`LSAT …` then `L402 …`),
/// sats4ai may add an MPP `Payment` challenge, and Foundation on Linux joins repeated headers into one value
/// separated by commas. Each value is parsed as an RFC 7235 challenge list, so any of these work:
///
/// ```swift
/// let challenges = try ChallengeParser.parse(headerValues: [
///     #"Basic realm="x", LSAT macaroon="AgEE…", invoice="lnbc…""#,
///     #"L402 version="0", token=AgEE…, macaroon=AgEE…, invoice=lnbc…"#,
/// ])
/// let chosen = ChallengeParser.preferred(challenges)  // the L402 one
/// ```
///
/// What is accepted:
/// - the schemes `L402` and `LSAT` in any case; all other schemes (`Basic`, `Bearer` with a token68, `Payment`)
///   are skipped;
/// - the token as `token=` (current spec) or `macaroon=` (Aperture, older spec), before or after `invoice=`;
///   when both are present they must be equal;
/// - quoted values with backslash escapes, or unquoted values; whitespace around `=` and `,`;
/// - unknown parameters (`version`, `realm`, …), which are kept in ``L402Challenge/parameters`` and otherwise
///   ignored, as the spec requires.
public enum ChallengeParser {
    /// Every usable L402/LSAT challenge in the given header values.
    ///
    /// Order: challenges with the scheme `L402` first, then those with `LSAT`; within each group, the order of the
    /// headers and of the challenges inside each header. So `first` is the one to answer.
    ///
    /// A header value that is not a valid challenge list is skipped as a whole when another value supplies a
    /// usable challenge (a broken extra header must not hide a good one); likewise an L402 challenge that fails
    /// validation is dropped when another one passes.
    ///
    /// - Parameter headerValues: every `WWW-Authenticate` value of the response, in the order received.
    /// - Returns: at least one challenge.
    /// - Throws: ``L402Error`` when nothing usable is found: `noChallenge` if there is no L402/LSAT challenge at
    ///   all; otherwise the first problem met: `malformedHeader`, `missingToken`, `missingInvoice`, `badToken` or
    ///   `badInvoice`. A `malformedHeader` takes precedence, since a broken value may have hidden a challenge.
    public static func parse(headerValues: [String]) throws(L402Error) -> [L402Challenge] {
        var preferred: [L402Challenge] = []
        var legacy: [L402Challenge] = []
        var syntaxError: L402Error?
        var validationError: L402Error?
        var sawOtherScheme = false

        for (position, value) in headerValues.enumerated() {
            let raw: [RawChallenge]
            do throws(L402Error) {
                raw = try ChallengeScanner.scan(value)
            } catch {
                if syntaxError == nil {
                    syntaxError = .malformedHeader("WWW-Authenticate value \(position + 1): \(error.message)")
                }
                continue
            }
            for challenge in raw {
                let scheme = challenge.scheme.lowercased()
                guard scheme == "l402" || scheme == "lsat" else {
                    sawOtherScheme = true
                    continue
                }
                do throws(L402Error) {
                    let validated = try validate(challenge)
                    if scheme == "l402" {
                        preferred.append(validated)
                    } else {
                        legacy.append(validated)
                    }
                } catch {
                    if validationError == nil { validationError = error }
                }
            }
        }

        let all = preferred + legacy
        guard all.isEmpty else { return all }
        if let syntaxError { throw syntaxError }
        if let validationError { throw validationError }
        if sawOtherScheme {
            throw .noChallenge("the response offers authentication schemes, but neither L402 nor LSAT")
        }
        throw .noChallenge("the response has no WWW-Authenticate challenge")
    }

    /// The challenge to answer: the first of a list returned by ``parse(headerValues:)``, which puts `L402`
    /// before `LSAT`. For lists built otherwise, the first `L402` challenge, else the first one.
    public static func preferred(_ challenges: [L402Challenge]) -> L402Challenge? {
        challenges.first { !$0.isLegacyScheme } ?? challenges.first
    }

    private static func validate(_ raw: RawChallenge) throws(L402Error) -> L402Challenge {
        guard raw.token68 == nil else {
            throw .missingToken("the \(raw.scheme) challenge has a bare token68 value instead of token= and invoice=")
        }
        var parameters: [String: String] = [:]
        for (name, value) in raw.parameters {
            if let earlier = parameters[name], earlier != value {
                throw .malformedHeader("the \(raw.scheme) challenge gives the parameter '\(name)' twice")
            }
            parameters[name] = value
        }

        let token: String
        switch (parameters["token"], parameters["macaroon"]) {
        case (nil, nil):
            throw .missingToken("the \(raw.scheme) challenge has neither token= nor macaroon=")
        case (let value?, nil), (nil, let value?):
            token = value
        case (let new?, let old?):
            // sats4ai sends both names; if they differ we cannot know which one the server will check.
            guard new == old else {
                throw .badToken("the \(raw.scheme) challenge has different token= and macaroon= values")
            }
            token = new
        }
        guard !token.isEmpty else {
            throw .badToken("the \(raw.scheme) challenge has an empty token")
        }
        guard Base64Token.decode(token) != nil else {
            throw .badToken("the \(raw.scheme) challenge's token is not base64")
        }

        guard let invoice = parameters["invoice"] else {
            throw .missingInvoice("the \(raw.scheme) challenge has no invoice=")
        }
        try checkInvoice(invoice, scheme: raw.scheme)
        return L402Challenge(scheme: raw.scheme, token: token, invoice: invoice, parameters: parameters)
    }

    /// A shape check only: BOLT 11 decoding (checksum, amount, expiry) happens before paying, elsewhere.
    private static func checkInvoice(_ invoice: String, scheme: String) throws(L402Error) {
        guard !invoice.isEmpty else {
            throw .badInvoice("the \(scheme) challenge has an empty invoice")
        }
        guard invoice.lowercased().hasPrefix("ln") else {
            throw .badInvoice("the \(scheme) challenge's invoice does not start with 'ln'")
        }
        let isAlphanumeric = invoice.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return false
            }
        }
        guard isAlphanumeric else {
            throw .badInvoice("the \(scheme) challenge's invoice contains characters that BOLT 11 does not use")
        }
    }
}
