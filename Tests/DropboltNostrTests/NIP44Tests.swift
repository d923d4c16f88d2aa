import Crypto
import DropboltCore
import Foundation
import Testing

@testable import DropboltNostr

/// Every vector of paulmillr/nip44's `nip44.vectors.json` (shared/vectors/nip44.json, copied unchanged).
@Suite struct NIP44Tests {
    static var vectors: [String: Any] {
        let url = Bundle.module.url(forResource: "nip44", withExtension: "json")!
        let root = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return root["v2"] as! [String: Any]
    }

    static func group(_ validity: String, _ name: String) -> [[String: Any]] {
        (vectors[validity] as! [String: Any])[name] as! [[String: Any]]
    }

    static func bytes(_ row: [String: Any], _ key: String) -> [UInt8] { Hex.bytes(row[key] as! String)! }

    @Test func theVectorFileIsTheUnchangedOriginal() throws {
        let url = try #require(Bundle.module.url(forResource: "nip44", withExtension: "json"))
        let digest = SHA256.hash(data: try Data(contentsOf: url))
        #expect(Hex.string(Array(digest)) == "269ed0f69e4c192512cc779e78c555090cebc7c785b609e338a62afc3ce25040")
    }

    @Test func validConversationKeys() throws {
        let rows = Self.group("valid", "get_conversation_key")
        #expect(rows.count == 35)
        for row in rows {
            let secret = try NostrSecretKey(hex: row["sec1"] as! String)
            let publicKey = try NostrPublicKey(hex: row["pub2"] as! String)
            let key = try NIP44.conversationKey(secret: secret, publicKey: publicKey)
            #expect(Hex.string(key) == row["conversation_key"] as! String, "\(row["pub2"]!)")
        }
    }

    @Test func messageKeys() throws {
        let group = (Self.vectors["valid"] as! [String: Any])["get_message_keys"] as! [String: Any]
        let conversationKey = Hex.bytes(group["conversation_key"] as! String)!
        let rows = group["keys"] as! [[String: Any]]
        #expect(rows.count == 32)
        for row in rows {
            let keys = try NIP44.messageKeys(conversationKey: conversationKey, nonce: Self.bytes(row, "nonce"))
            #expect(keys.chachaKey == Self.bytes(row, "chacha_key"))
            #expect(keys.chachaNonce == Self.bytes(row, "chacha_nonce"))
            #expect(keys.hmacKey == Self.bytes(row, "hmac_key"))
        }
    }

    @Test func paddedLengths() {
        let rows = (Self.vectors["valid"] as! [String: Any])["calc_padded_len"] as! [[Int]]
        #expect(rows.count == 24)
        for row in rows { #expect(NIP44.paddedLength(row[0]) == row[1], "length \(row[0])") }
    }

    @Test func encryptAndDecrypt() throws {
        let rows = Self.group("valid", "encrypt_decrypt")
        #expect(rows.count == 10)
        for row in rows {
            let secret1 = try NostrSecretKey(hex: row["sec1"] as! String)
            let secret2 = try NostrSecretKey(hex: row["sec2"] as! String)
            let conversationKey = Self.bytes(row, "conversation_key")
            #expect(try NIP44.conversationKey(secret: secret1, publicKey: secret2.publicKey) == conversationKey)
            #expect(try NIP44.conversationKey(secret: secret2, publicKey: secret1.publicKey) == conversationKey)
            let plaintext = row["plaintext"] as! String
            let payload = try NIP44.encrypt(
                plaintext, conversationKey: conversationKey, nonce: Self.bytes(row, "nonce"))
            #expect(payload == row["payload"] as! String)
            #expect(try NIP44.decrypt(payload, conversationKey: conversationKey) == plaintext)
        }
    }

    @Test func longMessages() throws {
        let rows = Self.group("valid", "encrypt_decrypt_long_msg")
        #expect(rows.count == 3)
        for row in rows {
            let plaintext = String(repeating: row["pattern"] as! String, count: row["repeat"] as! Int)
            #expect(Hex.string(Array(SHA256.hash(data: Array(plaintext.utf8)))) == row["plaintext_sha256"] as! String)
            let conversationKey = Self.bytes(row, "conversation_key")
            let payload = try NIP44.encrypt(
                plaintext, conversationKey: conversationKey, nonce: Self.bytes(row, "nonce"))
            #expect(Hex.string(Array(SHA256.hash(data: Array(payload.utf8)))) == row["payload_sha256"] as! String)
            #expect(try NIP44.decrypt(payload, conversationKey: conversationKey) == plaintext)
        }
    }

    @Test func invalidMessageLengthsAreRefused() {
        let lengths = (Self.vectors["invalid"] as! [String: Any])["encrypt_msg_lengths"] as! [Int]
        #expect(lengths.count == 4)
        let key = [UInt8](repeating: 1, count: 32)
        for length in lengths {
            #expect(throws: NIP44.Failure.self, "length \(length)") {
                try NIP44.encrypt(String(repeating: "a", count: length), conversationKey: key)
            }
        }
    }

    @Test func invalidConversationKeysAreRefused() {
        let rows = Self.group("invalid", "get_conversation_key")
        #expect(rows.count == 8)
        for row in rows {
            #expect(throws: NostrKeyError.self, "\(row["note"]!)") {
                let secret = try NostrSecretKey(hex: row["sec1"] as! String)
                _ = try NIP44.conversationKey(secret: secret, publicKey: NostrPublicKey(hex: row["pub2"] as! String))
            }
        }
    }

    @Test func invalidPayloadsAreRefused() {
        let rows = Self.group("invalid", "decrypt")
        #expect(rows.count == 12)
        for row in rows {
            #expect(throws: NIP44.Failure.self, "\(row["note"]!)") {
                try NIP44.decrypt(row["payload"] as! String, conversationKey: Self.bytes(row, "conversation_key"))
            }
        }
    }

    @Test func aRandomNonceRoundTrips() throws {
        let alice = NostrSecretKey.random()
        let bob = NostrSecretKey.random()
        let payload = try NIP44.encrypt(
            #"{"method":"get_balance"}"#,
            conversationKey: NIP44.conversationKey(secret: alice, publicKey: bob.publicKey))
        let opened = try NIP44.decrypt(
            payload, conversationKey: NIP44.conversationKey(secret: bob, publicKey: alice.publicKey))
        #expect(opened == #"{"method":"get_balance"}"#)
    }
}
