import Foundation
import Testing

@testable import DropboltL402

/// The payment hash an Aperture-style macaroon commits to, read best effort; nil whenever the token is not one.
@Suite("Macaroon identifier")
struct MacaroonIdentifierTests {
    /// A real V2 macaroon from lsat-js' README example (Lightning Labs), issued with the invoice
    /// `lnsb10n1p3kvapjpp5t5auc38wgxvm0daz42j20nj3g9aqqn77gcwnwv9wmzrugghdaqdq…`, whose `p` field decodes (bech32,
    /// by hand) to the hash below.
    static let realToken =
        "AgEEbHNhdAJCAABdO8xE7kGZt7eiqqSnzlFBegBP3kYdNzCu2IfEIu3oGsJ7BSA6SqfYSEuTG8wgpgYnGkSe5wkfUuY3DHtLQvQVAAITc2VydmljZXM9c2VydmljZTE6MAACFnNlcnZpY2UxX2NhcGFiaWxpdGllcz0AAAYgjkkhfk7x22qy7jq+AS5kfSNYLEoSd728PU9+PT/bsi0="
    static let realHash = "5d3bcc44ee4199b7b7a2aaa4a7ce51417a004fde461d3730aed887c422ede81a"

    static func hex(_ bytes: [UInt8]?) -> String? { bytes.map { $0.map { String(format: "%02x", $0) }.joined() } }

    @Test func aRealApertureMacaroonGivesTheInvoicesPaymentHash() {
        #expect(Self.hex(MacaroonIdentifier.paymentHash(inToken: Self.realToken)) == Self.realHash)
        // The same token in the URL-safe alphabet without padding.
        let urlSafe = Self.realToken.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        #expect(Self.hex(MacaroonIdentifier.paymentHash(inToken: urlSafe)) == Self.realHash)
    }

    @Test func aVersionOneMacaroonIsReadToo() {
        let identifier = [UInt8](repeating: 0, count: 2) + [UInt8](repeating: 0xAB, count: 32) + [UInt8](repeating: 7, count: 32)
        func packet(_ key: String, _ value: [UInt8]) -> [UInt8] {
            let body = Array(key.utf8) + [UInt8(ascii: " ")] + value + [UInt8(ascii: "\n")]
            return Array(String(format: "%04x", body.count + 4).utf8) + body
        }
        let token = Data(packet("location", Array("lsat".utf8)) + packet("identifier", identifier)).base64EncodedString()
        #expect(Self.hex(MacaroonIdentifier.paymentHash(inToken: token)) == String(repeating: "ab", count: 32))
    }

    @Test func tokensThatAreNotApertureMacaroonsSayNothing() {
        let otherVersion = Data([2, 2, 66, 0, 1] + [UInt8](repeating: 1, count: 64)).base64EncodedString()
        let shortIdentifier = Data([2, 2, 10] + [UInt8](repeating: 0, count: 10)).base64EncodedString()
        let truncated = String(Self.realToken.prefix(20))
        for token in ["dG9rZW4=", "not base64 at all!", "", otherVersion, shortIdentifier, truncated] {
            #expect(MacaroonIdentifier.paymentHash(inToken: token) == nil, "\(token)")
        }
    }
}
