import Foundation
import Testing

@testable import DropboltSats4AI

/// Our base64 must be Foundation's to the byte: the body is spooled and re-sent, and sats4ai decodes it.
@Suite struct Base64Tests {
    @Test(arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ])
    func rfc4648Vectors(input: String, expected: String) {
        var output: [UInt8] = []
        Base64.append(Array(input.utf8), to: &output)
        #expect(String(decoding: output, as: UTF8.self) == expected)
    }

    @Test func matchesFoundationForEveryLengthAndByte() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<260 {
            let bytes = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            var output: [UInt8] = [0x41]  // appends after what is there
            Base64.append(bytes, to: &output)
            #expect(Array(output.dropFirst()) == Array(Data(bytes).base64EncodedString().utf8), "length \(length)")
            #expect(output.count == 1 + Base64.encodedCount(of: length))
        }
        let everyByte = Array(0...255).map(UInt8.init)
        var output: [UInt8] = []
        Base64.append(everyByte, to: &output)
        #expect(output == Array(Data(everyByte).base64EncodedString().utf8))
    }

    @Test func bodyFromBytesEqualsBodyFromTheSameDataURLText() throws {
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF] + (0..<10_001).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let fromBytes = try ImageEditRequest(prompt: "Cut out", imageBytes: jpeg, outputFormat: "png")
        let fromText = ImageEditRequest(
            prompt: "Cut out", image: "data:image/jpeg;base64," + Data(jpeg).base64EncodedString(), outputFormat: "png")
        #expect(try fromBytes.encodedBody() == fromText.encodedBody())
        #expect(fromBytes.image == fromText.image)

        let analyzeFromBytes = try AnalyzeImageRequest(imageBytes: jpeg, prompt: "What is it?")
        let analyzeFromText = AnalyzeImageRequest(
            image: "data:image/jpeg;base64," + Data(jpeg).base64EncodedString(), prompt: "What is it?")
        #expect(try analyzeFromBytes.encodedBody() == analyzeFromText.encodedBody())
    }

    @Test func settingTheImageTextReplacesTheBytes() throws {
        var request = try AnalyzeImageRequest(imageBytes: [0xFF, 0xD8, 0xFF, 0xE0])
        request.image = "aGk="
        #expect(String(decoding: try request.encodedBody(), as: UTF8.self) == #"{"image":"aGk="}"#)
    }
}
