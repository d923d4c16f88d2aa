import Crypto
import DropboltCore

extension Invoice {
    /// Decodes and checks a BOLT 11 invoice.
    ///
    /// Accepts an optional `lightning:` prefix (any case) and an all-upper-case invoice, as in QR codes.
    /// Follows the reader rules of BOLT 11: unknown fields, and `p`, `h`, `s` or `n` fields of the wrong
    /// length, are skipped; the first valid field of each kind is used; unknown odd feature bits are ignored.
    /// Fails when the payment hash or payment secret is missing, when there is neither or both of `d` and `h`,
    /// on an unknown even feature bit, and when the signature does not check out (with `n`, a high-S signature
    /// is refused; without `n`, the payee is recovered from the signature).
    ///
    /// Deliberately lenient where the signature already pins the content: padding bits after a field's data
    /// are not checked, and `x`, `c` and `9` need not use the minimal length.
    ///
    /// - Parameter string: The invoice text.
    /// - Returns: The decoded invoice.
    /// - Throws: ``InvoiceError``; its ``InvoiceError/shortDescription`` says which check failed.
    public static func decode(_ string: String) throws(InvoiceError) -> Invoice {
        var text = Substring(string)
        let uriScheme = "lightning:"
        if text.utf8.count > uriScheme.utf8.count, text.prefix(uriScheme.count).lowercased() == uriScheme {
            text = text.dropFirst(uriScheme.count)
        }
        let bech32: Bech32.Decoded
        do {
            bech32 = try Bech32.decode(String(text))
        } catch {
            throw .bech32(error)
        }
        let (network, amount) = try parseHumanReadablePart(bech32.humanReadablePart)

        let words = bech32.words
        guard words.count >= timestampWords + signatureWords else {
            throw .tooShort(
                "the data part has \(words.count) words; a timestamp and signature alone need "
                    + "\(timestampWords + signatureWords)"
            )
        }
        let signatureStart = words.count - signatureWords
        let timestamp = words[0..<timestampWords].reduce(Int64(0)) { $0 << 5 | Int64($1) }
        let fields = try TaggedFields.parse(words[timestampWords..<signatureStart])

        guard let paymentHash = fields.paymentHash else {
            throw .missingPaymentHash("there is no 'p' field of 52 words")
        }
        guard let paymentSecret = fields.paymentSecret else {
            throw .missingPaymentSecret("there is no 's' field of 52 words; BOLT 11 requires a payment secret")
        }
        switch (fields.description, fields.descriptionHash) {
        case (nil, nil):
            throw .missingDescription("there is neither a 'd' nor an 'h' field")
        case (.some, .some):
            throw .conflictingDescription("there are both a 'd' and an 'h' field")
        default:
            break
        }
        if let features = fields.featureWords {
            try checkFeatures(features)
        }

        var signedBytes = Array(bech32.humanReadablePart.utf8)
        // Zero-fill can only fail for out-of-range words, and Bech32 words are always 5-bit.
        signedBytes += Bech32.regroup(words[0..<signatureStart], fromBits: 5, toBits: 8, padding: .zeroFill) ?? []
        let messageHash = Array(SHA256.hash(data: signedBytes))
        // 104 words are exactly 520 bits, so there is never padding to reject.
        let signature = Bech32.regroup(words[signatureStart...], fromBits: 5, toBits: 8, padding: .strict) ?? []
        let payee = try checkSignature(signature, messageHash: messageHash, claimedPayee: fields.payee)

        return Invoice(
            string: text.lowercased(),
            network: network,
            amount: amount,
            timestampSeconds: timestamp,
            paymentHash: paymentHash,
            paymentSecret: paymentSecret,
            description: fields.description,
            descriptionHash: fields.descriptionHash,
            expirySeconds: fields.expirySeconds ?? defaultExpirySeconds,
            minFinalCLTVExpiry: fields.minFinalCLTVExpiry ?? defaultMinFinalCLTVExpiry,
            payee: payee,
            features: fields.featureWords.map(featureBytes(fromWords:)),
            metadata: fields.metadata,
            fallbackAddressFields: fields.fallbackAddresses,
            routeHintFields: fields.routeHints
        )
    }

    static let timestampWords = 7
    static let signatureWords = 104
    static let defaultExpirySeconds: Int64 = 3600
    static let defaultMinFinalCLTVExpiry: Int64 = 18

    /// Splits `ln` + currency + optional amount and multiplier.
    static func parseHumanReadablePart(_ hrp: String) throws(InvoiceError) -> (Network, Millisatoshi?) {
        let bytes = Array(hrp.utf8)
        guard bytes.starts(with: "ln".utf8) else {
            throw .invalidPrefix("the human-readable part '\(hrp)' does not start with 'ln'")
        }
        // The currency is the letters up to the amount's first digit; the amount cannot start with a letter.
        let rest = bytes.dropFirst(2)
        let currency = rest.prefix { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }
        let currencyText = String(decoding: currency, as: UTF8.self)
        guard let network = Network(rawValue: currencyText) else {
            throw .unknownNetwork("'ln\(currencyText)' is not a known network prefix (lnbc, lntb, lntbs, lnbcrt)")
        }
        let amountText = rest.dropFirst(currency.count)
        guard !amountText.isEmpty else {
            return (network, nil)
        }
        return (network, try parseAmount(Array(amountText)))
    }

    /// Converts a BOLT 11 amount (a count of BTC with an optional `m`/`u`/`n`/`p` multiplier) to millisatoshis.
    static func parseAmount(_ text: [UInt8]) throws(InvoiceError) -> Millisatoshi {
        let display = String(decoding: text, as: UTF8.self)
        var digits = text[...]
        var multiplier: UInt8?
        if let last = digits.last, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(last) {
            multiplier = last
            digits = digits.dropLast()
        }
        guard !digits.isEmpty else {
            throw .invalidAmount("amount '\(display)' has no digits")
        }
        guard digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            throw .invalidAmount("amount '\(display)' is not digits followed by an optional multiplier")
        }
        // BOLT 11 writers MUST NOT use leading zeros; refusing them keeps one spelling per amount.
        guard digits.count == 1 || digits.first != UInt8(ascii: "0") else {
            throw .invalidAmount("amount '\(display)' has a leading zero")
        }
        var value: Int64 = 0
        for digit in digits {
            let (shifted, overflowMultiply) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowAdd) = shifted.addingReportingOverflow(Int64(digit - UInt8(ascii: "0")))
            guard !overflowMultiply, !overflowAdd else {
                throw .invalidAmount("amount '\(display)' is too large")
            }
            value = sum
        }
        // 1 BTC = 10^11 msat, so each multiplier becomes a whole-number factor except pico (÷10).
        let factor: Int64
        switch multiplier {
        case nil: factor = 100_000_000_000
        case UInt8(ascii: "m"): factor = 100_000_000
        case UInt8(ascii: "u"): factor = 100_000
        case UInt8(ascii: "n"): factor = 100
        case UInt8(ascii: "p"):
            guard value % 10 == 0 else {
                throw .subMillisatoshiAmount("amount '\(display)' is not a whole number of millisatoshis")
            }
            return Millisatoshi(value / 10)
        case let other?:
            throw .unknownMultiplier(
                "'\(Character(Unicode.Scalar(other)))' in amount '\(display)' is not a multiplier (m, u, n, p)"
            )
        }
        let (msat, overflow) = value.multipliedReportingOverflow(by: factor)
        guard !overflow else {
            throw .invalidAmount("amount '\(display)' is too large")
        }
        return Millisatoshi(msat)
    }
}
