import DropboltCore
import Foundation
import Testing

@testable import DropboltNostr

/// BIP-340's own test vectors (bip-0340/test-vectors.csv), every row.
@Suite struct SchnorrTests {
    struct Vector: CustomTestStringConvertible, Sendable {
        let index: Int
        let secretKey: String
        let publicKey: String
        let auxRand: String
        let message: String
        let signature: String
        let valid: Bool
        let comment: String
        var testDescription: String { "vector \(index) \(comment)" }
    }

    static let vectors: [Vector] = {
        let url = Bundle.module.url(forResource: "bip340-test-vectors", withExtension: "csv")!
        let text = try! String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Vector(
                index: Int(fields[0])!, secretKey: fields[1], publicKey: fields[2], auxRand: fields[3],
                message: fields[4], signature: fields[5], valid: fields[6] == "TRUE",
                comment: fields[7...].joined(separator: ","))
        }
    }()

    @Test func allNineteenRowsAreLoaded() {
        #expect(Self.vectors.count == 19)
    }

    @Test(arguments: vectors.filter { !$0.secretKey.isEmpty })
    func signingReproducesTheSignatureAndPublicKey(_ vector: Vector) throws {
        let key = try NostrSecretKey(hex: vector.secretKey)
        #expect(key.publicKey.hex == vector.publicKey.lowercased())
        let message = try #require(Hex.bytes(vector.message))
        // Our signer takes 32-byte messages (event ids); the variable-length rows are checked by verification.
        guard message.count == 32 else { return }
        let signature = Schnorr.sign(message: message, with: key, auxiliaryRandomness: Hex.bytes(vector.auxRand))
        #expect(Hex.string(signature) == vector.signature.lowercased())
    }

    @Test(arguments: vectors)
    func verificationGivesTheExpectedResult(_ vector: Vector) throws {
        let message = try #require(Hex.bytes(vector.message))
        let signature = try #require(Hex.bytes(vector.signature))
        guard let publicKey = try? NostrPublicKey(hex: vector.publicKey) else {
            // Rows 5 and 14: the key is not on the curve, so nothing can verify against it.
            #expect(!vector.valid)
            return
        }
        #expect(Schnorr.isValid(signature: signature, message: message, publicKey: publicKey) == vector.valid)
    }

    @Test func aSignatureWithFreshRandomnessVerifies() {
        let key = NostrSecretKey.random()
        let message = [UInt8](repeating: 7, count: 32)
        let signature = Schnorr.sign(message: message, with: key)
        #expect(Schnorr.isValid(signature: signature, message: message, publicKey: key.publicKey))
        #expect(
            !Schnorr.isValid(signature: signature, message: [UInt8](repeating: 8, count: 32), publicKey: key.publicKey))
    }

    @Test func invalidSecretKeysAreRefusedWithoutShowingThem() {
        let order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
        for bad in [String(repeating: "0", count: 64), order, "12", String(repeating: "g", count: 64)] {
            #expect(throws: NostrKeyError.self) { try NostrSecretKey(hex: bad) }
        }
        let key = NostrSecretKey.random()
        #expect("\(key)" == "NostrSecretKey(***)")
        #expect(String(reflecting: key) == "NostrSecretKey(***)")
    }
}
