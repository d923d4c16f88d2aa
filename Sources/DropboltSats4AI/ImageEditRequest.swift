/// The body of `POST /api/l402/image-edit`: edit an image by prompt.
///
/// ```swift
/// let request = try ImageEditRequest(prompt: rule.prompt, imageBytes: fileBytes, outputFormat: "png")
/// let body = try request.encodedBody()   // spool these bytes; the paid retry re-sends them unchanged
/// ```
///
/// Wire form: `{"aspect_ratio":…,"image":…,"modelId":…,"output_format":…,"prompt":…}`, keys sorted, no spaces,
/// `nil` or empty optional fields left out (the provider then uses its default).
public struct ImageEditRequest: Sendable, Hashable {
    /// What to do to the image, e.g. "Remove the background". Must not be empty.
    public var prompt: String
    /// The image as base64, raw or as a `data:image/<type>;base64,` URL; both are accepted by sats4ai.
    ///
    /// Made from the file's bytes on each read when the request was created from bytes (the body is encoded
    /// from the bytes directly).
    public var image: String {
        get { payload.text }
        set { payload = .text(newValue) }
    }
    private var payload: ImagePayload
    /// `match_input_image`, `1:1`, `4:3` or `16:9`; nil for the provider's default.
    public var aspectRatio: String?
    /// `jpg`, `png` or `webp`; nil for the provider's default (`jpg`).
    public var outputFormat: String?
    /// The provider's model id, as text; nil for the provider's default model.
    public var modelId: String?

    /// Creates a request from an image that is already base64-encoded.
    public init(
        prompt: String,
        image: String,
        aspectRatio: String? = nil,
        outputFormat: String? = nil,
        modelId: String? = nil
    ) {
        self.prompt = prompt
        self.payload = .text(image)
        self.aspectRatio = aspectRatio
        self.outputFormat = outputFormat
        self.modelId = modelId
    }

    /// Creates a request from the bytes of an image file.
    ///
    /// The image is sent as a `data:` URL whose media type comes from the file's magic bytes: sats4ai takes a
    /// prefix-less image to be PNG, so a JPEG, WebP, GIF or HEIC file is labelled explicitly.
    ///
    /// - Throws: ``Sats4AIError`` `emptyImage` for no bytes, `unknownImageType` when the bytes are not a JPEG,
    ///   PNG, WebP, GIF or HEIC/HEIF image.
    public init(
        prompt: String,
        imageBytes: [UInt8],
        aspectRatio: String? = nil,
        outputFormat: String? = nil,
        modelId: String? = nil
    ) throws(Sats4AIError) {
        let mimeType = try ImageContentType.checkedMediaType(of: imageBytes)
        self.init(prompt: prompt, image: "", aspectRatio: aspectRatio, outputFormat: outputFormat, modelId: modelId)
        payload = .file(bytes: imageBytes, mimeType: mimeType)
    }

    /// Creates a request whose image file is streamed into the body by the caller (``bodyFrame()``); `head` is
    /// the file's first bytes, enough to tell its type.
    ///
    /// - Throws: as ``init(prompt:imageBytes:aspectRatio:outputFormat:modelId:)``.
    public init(
        prompt: String,
        streamedImageHead head: [UInt8],
        aspectRatio: String? = nil,
        outputFormat: String? = nil,
        modelId: String? = nil
    ) throws(Sats4AIError) {
        let mimeType = try ImageContentType.checkedMediaType(of: head)
        self.init(prompt: prompt, image: "", aspectRatio: aspectRatio, outputFormat: outputFormat, modelId: modelId)
        payload = .streamed(mimeType: mimeType)
    }

    /// The JSON body, deterministic to the byte: the same request always gives the same bytes.
    ///
    /// - Throws: ``Sats4AIError`` `emptyPrompt` or `emptyImage`; the provider would reject them after minting an
    ///   invoice, or worse, after payment.
    public func encodedBody() throws(Sats4AIError) -> [UInt8] {
        CanonicalJSON.object(try members())
    }

    /// The body around a streamed image, for a request made with
    /// ``init(prompt:streamedImageHead:aspectRatio:outputFormat:modelId:)``.
    public func bodyFrame() throws(Sats4AIError) -> RequestBodyFrame {
        CanonicalJSON.frame(try members())
    }

    private func members() throws(Sats4AIError) -> [(key: String, value: CanonicalJSON.Value)] {
        guard !prompt.isEmpty else { throw .emptyPrompt("an image edit needs a prompt") }
        guard !payload.isEmpty else { throw .emptyImage("the image to edit is empty") }
        var members: [(key: String, value: CanonicalJSON.Value)] = [
            ("prompt", .text(prompt)), ("image", payload.jsonValue),
        ]
        if let aspectRatio, !aspectRatio.isEmpty { members.append(("aspect_ratio", .text(aspectRatio))) }
        if let outputFormat, !outputFormat.isEmpty { members.append(("output_format", .text(outputFormat))) }
        if let modelId, !modelId.isEmpty { members.append(("modelId", .text(modelId))) }
        return members
    }
}
