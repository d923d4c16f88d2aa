import DropboltCore
import Foundation

/// A paid answer that holds no usable output.
public struct ProviderResultError: Error, Sendable, CustomStringConvertible {
    /// What is wrong with the answer.
    public var message: String
    /// What is wrong with the answer.
    public var description: String { message }
}

/// The output a paid answer holds.
public struct ProviderOutput: Sendable {
    /// The bytes to write beside the original.
    public var bytes: [UInt8]
    /// True when the bytes were downloaded from the answer's `imageUrl`: they cannot be had again from the answer
    /// alone (those URLs expire), so they must be kept before anything else can fail.
    public var downloaded: Bool
}

extension Sats4AIClient {
    /// The output in a 200 answer: the analysis text (trimmed, one final newline), or the edited image.
    ///
    /// For an edit, `base64Image` is preferred; a missing or malformed one falls back to downloading `imageUrl` at
    /// once (those URLs expire), which must answer 200 with an image.
    /// - Throws: ``ProviderResultError`` or the response's own decoding error.
    public func output(for action: RuleAction, answer: [UInt8]) async throws -> ProviderOutput {
        switch action {
        case .analyze:
            let response = try AnalyzeImageResponse(body: answer)
            let text = response.content.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
            return ProviderOutput(bytes: Array(text.utf8), downloaded: false)
        case .edit:
            let response = try ImageEditResponse(body: answer)
            if let image = try? response.decodedImage(), ImageContentType.detect(image) != nil {
                return ProviderOutput(bytes: image, downloaded: false)
            }
            guard let url = response.imageUrl else {
                throw ProviderResultError(
                    message: "no readable image in the result (base64Image malformed, no imageUrl)")
            }
            let download = try await download(url, limit: Self.maximumResponseBytes)
            let contentType = download.values("content-type").first?.lowercased() ?? ""
            guard download.status == 200, contentType.hasPrefix("image/"), ImageContentType.detect(download.body) != nil
            else {
                throw ProviderResultError(
                    message: "downloading \(url) gave HTTP \(download.status) (\(contentType)) without an image")
            }
            return ProviderOutput(bytes: download.body, downloaded: true)
        }
    }
}
