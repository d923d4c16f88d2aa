import DropboltCore
import DropboltLightning
import Foundation
import Testing

@testable import DropboltNostr

/// The NIP-47 layer without a relay: negotiation, request events, response matching and meaning.
@Suite struct NWCProtocolTests {
    let client = NostrSecretKey.random()
    let wallet = NostrSecretKey.random()

    func info(_ tags: [[String]]) -> NostrEvent {
        NostrEvent.signed(kind: NWCKind.info, tags: tags, content: "pay_invoice get_balance", by: wallet)
    }

    @Test func encryptionNegotiation() {
        #expect(NWCEncryption.preferred(byInfo: info([["encryption", "nip44_v2 nip04"]])) == .nip44)
        #expect(NWCEncryption.preferred(byInfo: info([["encryption", "nip04 nip44_v2"]])) == .nip44)
        #expect(NWCEncryption.preferred(byInfo: info([["encryption", "nip04"]])) == .nip04)
        #expect(NWCEncryption.preferred(byInfo: info([])) == .nip04)
        #expect(NWCEncryption.preferred(byInfo: info([["encryption", "nip99"]])) == nil)
    }

    @Test(arguments: [NWCEncryption.nip44, .nip04])
    func aRequestEventIsSignedTaggedAndReadableByTheWallet(_ encryption: NWCEncryption) throws {
        let event = try NWCRequest.payInvoice("lnbcrt1invoice").event(
            to: wallet.publicKey, encryption: encryption, by: client, expiration: 1_800_000_000)
        #expect(event.kind == 23194)
        #expect(event.pubkey == client.publicKey.hex)
        #expect(event.isAuthentic)
        #expect(event.firstTag("p") == [wallet.publicKey.hex])
        #expect(event.firstTag("expiration") == ["1800000000"])
        #expect(event.firstTag("encryption") == (encryption == .nip44 ? ["nip44_v2"] : nil))
        #expect(!event.content.contains("lnbcrt1invoice"))
        #expect(NWCEncryption.of(event) == encryption)
        let plaintext = try encryption.decrypt(event.content, secret: wallet, peer: client.publicKey)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(plaintext.utf8)) as? [String: Any])
        #expect(object["method"] as? String == "pay_invoice")
        #expect((object["params"] as? [String: String]) == ["invoice": "lnbcrt1invoice"])
    }

    func response(
        _ json: String, to requestID: String, by author: NostrSecretKey? = nil, encryption: NWCEncryption = .nip44
    )
        throws -> NostrEvent
    {
        let author = author ?? wallet
        var tags = [["p", client.publicKey.hex], ["e", requestID]]
        if encryption == .nip44 { tags.append(["encryption", "nip44_v2"]) }
        let content = try encryption.encrypt(json, secret: author, peer: client.publicKey)
        return NostrEvent.signed(kind: NWCKind.response, tags: tags, content: content, by: author)
    }

    @Test func onlyTheWalletsSignedAnswerToThisRequestMatches() throws {
        let requestID = String(repeating: "ab", count: 32)
        let good = try response(#"{"result_type":"get_balance","result":{"balance":5000}}"#, to: requestID)
        #expect(NWCResponse.isResponse(good, to: requestID, from: wallet.publicKey))
        #expect(!NWCResponse.isResponse(good, to: String(repeating: "cd", count: 32), from: wallet.publicKey))
        let impostor = try response(
            #"{"result_type":"get_balance","result":{"balance":1}}"#, to: requestID, by: .random())
        #expect(!NWCResponse.isResponse(impostor, to: requestID, from: wallet.publicKey))
        var tampered = good
        tampered.content = try NWCEncryption.nip44.encrypt(
            #"{"result_type":"get_balance","result":{"balance":1}}"#, secret: wallet, peer: client.publicKey)
        #expect(!NWCResponse.isResponse(tampered, to: requestID, from: wallet.publicKey))
        let opened = try NWCResponse(opening: good, secret: client, wallet: wallet.publicKey)
        #expect(try opened.result(as: NWCBalanceResult.self).balance == 5000)
    }

    @Test(arguments: [NWCEncryption.nip44, .nip04])
    func responsesOpenWithTheirOwnScheme(_ encryption: NWCEncryption) throws {
        let event = try response(
            #"{"result_type":"pay_invoice","result":{"preimage":"\#(String(repeating: "11", count: 32))","fees_paid":2000}}"#,
            to: "id", encryption: encryption)
        let opened = try NWCResponse(opening: event, secret: client, wallet: wallet.publicKey)
        #expect(opened.error == nil)
        let result = try opened.result(as: NWCPayResult.self)
        #expect(result.feesPaid == 2000)
        #expect(result.preimage == String(repeating: "11", count: 32))
    }

    @Test func anUntaggedNIP44AnswerStillOpens() throws {
        let content = try NWCEncryption.nip44.encrypt(
            #"{"result_type":"get_balance","result":{"balance":7}}"#, secret: wallet, peer: client.publicKey)
        let event = NostrEvent.signed(
            kind: NWCKind.response, tags: [["p", client.publicKey.hex], ["e", "id"]], content: content, by: wallet)
        let opened = try NWCResponse(opening: event, secret: client, wallet: wallet.publicKey)
        #expect(try opened.result(as: NWCBalanceResult.self).balance == 7)
        let foreign = NostrEvent.signed(
            kind: NWCKind.response, tags: [["e", "id"]],
            content: try NWCEncryption.nip44.encrypt("{}", secret: .random(), peer: client.publicKey), by: wallet)
        #expect(throws: NWCResponse.Failure.self) {
            try NWCResponse(opening: foreign, secret: client, wallet: wallet.publicKey)
        }
    }

    @Test func errorsAndMissingFields() throws {
        let failed = try NWCResponse(
            json: #"{"result_type":"pay_invoice","error":{"code":"INTERNAL","message":"boom"}}"#)
        #expect(failed.error == .init(code: .internal, message: "boom"))
        #expect(failed.resultJSON == nil)
        let nullResult = try NWCResponse(json: #"{"result_type":"get_balance","error":null,"result":null}"#)
        #expect(nullResult.error == nil)
        #expect(throws: NWCResponse.Failure.self) { try nullResult.result(as: NWCBalanceResult.self) }
        #expect(throws: NWCResponse.Failure.self) { try NWCResponse(json: #"{"error":null}"#) }
        #expect(throws: NWCResponse.Failure.self) { try NWCResponse(json: "[]") }
    }

    @Test func onlyRefusalsBeforeAnyAttemptMeanNotPaid() {
        let unknown: [NWCErrorCode] = [.paymentFailed, .internal, .other, NWCErrorCode(rawValue: "SOMETHING_NEW")]
        for code in unknown {
            let error = NWCResponse.ErrorBody(code: code, message: "").paymentError
            #expect(error.moneyMayHaveMoved, "\(code)")
            #expect(error.shortDescription == "outcomeUnknown", "\(code)")
        }
        let refused: [(NWCErrorCode, String)] = [
            (.insufficientBalance, "insufficientBalance"), (.rateLimited, "unavailable"),
            (.quotaExceeded, "unavailable"),
            (.unauthorized, "unauthorized"), (.restricted, "unauthorized"), (.notImplemented, "rejected"),
            (.unsupportedEncryption, "rejected"),
        ]
        for (code, label) in refused {
            let error = NWCResponse.ErrorBody(code: code, message: "").paymentError
            #expect(!error.moneyMayHaveMoved, "\(code)")
            #expect(error.shortDescription == label, "\(code)")
        }
    }

    @Test func queryErrorsNeverSayMoneyMoved() {
        for code in [NWCErrorCode.internal, .rateLimited, .other, .notImplemented] {
            let error = NWCResponse.ErrorBody(code: code, message: "").queryError(method: .getBalance)
            #expect(!error.moneyMayHaveMoved)
            #expect(error.shortDescription == "unavailable", "\(code)")
        }
        let refused = NWCResponse.ErrorBody(code: .unauthorized, message: "no").queryError(method: .lookupInvoice)
        #expect(refused.isUnauthorized)
    }

    @Test func lookupStates() throws {
        let hash = [UInt8](repeating: 1, count: 32)
        let preimage = String(repeating: "22", count: 32)
        func status(_ json: String) throws -> PaymentStatus {
            try JSONDecoder().decode(NWCTransaction.self, from: Data(json.utf8)).paymentStatus(paymentHash: hash)
        }
        let settled = try? status(#"{"state":"settled","preimage":"\#(preimage)","amount":21000,"fees_paid":-1000}"#)
        guard case .succeeded(let payment) = settled else {
            Issue.record("settled: \(String(describing: settled))")
            return
        }
        #expect(payment.amount == Millisatoshi(21000))
        #expect(payment.fee == Millisatoshi(1000))
        #expect(try status(#"{"preimage":"\#(preimage)","settled_at":1700000000}"#) != .pending)
        #expect(try status(#"{"state":"settled"}"#) == .pending)
        #expect(try status(#"{"state":"pending"}"#) == .pending)
        #expect(try status(#"{"state":"accepted"}"#) == .pending)
        #expect(try status(#"{"preimage":"\#(preimage)"}"#) == .pending)
        #expect(try status(#"{"state":"failed"}"#) == .failed(reason: "the NWC wallet reports the payment failed"))
        #expect(try status(#"{"state":"expired"}"#) == .failed(reason: "the NWC wallet reports the payment expired"))
    }
}
