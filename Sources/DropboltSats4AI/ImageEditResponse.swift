/// The success body of `POST /api/l402/image-edit`: `{"imageUrl": …, "base64Image": …}`.
///
/// sats4ai documents both fields, but either may be missing; prefer ``base64Image`` (the URL expires after two
/// hours and needs a second download). Unknown fields are ignored.
///
/// ```swift
/// let response = try ImageEditResponse(body: bytes)
/// if let image = try response.decodedImage() { /* spool it */ } else if let url = response.imageUrl { … }
/// ```
public struct ImageEditResponse: Sendable, Hashable {
    /// Where the edited image can be downloaded, for about two hours.
    public var imageUrl: String?
    /// The edited image as base64, raw or as a `data:` URL.
    public var base64Image: String?

    /// Creates a response from its fields.
    public init(imageUrl: String? = nil, base64Image: String? = nil) {
        self.imageUrl = imageUrl
        self.base64Image = base64Image
    }

    /// Reads a response body. Empty strings and `null` count as missing.
    ///
    /// - Throws: ``Sats4AIError`` `malformedResponse` when the body is not a JSON object or a field is not a
    ///   string; `missingResult` when neither field is present.
    public init(body: [UInt8]) throws(Sats4AIError) {
        guard let object = JSONValue.object(from: body) else {
            throw .malformedResponse("the image-edit response is not a JSON object")
        }
        let imageUrl = try Self.optionalString(object["imageUrl"], name: "imageUrl")
        let base64Image = try Self.optionalString(object["base64Image"], name: "base64Image")
        guard imageUrl != nil || base64Image != nil else {
            throw .missingResult("the image-edit response has neither imageUrl nor base64Image")
        }
        self.init(imageUrl: imageUrl, base64Image: base64Image)
    }

    /// The bytes of ``base64Image`` (with or without a `data:` prefix), or nil when there is none.
    ///
    /// - Throws: ``Sats4AIError`` `badBase64` when it does not decode.
    public func decodedImage() throws(Sats4AIError) -> [UInt8]? {
        guard let base64Image, !base64Image.isEmpty else { return nil }
        return try DataURL.decode(base64Image)
    }

    private static func optionalString(_ value: JSONValue?, name: String) throws(Sats4AIError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text.isEmpty ? nil : text
        default: throw .malformedResponse("the image-edit response's \(name) is not a string")
        }
    }
}
