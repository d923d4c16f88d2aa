/// The success body of `POST /api/l402/analyze-image`: `{"content": "…"}`. Unknown fields are ignored.
///
/// ```swift
/// let analysis = try AnalyzeImageResponse(body: bytes).content   // written to "{stem}.txt"
/// ```
public struct AnalyzeImageResponse: Sendable, Hashable {
    /// The model's answer, as text.
    public var content: String

    /// Creates a response from its field.
    public init(content: String) {
        self.content = content
    }

    /// Reads a response body.
    ///
    /// - Throws: ``Sats4AIError`` `malformedResponse` when the body is not a JSON object or `content` is not a
    ///   string; `missingResult` when `content` is absent or null.
    public init(body: [UInt8]) throws(Sats4AIError) {
        guard let object = JSONValue.object(from: body) else {
            throw .malformedResponse("the analyze-image response is not a JSON object")
        }
        switch object["content"] {
        case nil, .null?:
            throw .missingResult("the analyze-image response has no content")
        case .string(let text)?:
            self.init(content: text)
        default:
            throw .malformedResponse("the analyze-image response's content is not a string")
        }
    }
}
