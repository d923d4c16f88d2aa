import DropboltL402
import FuzzSupport

/// libFuzzer entry: the input, as text split on line breaks, is the list of `WWW-Authenticate` values.
/// `ChallengeParser.parse` must return challenges or throw `L402Error`, never trap; and what it returns must
/// keep its documented promises: at least one challenge, `L402` before `LSAT`, a base64 token, an `ln` invoice.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzL402(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let values = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    do {
        let challenges = try ChallengeParser.parse(headerValues: values)
        check(!challenges.isEmpty, "parse returned no challenge without throwing")
        guard let chosen = ChallengeParser.preferred(challenges) else {
            fatalError("preferred found nothing in a non-empty list")
        }
        check(chosen == challenges[0], "the preferred challenge is not the first one")
        let firstLegacy = challenges.firstIndex(where: \.isLegacyScheme) ?? challenges.count
        check(challenges[firstLegacy...].allSatisfy(\.isLegacyScheme), "an L402 challenge after an LSAT one")
        for challenge in challenges {
            check(challenge.decodedToken != nil, "a returned challenge's token is not base64")
            check(challenge.invoice.lowercased().hasPrefix("ln"), "a returned invoice does not start with ln")
        }
    } catch {
        _ = error.shortDescription
        _ = error.description
    }
    return 0
}

/// The process entry: libFuzzer's driver, with ``fuzzL402(_:_:)`` as the function under test.
@main
enum FuzzMain {
    static func main() {
        runLibFuzzer(fuzzL402)
    }
}
