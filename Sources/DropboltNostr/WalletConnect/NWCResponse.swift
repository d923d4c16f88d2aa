import Foundation

/// A decrypted NIP-47 response: `{"result_type", "error": {"code","message"} | null, "result": {…} | null}`.
///
/// Alby Hub leaves out `error` and `result` when they are null; a missing field counts as null.
public struct NWCResponse: Sendable {
    /// Why a response event cannot be used; never contains key material.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong.
        public let message: String
        init(_ message: String) { self.message = message }
        /// The message.
        public var description: String { "NWC response: \(message)" }
    }

    /// The error a wallet reported.
    public struct ErrorBody: Sendable, Hashable {
        /// The code (`PAYMENT_FAILED`, `INTERNAL`, …).
        public let code: NWCErrorCode
        /// The wallet's words.
        public let message: String
    }

    /// The method the response answers.
    public let resultType: String
    /// The error, when the wallet reported one.
    public let error: ErrorBody?
    /// The raw `result` object, nil when absent or null.
    public let resultJSON: Data?

    /// True when `event` is the answer to request `requestID` from `wallet`: kind 23195, authored by the wallet,
    /// tagged `["e", requestID]`, and authentic (id and signature check out). Anything else is ignored, whoever
    /// sent it.
    public static func isResponse(_ event: NostrEvent, to requestID: String, from wallet: NostrPublicKey) -> Bool {
        event.kind == NWCKind.response && event.pubkey.lowercased() == wallet.hex
            && event.tags.contains { $0.count >= 2 && $0[0] == "e" && $0[1] == requestID } && event.isAuthentic
    }

    /// Decrypts and parses a response event (check it with ``isResponse(_:to:from:)`` first).
    ///
    /// The event's own `encryption` tag decides the scheme (NIP-04 without one). Content that does not open that
    /// way is tried with the other scheme: some services answer NIP-44 without the tag. The signature check has
    /// already tied the event to the wallet, and both schemes use the same shared secret.
    ///
    /// - Throws: ``Failure`` when the content cannot be decrypted or is not a response object.
    public init(opening event: NostrEvent, secret: NostrSecretKey, wallet: NostrPublicKey) throws(Failure) {
        guard let tagged = NWCEncryption.of(event) else { throw Failure("unknown encryption tag") }
        let other: NWCEncryption = tagged == .nip44 ? .nip04 : .nip44
        let plaintext: String
        do {
            plaintext = try tagged.decrypt(event.content, secret: secret, peer: wallet)
        } catch {
            guard let fallback = try? other.decrypt(event.content, secret: secret, peer: wallet) else {
                throw Failure("cannot decrypt (\(error))")
            }
            plaintext = fallback
        }
        try self.init(json: plaintext)
    }

    /// Parses decrypted response JSON.
    ///
    /// - Throws: ``Failure`` when it is not a JSON object with a `result_type` string.
    public init(json: String) throws(Failure) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw Failure("not a JSON object")
        }
        guard let resultType = object["result_type"] as? String else { throw Failure("no result_type") }
        self.resultType = resultType
        if let error = object["error"] as? [String: Any] {
            let code = error["code"] as? String ?? NWCErrorCode.other.rawValue
            self.error = ErrorBody(code: NWCErrorCode(rawValue: code), message: error["message"] as? String ?? "")
        } else {
            self.error = nil
        }
        if let result = object["result"] as? [String: Any] {
            resultJSON = try? JSONSerialization.data(withJSONObject: result)
        } else {
            resultJSON = nil
        }
    }

    /// The `result` decoded as `type`.
    ///
    /// - Throws: ``Failure`` when there is no result or it has another shape.
    public func result<Result: Decodable>(as type: Result.Type) throws(Failure) -> Result {
        guard let resultJSON else { throw Failure("\(resultType) has neither result nor error") }
        do {
            return try JSONDecoder().decode(type, from: resultJSON)
        } catch {
            throw Failure("\(resultType) result has an unexpected shape")
        }
    }
}
