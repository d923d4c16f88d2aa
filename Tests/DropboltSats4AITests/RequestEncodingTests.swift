import DropboltSats4AI
import Foundation
import Testing

private let pngBytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D]
/// Base64 `/9j/4A==`: slashes that must not be escaped.
private let jpegBytes: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0]

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

@Suite("Request bodies")
struct RequestEncodingTests {
    @Test("image-edit body: every field, sorted keys, no spaces, no escaped slashes")
    func imageEditGolden() throws {
        let request = ImageEditRequest(
            prompt: "Remove the background / make it \"transparent\"\n",
            image: "data:image/png;base64,iVBORw0KGgo=",
            aspectRatio: "1:1",
            outputFormat: "png",
            modelId: "flux-kontext"
        )
        #expect(
            text(try request.encodedBody())
                == #"{"aspect_ratio":"1:1","image":"data:image/png;base64,iVBORw0KGgo=","modelId":"flux-kontext","#
                + #""output_format":"png","prompt":"Remove the background / make it \"transparent\"\n"}"#)
    }

    @Test("image-edit body from JPEG bytes: a data: URL with the detected type; nil and empty options left out")
    func imageEditFromBytes() throws {
        let request = try ImageEditRequest(prompt: "Sharpen", imageBytes: jpegBytes, aspectRatio: "", outputFormat: nil)
        #expect(request.image == "data:image/jpeg;base64,/9j/4A==")
        #expect(text(try request.encodedBody()) == #"{"image":"data:image/jpeg;base64,/9j/4A==","prompt":"Sharpen"}"#)
    }

    @Test("analyze-image body, with and without a prompt")
    func analyzeGolden() throws {
        let bare = try AnalyzeImageRequest(imageBytes: pngBytes)
        #expect(text(try bare.encodedBody()) == #"{"image":"data:image/png;base64,iVBORw0KGgoAAAAN"}"#)

        let full = try AnalyzeImageRequest(imageBytes: pngBytes, prompt: "What's in this image?", modelId: "7")
        #expect(
            text(try full.encodedBody())
                == #"{"image":"data:image/png;base64,iVBORw0KGgoAAAAN","modelId":"7","prompt":"What's in this image?"}"#
        )
    }

    @Test("strings: non-ASCII kept as UTF-8, control characters escaped, nothing else")
    func escaping() throws {
        let request = AnalyzeImageRequest(image: "aGk=", prompt: "café — ✓ 🙂\t\u{01}\u{1F}\\/<>&'\r\u{08}\u{0C}")
        let expected = #"{"image":"aGk=","prompt":"café — ✓ 🙂\t\u0001\u001f\\/<>&'\r\b\f"}"#
        #expect(try request.encodedBody() == Array(expected.utf8))
    }

    @Test("the same request always encodes to the same bytes, which decode back to the fields")
    func deterministic() throws {
        let bytes = Array((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let request = try ImageEditRequest(
            prompt: "Make it 16:9 — please", imageBytes: [0xFF, 0xD8, 0xFF] + bytes, aspectRatio: "16:9",
            outputFormat: "webp", modelId: "m")
        let first = try request.encodedBody()
        let copy = request
        for _ in 0..<10 { #expect(try copy.encodedBody() == first) }

        let decoded = try JSONDecoder().decode([String: String].self, from: Data(first))
        #expect(decoded["prompt"] == request.prompt)
        #expect(decoded["image"] == request.image)
        #expect(decoded["aspect_ratio"] == "16:9")
        #expect(decoded["output_format"] == "webp")
        #expect(decoded["modelId"] == "m")
        let base64 = try #require(request.image.split(separator: ",").last)
        #expect(Data(base64Encoded: String(base64)) == Data([0xFF, 0xD8, 0xFF] + bytes))
        #expect(!text(first).contains(": ") && !text(first).contains(", "))
        #expect(!text(first).contains(#"\/"#))
    }

    @Test("an edit needs a prompt and an image")
    func emptyFields() {
        var error = #expect(throws: Sats4AIError.self) {
            try ImageEditRequest(prompt: "", image: "aGk=").encodedBody()
        }
        #expect(error?.shortDescription == "emptyPrompt")
        error = #expect(throws: Sats4AIError.self) { try ImageEditRequest(prompt: "x", image: "").encodedBody() }
        #expect(error?.shortDescription == "emptyImage")
        error = #expect(throws: Sats4AIError.self) { try AnalyzeImageRequest(image: "").encodedBody() }
        #expect(error?.shortDescription == "emptyImage")
    }

    @Test("a corrupt or empty image fails that request only")
    func badImages() {
        var error = #expect(throws: Sats4AIError.self) {
            try ImageEditRequest(prompt: "x", imageBytes: Array("not an image".utf8))
        }
        #expect(error?.shortDescription == "unknownImageType")
        error = #expect(throws: Sats4AIError.self) { try AnalyzeImageRequest(imageBytes: []) }
        #expect(error?.shortDescription == "emptyImage")
    }
}
