import DropboltLightning
import Foundation
import FuzzSupport

/// libFuzzer entry: the input, as text (invalid UTF-8 repaired), must decode to an invoice or throw
/// `InvoiceError`; it must never trap. The same text with its Bech32 checksum recomputed is decoded too: almost
/// every mutation breaks the checksum, and without the second call the fuzzer would rarely get past it to the
/// amount, the tagged fields and the signature. Checks two properties besides:
/// - a string that `Bech32.decode` accepts encodes back to itself (lower-cased);
/// - a decoded invoice's derived values (expiry, hex, feature bits) can all be read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBOLT11(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)

    if let decoded = try? Bech32.decode(text) {
        let again = Bech32.encode(humanReadablePart: decoded.humanReadablePart, words: decoded.words)
        check(again == text.lowercased(), "Bech32 round trip changed the string")
    }
    decode(text)
    if let fixed = withValidChecksum(text), fixed != text.lowercased() {
        decode(fixed)
    }
    return 0
}

/// Decodes `text` and reads everything a decoded invoice offers.
private func decode(_ text: String) {
    do {
        let invoice = try Invoice.decode(text)
        check(invoice.paymentHash.count == 32, "a decoded invoice has a 32-byte payment hash")
        check(invoice.payee.count == 33, "a decoded invoice has a 33-byte payee")
        _ = invoice.expiresAtSeconds
        _ = invoice.isExpired(at: Date(timeIntervalSince1970: 1_700_000_000))
        _ = invoice.paymentHashHex
        _ = invoice.payeeHex
        for bit in 0..<300 { _ = invoice.hasFeature(bit) }
    } catch {
        _ = error.shortDescription
        _ = error.description
    }
}

/// The Bech32 alphabet; a character's index is its 5-bit value.
private let alphabet = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)

/// `text` lower-cased with its last six data characters replaced by a correct checksum, or nil when there is no
/// `1` separator or the data part has a character outside the alphabet.
private func withValidChecksum(_ text: String) -> String? {
    let bytes = Array(text.lowercased().utf8)
    guard let separator = bytes.lastIndex(of: UInt8(ascii: "1")), separator > 0 else { return nil }
    var words: [UInt8] = []
    for byte in bytes[(separator + 1)...] {
        guard let value = alphabet.firstIndex(of: byte) else { return nil }
        words.append(UInt8(value))
    }
    words.removeLast(min(6, words.count))
    let humanReadablePart = String(decoding: bytes[..<separator], as: UTF8.self)
    return Bech32.encode(humanReadablePart: humanReadablePart, words: words)
}

/// The process entry: libFuzzer's driver, with ``fuzzBOLT11(_:_:)`` as the function under test.
@main
enum FuzzMain {
    static func main() {
        runLibFuzzer(fuzzBOLT11)
    }
}
