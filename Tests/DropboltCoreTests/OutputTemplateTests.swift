import DropboltCore
import DropboltTesting
import Foundation
import Testing

@Suite struct OutputTemplateTests {
    /// Noon on 2025-03-07 in the local time zone, so `{date}` is that day wherever the test runs.
    static let date: Date = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        return calendar.date(from: DateComponents(year: 2025, month: 3, day: 7, hour: 12))!
    }()

    @Test(arguments: [
        ("{stem}.x.{format}", "/in/IMG_1.test.JPG", "/in/IMG_1.test.x.png"),
        ("{name}.x", "/in/IMG_1.test.JPG", "/in/IMG_1.test.JPG.x"),
        ("{stem}-{ext}.x.{format}", "/in/a.JPG", "/in/a-JPG.x.png"),
        ("{stem}.{rule}.{format}", "/in/a.jpg", "/in/a.shop.png"),
        ("{date}_{stem}.x.{format}", "/in/a.jpg", "/in/2025-03-07_a.x.png"),
        ("{stem}.x.{format}", "/in/noext", "/in/noext.x.png"),
        ("{stem}.x.{format}", "/a.jpg", "/a.x.png"),
    ])
    func editFieldsRender(template: String, input: String, expected: String) {
        let rule = Rule(name: "shop", watch: "/in", action: .edit, prompt: "x", format: .png, output: template)
        #expect(rule.outputPath(forInput: input, date: Self.date) == expected)
    }

    @Test func analyzeFormatIsTxt() {
        let rule = Rule(name: "cap", watch: "/in", action: .analyze, output: "{stem}.{rule}.{format}")
        #expect(rule.outputPath(forInput: "/in/sub/a.jpg", date: Self.date) == "/in/sub/a.cap.txt")
        let byDefault = Rule(name: "cap", watch: "/in", action: .analyze)
        #expect(byDefault.outputPath(forInput: "/in/sub/a.jpg", date: Self.date) == "/in/sub/a.txt")
    }

    @Test func defaultsFollowTheAction() {
        let edit = Rule(name: "e", watch: "/in", action: .edit, prompt: "x")
        #expect(edit.output == "{stem}.edited.{format}")
        #expect(edit.format == .jpg)
        #expect(edit.aspectRatio == .matchInputImage)
        #expect(edit.outputPath(forInput: "/in/a.png", date: Self.date) == "/in/a.edited.jpg")
        let analyze = Rule(name: "a", watch: "/in", action: .analyze)
        #expect(analyze.format == nil)
        #expect(analyze.aspectRatio == nil)
    }

    @Test func outputStaysInTheOriginalsFolder() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let rule = try loadRule("watch: inbox\naction: edit\nprompt: x\noutput: \"{name}.nobg.{format}\"\n", in: folder)
        // Even an input name that looks like a path component cannot move the output.
        let input = folder.url("inbox/deep/..jpg")
        #expect(rule.outputPath(forInput: input, date: Self.date) == folder.url("inbox/deep/..jpg.nobg.jpg"))
        #expect(rule.outputPath(forInput: folder.url("inbox/a.jpg"), date: Self.date).hasPrefix(folder.url("inbox/")))
    }

    @Test func changingTheTemplateRecompilesIt() {
        var rule = Rule(name: "r", watch: "/in", action: .edit, prompt: "x", output: "{stem}.a.{format}")
        #expect(rule.isOutputName("p.a.jpg"))
        rule.output = "{stem}.b.{format}"
        #expect(!rule.isOutputName("p.a.jpg"))
        #expect(rule.isOutputName("p.b.jpg"))
        rule.format = .webp
        #expect(rule.outputPath(forInput: "/in/p.jpg", date: Self.date) == "/in/p.b.webp")
    }
}
