extension ImageContentType {
    /// The media type of an image file's bytes, after checking that they are an image we can send.
    static func checkedMediaType(of bytes: [UInt8]) throws(Sats4AIError) -> String {
        guard !bytes.isEmpty else { throw .emptyImage("the image file is empty") }
        guard let type = detect(bytes) else {
            throw .unknownImageType("the file is not a JPEG, PNG, WebP, GIF or HEIC image (unrecognised first bytes)")
        }
        return type.mimeType
    }
}
