/// The body of `POST /api/l402/analyze-image`: describe or answer a question about an image.
///
/// ```swift
/// let request = try AnalyzeImageRequest(imageBytes: fileBytes, prompt: "List the products shown")
/// let body = try request.encodedBody()
/// ```
///
/// Wire form: `{"image":…,"modelId":…,"prompt":…}`, keys sorted, no spaces, `nil` or empty optional fields left
/// out (the provider's default prompt is "What's in this image?").
public struct AnalyzeImageRequest: Sendable, Hashable {
    /// The image as base64, raw or as a `data:image/<type>;base64,` URL; both are accepted by sats4ai.
    ///
    /// Made from the file's bytes on each read when the request was created from bytes (the body is encoded
    /// from the bytes directly).
    public var image: String {
        get { payload.text }
        set { payload = .text(newValue) }
    }
    private var payload: ImagePayload
    /// The question; nil for the provider's default.
    public var prompt: String?
    /// The provider's model id, as text (sats4ai accepts a number or a string); nil for its default model.
    public var modelId: String?

    /// Creates a request from an image that is already base64-encoded.
    public init(image: String, prompt: String? = nil, modelId: String? = nil) {
        self.payload = .text(image)
        self.prompt = prompt
        self.modelId = modelId
    }

    /// Creates a request from the bytes of an image file, sent as a `data:` URL with the detected media type
    /// (without a prefix sats4ai assumes PNG).
    ///
    /// - Throws: ``Sats4AIError`` `emptyImage` for no bytes, `unknownImageType` when the bytes are not a JPEG,
    ///   PNG, WebP, GIF or HEIC/HEIF image.
    public init(imageBytes: [UInt8], prompt: String? = nil, modelId: String? = nil) throws(Sats4AIError) {
        let mimeType = try ImageContentType.checkedMediaType(of: imageBytes)
        self.init(image: "", prompt: prompt, modelId: modelId)
        payload = .file(bytes: imageBytes, mimeType: mimeType)
    }

    /// Creates a request whose image file is streamed into the body by the caller (``bodyFrame()``); `head` is
    /// the file's first bytes, enough to tell its type.
    ///
    /// - Throws: as ``init(imageBytes:prompt:modelId:)``.
    public init(streamedImageHead head: [UInt8], prompt: String? = nil, modelId: String? = nil) throws(Sats4AIError) {
        let mimeType = try ImageContentType.checkedMediaType(of: head)
        self.init(image: "", prompt: prompt, modelId: modelId)
        payload = .streamed(mimeType: mimeType)
    }

    /// The JSON body, deterministic to the byte: the same request always gives the same bytes.
    ///
    /// - Throws: ``Sats4AIError`` `emptyImage` when ``image`` is empty.
    public func encodedBody() throws(Sats4AIError) -> [UInt8] {
        CanonicalJSON.object(try members())
    }

    /// The body around a streamed image, for a request made with ``init(streamedImageHead:prompt:modelId:)``.
    public func bodyFrame() throws(Sats4AIError) -> RequestBodyFrame {
        CanonicalJSON.frame(try members())
    }

    private func members() throws(Sats4AIError) -> [(key: String, value: CanonicalJSON.Value)] {
        guard !payload.isEmpty else { throw .emptyImage("the image to analyze is empty") }
        var members: [(key: String, value: CanonicalJSON.Value)] = [("image", payload.jsonValue)]
        if let prompt, !prompt.isEmpty { members.append(("prompt", .text(prompt))) }
        if let modelId, !modelId.isEmpty { members.append(("modelId", .text(modelId))) }
        return members
    }
}
