import DropboltCore
import DropboltLightning
import DropboltTesting
import Foundation
import Testing

/// The BOLT 11 examples from `shared/vectors/bolt11.json`, used as they are.
@Suite("BOLT 11 spec vectors")
struct BOLT11VectorTests {
    struct VectorFile: Decodable {
        var vectors: [Vector]
    }

    struct Vector: Decodable {
        var title: String
        var valid: Bool
        var invoice: String
        var expected: [String: JSONScalar]?
    }

    enum JSONScalar: Decodable, Equatable {
        case null
        case integer(Int64)
        case string(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let integer = try? container.decode(Int64.self) {
                self = .integer(integer)
            } else {
                self = .string(try container.decode(String.self))
            }
        }
    }

    /// The vectors file: `<repo>/../shared/vectors/bolt11.json`, the repo root being three levels above this file.
    static func loadVectors() throws -> [Vector] {
        let repoRoot = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let url = repoRoot.appendingPathComponent("../shared/vectors/bolt11.json").standardizedFileURL
        guard FileManager.default.fileExists(atPath: url.path) else {
            Issue.record("BOLT 11 vectors are missing: expected them at \(url.path)")
            throw CocoaError(.fileNoSuchFile)
        }
        return try JSONDecoder().decode(VectorFile.self, from: Data(contentsOf: url)).vectors
    }

    /// The error label each invalid example must produce, keyed by its title's start.
    static let expectedErrors: [(titlePrefix: String, shortDescription: String)] = [
        ("Same, but adding invalid unknown feature 100", "unknownRequiredFeature"),
        ("Bech32 checksum is invalid", "invalidChecksum"),
        ("Malformed bech32 string (mixed case)", "mixedCase"),
        ("Signature is not recoverable", "unrecoverableSignature"),
        ("String is too short", "tooShort"),
        ("Invalid multiplier", "unknownMultiplier"),
        ("Invalid sub-millisatoshi precision", "subMillisatoshiAmount"),
        ("Missing required `s` field", "missingPaymentSecret"),
        ("Non canonical signature (high-S) with 'n' field defined", "highSSignature"),
    ]

    @Test("the file holds the spec's 15 valid and 9 invalid examples")
    func vectorCounts() throws {
        let vectors = try Self.loadVectors()
        #expect(vectors.filter(\.valid).count == 15)
        #expect(vectors.filter { !$0.valid }.count == 9)
    }

    @Test("every valid example decodes to its expected fields")
    func validVectors() throws {
        let vectors = try Self.loadVectors().filter(\.valid)
        try #require(!vectors.isEmpty)
        for vector in vectors {
            let invoice: Invoice
            do {
                invoice = try Invoice.decode(vector.invoice)
            } catch {
                Issue.record("\(vector.title): \(error)")
                continue
            }
            let expected = try #require(vector.expected, "\(vector.title) has no expected fields")
            #expect(!expected.isEmpty)
            #expect(invoice.string == vector.invoice.lowercased())
            for (key, value) in expected {
                switch key {
                case "amount_msat":
                    let actual: JSONScalar = invoice.amount.map { .integer($0.rawValue) } ?? .null
                    #expect(actual == value, "\(vector.title): amount")
                case "payment_hash":
                    #expect(JSONScalar.string(invoice.paymentHashHex) == value, "\(vector.title): payment hash")
                case "timestamp":
                    #expect(JSONScalar.integer(invoice.timestampSeconds) == value, "\(vector.title): timestamp")
                    if case .integer(let seconds) = value {
                        #expect(invoice.timestamp == Date(timeIntervalSince1970: TimeInterval(seconds)))
                    }
                case "expiry":
                    #expect(JSONScalar.integer(invoice.expirySeconds) == value, "\(vector.title): expiry")
                case "description":
                    let actual: JSONScalar = invoice.description.map { .string($0) } ?? .null
                    #expect(actual == value, "\(vector.title): description")
                case "description_hash":
                    let actual: JSONScalar = invoice.descriptionHash.map { .string(TestHex.string($0)) } ?? .null
                    #expect(actual == value, "\(vector.title): description hash")
                case "payee":
                    #expect(JSONScalar.string(invoice.payeeHex) == value, "\(vector.title): payee")
                default:
                    Issue.record("\(vector.title): the test does not know the expected field '\(key)'")
                }
            }
        }
    }

    @Test("every invalid example is rejected with its specific reason")
    func invalidVectors() throws {
        let vectors = try Self.loadVectors().filter { !$0.valid }
        try #require(!vectors.isEmpty)
        for vector in vectors {
            let expectedCode = Self.expectedErrors.first { vector.title.hasPrefix($0.titlePrefix) }?.shortDescription
            #expect(expectedCode != nil, "no expected error code for invalid vector '\(vector.title)'")
            do {
                let invoice = try Invoice.decode(vector.invoice)
                Issue.record("\(vector.title): decoded, but must be rejected (payee \(invoice.payeeHex))")
            } catch {
                #expect(!error.message.isEmpty)
                if let expectedCode {
                    #expect(error.shortDescription == expectedCode, "\(vector.title): \(error)")
                }
            }
        }
    }
}
