/// A request body whose image is streamed from its file: the JSON before the image's base64 and the JSON after it.
///
/// A 20 MB image is 27 MB of base64; building the body piece by piece keeps only a chunk in memory. The bytes are
/// the same as ``ImageEditRequest/encodedBody()`` or ``AnalyzeImageRequest/encodedBody()`` would give for the
/// whole file, so a spooled body is sent again unchanged whichever way it was built.
///
/// ```swift
/// let frame = try AnalyzeImageRequest(streamedImageHead: firstChunk).bodyFrame()
/// write(frame.prefix)
/// for chunk in file { RequestBodyFrame.appendBase64(of: chunk, to: &out) }   // chunks of a multiple of 3 bytes
/// write(frame.suffix)
/// ```
public struct RequestBodyFrame: Sendable, Hashable {
    /// Everything up to and including `"data:<type>;base64,`.
    public var prefix: [UInt8]
    /// The closing quote of the image and everything after it.
    public var suffix: [UInt8]

    /// Bytes read from the image file at a time: a multiple of 3, so the base64 of consecutive chunks joins
    /// without padding in between. 96 KB: the chunk and its base64 stay under the daemon's fixed mmap threshold
    /// (512 KB), so they come from reused heap memory instead of fresh mappings faulted in page by page.
    public static let chunkBytes = 3 << 15

    /// The body's length for an image of `imageByteCount` bytes.
    public func bodyLength(imageByteCount: Int) -> Int {
        prefix.count + Base64.encodedCount(of: imageByteCount) + suffix.count
    }

    /// Appends the base64 of `chunk` to `output`; every chunk but a file's last must be a multiple of 3 bytes.
    public static func appendBase64(of chunk: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        let start = output.count
        let count = Base64.encodedCount(of: chunk.count)
        output.append(contentsOf: repeatElement(0, count: count))
        output.withUnsafeMutableBufferPointer { buffer in
            Base64.encode(
                chunk.bindMemory(to: UInt8.self), into: UnsafeMutableBufferPointer(rebasing: buffer[start..<start + count]))
        }
    }
}
