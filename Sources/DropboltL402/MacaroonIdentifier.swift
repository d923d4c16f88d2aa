import Foundation

/// The payment hash an L402 token commits to, when the token is a macaroon with an Aperture-style identifier.
///
/// L402 says the token MUST commit to the invoice's payment hash; Aperture's identifier is
/// `version (2 bytes, 0) ‖ payment hash (32) ‖ token id (32)`. Other servers use other identifiers (sats4ai embeds a
/// charge id), so this is best effort: nil means "cannot tell", never "mismatch".
///
/// ```swift
/// if let committed = MacaroonIdentifier.paymentHash(inToken: challenge.token), committed != invoice.paymentHash {
///     // refuse: paying would buy a token for another payment
/// }
/// ```
public enum MacaroonIdentifier {
    /// The payment hash in `token` (base64, standard or URL-safe, of a V2 binary or V1 text macaroon), or nil when
    /// the token is not a macaroon or its identifier is not Aperture's version 0.
    public static func paymentHash(inToken token: String) -> [UInt8]? {
        guard let bytes = base64Bytes(token), let identifier = identifierV2(bytes) ?? identifierV1(bytes) else {
            return nil
        }
        guard identifier.count == 66, identifier[0] == 0, identifier[1] == 0 else { return nil }
        return Array(identifier[2..<34])
    }

    /// The identifier field (type 2) of a V2 binary macaroon: version byte 2, then `type ‖ length ‖ data` fields
    /// with varint type and length; the optional location (type 1) comes first.
    static func identifierV2(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.first == 2 else { return nil }
        var position = 1
        while position < bytes.count {
            guard let type = varint(bytes, &position), type != 0, let length = varint(bytes, &position),
                length <= UInt64(bytes.count - position)
            else { return nil }
            let end = position + Int(length)
            if type == 2 { return Array(bytes[position..<end]) }
            guard type == 1 else { return nil }
            position = end
        }
        return nil
    }

    /// The `identifier` packet of a V1 macaroon: packets of 4 hex digits (the packet's whole length) then
    /// `key value\n`.
    static func identifierV1(_ bytes: [UInt8]) -> [UInt8]? {
        var position = 0
        while position + 4 <= bytes.count {
            guard let header = String(bytes: bytes[position..<position + 4], encoding: .ascii),
                let length = Int(header, radix: 16), length > 5, position + length <= bytes.count
            else { return nil }
            let packet = bytes[(position + 4)..<(position + length)]
            guard let space = packet.firstIndex(of: UInt8(ascii: " ")), packet.last == UInt8(ascii: "\n") else {
                return nil
            }
            if Array(packet[packet.startIndex..<space]) == Array("identifier".utf8) {
                return Array(packet[(space + 1)..<(packet.endIndex - 1)])
            }
            position += length
        }
        return nil
    }

    private static func varint(_ bytes: [UInt8], _ position: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < bytes.count, shift < 64 {
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }

    private static func base64Bytes(_ text: String) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.utf8.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map { [UInt8]($0) }
    }
}
