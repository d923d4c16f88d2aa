/// What sats4ai said when a call failed: the JSON error envelope, the `X-Error-Code` header and `Retry-After`.
///
/// The envelope is `{error, error_code, suggestion, example, retry_after_seconds}`, plus `refund` after a paid
/// call failed. Reading never fails: a body that is not a JSON object (a proxy's HTML page, plain text) is kept
/// as up to 500 bytes of ``text``, and fields of unexpected types are ignored.
///
/// ```swift
/// let problem = ProviderErrorBody(
///     body: bytes, errorCodeHeader: headers.first(name: "X-Error-Code"),
///     retryAfterHeader: headers.first(name: "Retry-After"))
/// if status == 429, let seconds = problem.retryAfterSeconds { /* hold the job for `seconds` */ }
/// ```
public struct ProviderErrorBody: Sendable, Hashable {
    /// The most text a non-JSON body keeps.
    public static let maximumTextBytes = 500

    /// The human-readable message (`error`, or `error.message`, or `message`).
    public var error: String?
    /// The machine-readable code, e.g. `RATE_LIMITED`, `L402_INVALID_PARAMS`: the body's `error_code`, else the
    /// `X-Error-Code` header.
    public var errorCode: String?
    /// What the provider suggests doing.
    public var suggestion: String?
    /// How long to wait before trying again, in whole seconds (rounded up): the body's `retry_after_seconds`, else
    /// a `Retry-After` header in seconds. An HTTP-date `Retry-After` is not read.
    public var retryAfterSeconds: Int?
    /// The refund offered after a paid call failed.
    public var refund: ProviderRefund?
    /// Every link found under a `refund…` key: `refund.lnurl_withdraw` first, then other links in the refund
    /// object or in top-level keys such as `refund_url`. Never lost, even if the refund's shape changes.
    public var refundLinks: [String]
    /// URLs and LNURLs mentioned in ``suggestion`` (documentation, or a refund link sent only in prose).
    public var suggestionLinks: [String]
    /// The start of a body that is not a JSON object, cut at a character boundary; nil for JSON bodies.
    public var text: String?

    /// Creates an error body from its fields.
    public init(
        error: String? = nil,
        errorCode: String? = nil,
        suggestion: String? = nil,
        retryAfterSeconds: Int? = nil,
        refund: ProviderRefund? = nil,
        refundLinks: [String] = [],
        suggestionLinks: [String] = [],
        text: String? = nil
    ) {
        self.error = error
        self.errorCode = errorCode
        self.suggestion = suggestion
        self.retryAfterSeconds = retryAfterSeconds
        self.refund = refund
        self.refundLinks = refundLinks
        self.suggestionLinks = suggestionLinks
        self.text = text
    }

    /// Reads an error response.
    ///
    /// - Parameters:
    ///   - body: the response body, any content.
    ///   - errorCodeHeader: the `X-Error-Code` header, if any.
    ///   - retryAfterHeader: the `Retry-After` header, if any.
    public init(body: [UInt8], errorCodeHeader: String? = nil, retryAfterHeader: String? = nil) {
        self.init()
        let headerCode = Self.nonEmpty(errorCodeHeader?.trimmingWhitespace())
        let headerRetry = retryAfterHeader.flatMap { Self.seconds(.string($0)) }

        guard let object = JSONValue.object(from: body) else {
            text = Self.prefixText(body)
            errorCode = headerCode
            retryAfterSeconds = headerRetry
            return
        }

        switch object["error"] {
        case .string(let message)?: error = Self.nonEmpty(message)
        case .object(let nested)?: error = Self.nonEmpty(nested["message"]?.stringValue)
        default: break
        }
        if error == nil { error = Self.nonEmpty(object["message"]?.stringValue) }
        errorCode = Self.nonEmpty(object["error_code"]?.textValue) ?? headerCode
        suggestion = Self.nonEmpty(object["suggestion"]?.stringValue)
        retryAfterSeconds = object["retry_after_seconds"].flatMap(Self.seconds) ?? headerRetry

        if case .object(let fields)? = object["refund"] {
            refund = ProviderRefund(
                chargeID: Self.nonEmpty(fields["charge_id"]?.textValue),
                amount: fields["refund_amount"]?.numberValue,
                lnurlWithdraw: Self.nonEmpty(fields["lnurl_withdraw"]?.stringValue),
                status: Self.nonEmpty(fields["status"]?.stringValue)
            )
        }
        var links: [String] = []
        if let lnurl = refund?.lnurlWithdraw { links.append(lnurl) }
        for key in object.keys.sorted() where key.lowercased().hasPrefix("refund") {
            Self.collectLinks(in: object[key] ?? .null, into: &links)
        }
        refundLinks = Self.unique(links)
        suggestionLinks = Self.unique(suggestion.map(Self.links(inProse:)) ?? [])
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    /// Whole seconds, rounded up; nil for negative, non-finite or non-numeric values.
    private static func seconds(_ value: JSONValue) -> Int? {
        guard let number = value.numberValue, number.isFinite, number >= 0, number < Double(Int32.max) else {
            return nil
        }
        return Int(number.rounded(.up))
    }

    private static func prefixText(_ body: [UInt8]) -> String? {
        guard !body.isEmpty else { return nil }
        var end = min(body.count, maximumTextBytes)
        // Back off to a character boundary: never end inside a UTF-8 sequence.
        if end < body.count {
            while end > 0, body[end] & 0xC0 == 0x80 { end -= 1 }
        }
        return String(decoding: body[..<end], as: UTF8.self)
    }

    private static func collectLinks(in value: JSONValue, into links: inout [String]) {
        switch value {
        case .string(let text):
            if isLink(text) { links.append(text) }
        case .array(let items):
            for item in items { collectLinks(in: item, into: &links) }
        case .object(let fields):
            for key in fields.keys.sorted() { collectLinks(in: fields[key] ?? .null, into: &links) }
        default:
            break
        }
    }

    private static func links(inProse prose: String) -> [String] {
        let trimmable: Set<Character> = [".", ",", ";", ":", "!", "?", ")", "]", "}", ">", "\"", "'", "(", "[", "<"]
        return prose.split(whereSeparator: { $0.isWhitespace }).compactMap { word in
            var candidate = Substring(word)
            while let first = candidate.first, trimmable.contains(first) { candidate = candidate.dropFirst() }
            while let last = candidate.last, trimmable.contains(last) { candidate = candidate.dropLast() }
            return isLink(candidate) ? String(candidate) : nil
        }
    }

    private static func isLink(_ text: some StringProtocol) -> Bool {
        let lowered = text.lowercased()
        return ["https://", "http://", "lnurl", "lightning:"].contains { lowered.hasPrefix($0) }
            && lowered.count > 8
    }

    private static func unique(_ items: [String]) -> [String] {
        var seen: Set<String> = []
        return items.filter { seen.insert($0).inserted }
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
