import DropboltSats4AI
import Testing

private func body(_ text: String) -> [UInt8] { Array(text.utf8) }
private let pngBytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D]

@Suite("Responses")
struct ResponseTests {
    @Test(
        "base64Image decodes with or without a data: prefix",
        arguments: [
            "data:image/png;base64,iVBORw0KGgoAAAAN",
            "DATA:image/png;BASE64,iVBORw0KGgoAAAAN",
            "iVBORw0KGgoAAAAN",
            #"iVBORw0K\nGgoAAAAN"#,
            #"data:image/png;base64,iVBORw0KGgoAAAAN\r\n"#,
        ])
    func base64Image(value: String) throws {
        let response = try ImageEditResponse(body: body(#"{"imageUrl":"https://x/a.png","base64Image":"\#(value)"}"#))
        #expect(response.imageUrl == "https://x/a.png")
        #expect(try response.decodedImage() == pngBytes)
        #expect(ImageContentType.detect(try #require(try response.decodedImage())) == .png)
    }

    @Test("base64Image in the URL-safe alphabet without padding")
    func urlSafe() throws {
        let response = try ImageEditResponse(body: body(#"{"base64Image":"_9j_4A"}"#))
        #expect(try response.decodedImage() == [0xFF, 0xD8, 0xFF, 0xE0])
        #expect(response.imageUrl == nil)
    }

    @Test("either field may be missing or null; unknown fields are ignored")
    func optionalFields() throws {
        let urlOnly = try ImageEditResponse(
            body: body(#"{"imageUrl":"https://cdn/x.jpg","base64Image":null,"cost":{"sats":300},"requestId":7}"#))
        #expect(urlOnly == ImageEditResponse(imageUrl: "https://cdn/x.jpg", base64Image: nil))
        #expect(try urlOnly.decodedImage() == nil)

        let imageOnly = try ImageEditResponse(body: body(#"{"base64Image":"iVBORw0KGgoAAAAN","extra":[1,2]}"#))
        #expect(imageOnly.imageUrl == nil)
        #expect(try imageOnly.decodedImage() == pngBytes)
    }

    @Test("an image-edit response without any image, or not the documented JSON, is refused")
    func badImageEdit() {
        let cases: [(String, String)] = [
            (#"{}"#, "missingResult"),
            (#"{"imageUrl":"","base64Image":null}"#, "missingResult"),
            (#"{"imageUrl":42}"#, "malformedResponse"),
            (#"["https://x"]"#, "malformedResponse"),
            ("<html>502 Bad Gateway</html>", "malformedResponse"),
            ("", "malformedResponse"),
        ]
        for (text, code) in cases {
            let error = #expect(throws: Sats4AIError.self, "\(text)") { try ImageEditResponse(body: body(text)) }
            #expect(error?.shortDescription == code, "\(text)")
        }
    }

    @Test(
        "a base64Image that does not decode is reported",
        arguments: [
            "data:image/png;base64,%%%%", "data:image/png,iVBORw0K", "data:image/png;base64", "iVBORw0KG",
        ])
    func badBase64(value: String) throws {
        let response = try ImageEditResponse(body: body(#"{"base64Image":"\#(value)"}"#))
        let error = #expect(throws: Sats4AIError.self) { try response.decodedImage() }
        #expect(error?.shortDescription == "badBase64")
    }

    @Test("analyze-image: content, with unknown fields ignored")
    func analyze() throws {
        let response = try AnalyzeImageResponse(
            body: body(#"{"content":"A red bicycle.\nIt leans on a wall.","model":"qwen","usage":{"tokens":12}}"#))
        #expect(response.content == "A red bicycle.\nIt leans on a wall.")
    }

    @Test("analyze-image: missing or odd content is refused")
    func badAnalyze() {
        let cases: [(String, String)] = [
            (#"{"result":"x"}"#, "missingResult"),
            (#"{"content":null}"#, "missingResult"),
            (#"{"content":["x"]}"#, "malformedResponse"),
            ("plain text", "malformedResponse"),
        ]
        for (text, code) in cases {
            let error = #expect(throws: Sats4AIError.self, "\(text)") { try AnalyzeImageResponse(body: body(text)) }
            #expect(error?.shortDescription == code, "\(text)")
        }
    }
}
