import DropboltSats4AI
import FuzzSupport

/// libFuzzer entry: the input is a sats4ai response body. Every reader of provider responses must return or
/// throw `Sats4AIError`, never trap: `ImageEditResponse(body:)` then `decodedImage()`,
/// `AnalyzeImageResponse(body:)`, and `ProviderErrorBody` (which never throws), with the input also given as the
/// `X-Error-Code` and `Retry-After` header values.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProvider(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    let text = String(decoding: body, as: UTF8.self)

    do {
        let response = try ImageEditResponse(body: body)
        _ = try response.decodedImage()
    } catch {
        _ = error.description
    }
    do {
        _ = try AnalyzeImageResponse(body: body)
    } catch {
        _ = error.description
    }

    let problem = ProviderErrorBody(body: body)
    if let text = problem.text {
        // Each kept byte becomes at most one scalar (invalid UTF-8 turns into U+FFFD, 3 bytes, so bytes may grow).
        check(text.unicodeScalars.count <= ProviderErrorBody.maximumTextBytes, "the kept text is too long")
    }
    if let seconds = problem.retryAfterSeconds {
        check(seconds >= 0, "a negative retry delay")
    }
    _ = ProviderErrorBody(body: [], errorCodeHeader: text, retryAfterHeader: text)
    return 0
}

/// The process entry: libFuzzer's driver, with ``fuzzProvider(_:_:)`` as the function under test.
@main
enum FuzzMain {
    static func main() {
        runLibFuzzer(fuzzProvider)
    }
}
