import DropboltCore
import DropboltLightning
import DropboltTesting
import Foundation
import Testing

/// BOLT 11 rules checked one at a time on invoices signed by the tests.
@Suite("Invoice decoding")
struct InvoiceDecodingTests {
    typealias Field = InvoiceSigner.Field
    let signer = InvoiceSigner()

    func expectError(_ code: String, _ invoice: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        do {
            let decoded = try Invoice.decode(invoice)
            Issue.record("decoded, but expected \(code): \(decoded)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.shortDescription == code, "\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("a signed invoice decodes to every field it carries")
    func allFields() throws {
        let string = signer.invoice(
            hrp: "lntb2500u",
            fields: InvoiceSigner.basicFields + [
                .integer("x", 60), .integer("c", 40), .features([8, 14, 17]), .bytes("m", [0x01, 0xfa, 0xfa, 0xf0]),
                Field(type: "f", words: [17] + Bech32.words(fromBytes: [UInt8](repeating: 7, count: 20))),
                Field(type: "r", words: Bech32.words(fromBytes: [UInt8](repeating: 2, count: 51))),
            ]
        )
        let invoice = try Invoice.decode(string)
        #expect(invoice.string == string)
        #expect(invoice.network == .testnet)
        #expect(invoice.amount == Millisatoshi(250_000_000))
        #expect(invoice.timestampSeconds == InvoiceSigner.timestamp)
        #expect(invoice.paymentHash == InvoiceSigner.paymentHash)
        #expect(invoice.paymentSecret == InvoiceSigner.paymentSecret)
        #expect(invoice.description == "coffee")
        #expect(invoice.descriptionHash == nil)
        #expect(invoice.expirySeconds == 60)
        #expect(invoice.minFinalCLTVExpiry == 40)
        #expect(invoice.payeeHex == InvoiceSigner.specPayeeHex)
        #expect(invoice.metadata == [0x01, 0xfa, 0xfa, 0xf0])
        #expect(invoice.fallbackAddressFields.count == 1)
        #expect(invoice.routeHintFields.count == 1)
        #expect(invoice.features == [0x02, 0x41, 0x00])
        #expect(invoice.hasFeature(8) && invoice.hasFeature(14) && invoice.hasFeature(17))
        #expect(
            !invoice.hasFeature(9) && !invoice.hasFeature(16) && !invoice.hasFeature(400) && !invoice.hasFeature(-1))
    }

    @Test("defaults: expiry 3600 s, min_final_cltv_expiry 18, no features")
    func defaults() throws {
        let invoice = try Invoice.decode(signer.invoice())
        #expect(invoice.expirySeconds == 3600)
        #expect(invoice.minFinalCLTVExpiry == 18)
        #expect(invoice.features == nil)
        #expect(invoice.metadata == nil)
        #expect(!invoice.hasFeature(8))
    }

    @Test(
        "amounts with each multiplier become millisatoshis",
        arguments: [
            ("lnbc", nil), ("lnbc1", 100_000_000_000), ("lnbc21", 2_100_000_000_000), ("lnbc1m", 100_000_000),
            ("lnbc2500u", 250_000_000), ("lnbc1u", 100_000), ("lnbc1500n", 150_000), ("lnbc1n", 100),
            ("lnbc10p", 1), ("lnbc9678785340p", 967_878_534), ("lnbc0", 0), ("lnbc0p", 0),
            ("lnbc20000000", 2_000_000_000_000_000_000),
        ] as [(String, Int64?)]
    )
    func amountMultipliers(hrp: String, msat: Int64?) throws {
        let invoice = try Invoice.decode(signer.invoice(hrp: hrp))
        #expect(invoice.amount == msat.map(Millisatoshi.init))
    }

    @Test(
        "bad amounts are refused",
        arguments: [
            ("lnbc2500x", "unknownMultiplier"), ("lnbc2500mu", "invalidAmount"), ("lnbc25x0", "invalidAmount"),
            ("lnbcm", "unknownNetwork"), ("lnbc025u", "invalidAmount"), ("lnbc00", "invalidAmount"),
            ("lnbc11p", "subMillisatoshiAmount"), ("lnbc100000000", "invalidAmount"),
            ("lnbc99999999999999999999u", "invalidAmount"), ("lnbc92233720368547758071n", "invalidAmount"),
        ]
    )
    func badAmounts(hrp: String, code: String) {
        expectError(code, signer.invoice(hrp: hrp))
    }

    @Test(
        "the currency prefix selects the network",
        arguments: [("lnbc1m", Network.bitcoin), ("lntb1m", .testnet), ("lntbs1m", .signet), ("lnbcrt1m", .regtest)]
    )
    func networks(hrp: String, network: Network) throws {
        let invoice = try Invoice.decode(signer.invoice(hrp: hrp))
        #expect(invoice.network == network)
        #expect(invoice.amount == Millisatoshi(100_000_000))
    }

    @Test("unknown currency prefixes and non-ln strings are refused")
    func unknownPrefixes() {
        expectError("unknownNetwork", signer.invoice(hrp: "lnsb1m"))
        expectError("unknownNetwork", signer.invoice(hrp: "lnbcx1m"))
        expectError("unknownNetwork", signer.invoice(hrp: "ln1m"))
        expectError("invalidPrefix", signer.invoice(hrp: "bc"))
        expectError("malformed", "lnbc1m")
        expectError("malformed", "")
    }

    @Test("a lightning: prefix in any case and an upper-case invoice are accepted")
    func prefixAndCase() throws {
        let string = signer.invoice()
        let plain = try Invoice.decode(string)
        for variant in [
            "lightning:" + string, "LIGHTNING:" + string.uppercased(), string.uppercased(),
            "Lightning:" + string,
        ] {
            let invoice = try Invoice.decode(variant)
            #expect(invoice == plain)
            #expect(invoice.string == string)
        }
        expectError("mixedCase", "lightning:" + string.prefix(10).uppercased() + string.dropFirst(10))
        expectError("malformed", "lightning:")
        // "lightning://" is not the scheme BOLT 11 recommends; the slashes become part of the HRP.
        expectError("invalidChecksum", "lightning://" + string)
    }

    @Test("expiry arithmetic: expired from timestamp + expiry on, saturating for absurd expiries")
    func expiry() throws {
        let invoice = try Invoice.decode(signer.invoice(fields: InvoiceSigner.basicFields + [.integer("x", 60)]))
        let created = Date(timeIntervalSince1970: 1_496_314_658)
        #expect(invoice.timestamp == created)
        #expect(invoice.expiresAtSeconds == 1_496_314_718)
        #expect(invoice.expiresAt == created.addingTimeInterval(60))
        #expect(!invoice.isExpired(at: created))
        #expect(!invoice.isExpired(at: created.addingTimeInterval(59.9)))
        #expect(invoice.isExpired(at: created.addingTimeInterval(60)))
        #expect(invoice.isExpired(at: .now))

        let zero = try Invoice.decode(signer.invoice(fields: InvoiceSigner.basicFields + [.integer("x", 0)]))
        #expect(zero.expirySeconds == 0)
        #expect(zero.isExpired(at: created))

        let now = Int64(Date.now.timeIntervalSince1970)
        let fresh = try Invoice.decode(signer.invoice(timestamp: now))
        #expect(!fresh.isExpired(at: .now))
        #expect(fresh.isExpired(at: Date.now.addingTimeInterval(3600)))

        let huge = try Invoice.decode(signer.invoice(fields: InvoiceSigner.basicFields + [.integer("x", .max)]))
        #expect(huge.expirySeconds == .max)
        #expect(huge.expiresAtSeconds == .max)
        #expect(!huge.isExpired(at: .distantFuture))

        let tooBig = Field(type: "x", words: [1] + [UInt8](repeating: 0, count: 13))
        expectError("fieldOverflow", signer.invoice(fields: InvoiceSigner.basicFields + [tooBig]))
        let tooBigCLTV = Field(type: "c", words: [UInt8](repeating: 31, count: 13))
        expectError("fieldOverflow", signer.invoice(fields: InvoiceSigner.basicFields + [tooBigCLTV]))
    }

    @Test("payment hash, payment secret and one kind of description are required")
    func requiredFields() {
        let hash = Field.bytes("p", InvoiceSigner.paymentHash)
        let secret = Field.bytes("s", InvoiceSigner.paymentSecret)
        let description = Field.text("d", "coffee")
        let descriptionHash = Field.bytes("h", [UInt8](repeating: 0xab, count: 32))
        expectError("missingPaymentHash", signer.invoice(fields: [secret, description]))
        expectError("missingPaymentSecret", signer.invoice(fields: [hash, description]))
        expectError("missingDescription", signer.invoice(fields: [hash, secret]))
        expectError("conflictingDescription", signer.invoice(fields: [hash, secret, description, descriptionHash]))
        // A wrong-length p or s is skipped, so an invoice whose only one is wrong lacks the field.
        let shortHash = Field(type: "p", words: Array(hash.words.prefix(51)))
        expectError("missingPaymentHash", signer.invoice(fields: [shortHash, secret, description]))
        let longSecret = Field(type: "s", words: secret.words + [0])
        expectError("missingPaymentSecret", signer.invoice(fields: [hash, longSecret, description]))
    }

    @Test("h alone is a valid description; the first valid field of a kind wins")
    func fieldSelection() throws {
        let hashed = try Invoice.decode(
            signer.invoice(fields: [
                .bytes("p", InvoiceSigner.paymentHash), .bytes("s", InvoiceSigner.paymentSecret),
                .bytes("h", [UInt8](repeating: 0xab, count: 32)),
            ])
        )
        #expect(hashed.description == nil)
        #expect(hashed.descriptionHash == [UInt8](repeating: 0xab, count: 32))

        let otherHash = [UInt8](repeating: 0x42, count: 32)
        let invoice = try Invoice.decode(
            signer.invoice(fields: [
                Field(type: "p", words: Array(Field.bytes("p", otherHash).words.prefix(51))),
                .bytes("p", InvoiceSigner.paymentHash), .bytes("p", otherHash),
                .bytes("s", InvoiceSigner.paymentSecret), .text("d", "first"), .text("d", "second"),
                .integer("x", 10), .integer("x", 20),
            ])
        )
        #expect(invoice.paymentHash == InvoiceSigner.paymentHash)
        #expect(invoice.description == "first")
        #expect(invoice.expirySeconds == 10)
    }

    @Test("unknown fields are skipped; a description that is not UTF-8 is refused")
    func unknownFieldsAndUTF8() throws {
        let unknown = [Field(type: "2", words: [1, 2, 3]), Field(type: "q", words: []), Field(type: "l", words: [31])]
        let invoice = try Invoice.decode(signer.invoice(fields: unknown + InvoiceSigner.basicFields))
        #expect(invoice.description == "coffee")
        expectError(
            "invalidDescription",
            signer.invoice(fields: [
                .bytes("p", InvoiceSigner.paymentHash), .bytes("s", InvoiceSigner.paymentSecret),
                .bytes("d", [0x63, 0xff, 0xfe]),
            ])
        )
    }

    @Test("a field longer than the data that is left is refused")
    func truncatedField() {
        // Each case is valid Bech32, so only the field structure is wrong.
        let hrp = "lnbc"
        let timestamp = [UInt8](repeating: 0, count: 7)
        let signature = [UInt8](repeating: 0, count: 104)
        let claimsTooMuch = timestamp + [13, 0, 10, 1, 2] + signature
        expectError("truncatedField", Bech32.encode(humanReadablePart: hrp, words: claimsTooMuch))
        let halfHeader = timestamp + [13, 0] + signature
        expectError("truncatedField", Bech32.encode(humanReadablePart: hrp, words: halfHeader))
        expectError("tooShort", Bech32.encode(humanReadablePart: hrp, words: timestamp + signature.dropLast()))
    }

    @Test("unknown even feature bits are refused, unknown odd bits ignored")
    func features() throws {
        let known = try Invoice.decode(
            signer.invoice(fields: InvoiceSigner.basicFields + [.features([8, 14, 16, 24, 48, 99, 101])])
        )
        #expect(known.hasFeature(99) && known.hasFeature(101) && known.hasFeature(48))
        expectError(
            "unknownRequiredFeature",
            signer.invoice(fields: InvoiceSigner.basicFields + [.features([8, 14, 100])])
        )
        expectError("unknownRequiredFeature", signer.invoice(fields: InvoiceSigner.basicFields + [.features([0])]))
        // A `9` field with no bits set, and one with leading zero words, are tolerated.
        let empty = try Invoice.decode(
            signer.invoice(fields: InvoiceSigner.basicFields + [Field(type: "9", words: [])])
        )
        #expect(empty.features == [])
        let padded = try Invoice.decode(
            signer.invoice(fields: InvoiceSigner.basicFields + [Field(type: "9", words: [0, 0, 16, 8, 0])])
        )
        #expect(padded.hasFeature(14) && padded.hasFeature(8))
    }

    @Test("without n the payee is recovered; tampering then changes the payee, never silently keeps it")
    func recovery() throws {
        let other = InvoiceSigner(privateKey: [UInt8](repeating: 0x01, count: 31) + [0x07])
        let invoice = try Invoice.decode(other.invoice())
        #expect(invoice.payeeHex == other.publicKeyHex)
        #expect(invoice.payeeHex != InvoiceSigner.specPayeeHex)

        // Change the amount but keep the signature: it is re-checksummed, so only the signature can tell.
        let original = try Bech32.decode(signer.invoice(hrp: "lnbc2500u"))
        let tampered = Bech32.encode(humanReadablePart: "lnbc9500u", words: original.words)
        let decodedTampered = try? Invoice.decode(tampered)
        #expect(decodedTampered?.payeeHex != InvoiceSigner.specPayeeHex)

        let highS = try Invoice.decode(signer.invoice(tamper: .highS))
        #expect(highS.payeeHex == InvoiceSigner.specPayeeHex)

        for recoveryID: UInt8 in [4, 7, 255] {
            expectError("unrecoverableSignature", signer.invoice(tamper: .recoveryID(recoveryID)))
        }
    }

    @Test("with n the signature is verified against it, and must be low-S")
    func explicitPayee() throws {
        let payee = Field.bytes("n", TestHex.bytes(InvoiceSigner.specPayeeHex))
        let invoice = try Invoice.decode(signer.invoice(fields: InvoiceSigner.basicFields + [payee]))
        #expect(invoice.payeeHex == InvoiceSigner.specPayeeHex)
        // With n the recovery id is not used.
        let anyRecoveryID = try Invoice.decode(
            signer.invoice(fields: InvoiceSigner.basicFields + [payee], tamper: .recoveryID(9))
        )
        #expect(anyRecoveryID.payeeHex == InvoiceSigner.specPayeeHex)

        expectError(
            "highSSignature",
            signer.invoice(fields: InvoiceSigner.basicFields + [payee], tamper: .highS)
        )

        let other = InvoiceSigner(privateKey: [UInt8](repeating: 0x01, count: 31) + [0x07])
        let wrongPayee = Field.bytes("n", TestHex.bytes(other.publicKeyHex))
        expectError("signatureMismatch", signer.invoice(fields: InvoiceSigner.basicFields + [wrongPayee]))

        let notAKey = Field.bytes("n", [0x05] + [UInt8](repeating: 0x11, count: 32))
        expectError("invalidPayeeKey", signer.invoice(fields: InvoiceSigner.basicFields + [notAKey]))

        // Tampering with a signed invoice that names its payee is caught.
        let original = try Bech32.decode(signer.invoice(fields: InvoiceSigner.basicFields + [payee]))
        expectError("signatureMismatch", Bech32.encode(humanReadablePart: "lnbc9500u", words: original.words))
    }

    @Test("errors carry a label, a message and, for Bech32 failures, the cause")
    func errorShape() {
        do {
            _ = try Invoice.decode("lnbc1qqqqqqq")
            Issue.record("decoded garbage")
        } catch {
            #expect(error.shortDescription == "invalidChecksum")
            #expect(error.cause is Bech32Error)
            #expect(error.description.hasPrefix("invoice invalidChecksum: "))
        }
    }

    @Test func networkNamesWalletsReportMapToTheInvoicePrefixes() {
        let names: [(String, Network?)] = [
            ("mainnet", .bitcoin), ("Bitcoin", .bitcoin), ("testnet", .testnet), ("testnet4", .testnet),
            ("SIGNET", .signet), ("regtest", .regtest), ("liquid", nil), ("", nil),
        ]
        for (name, network) in names { #expect(Network(reportedName: name) == network, "\(name)") }
    }
}
