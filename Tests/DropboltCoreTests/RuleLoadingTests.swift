import DropboltCore
import DropboltTesting
import Testing

@Suite struct RuleLoadingTests {
    @Test func fullRuleFileLoads() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.makeFolder("inbox/products")
        let yaml = """
            watch: inbox/products
            recursive: false
            match: ["*.jpg", "*.png"]
            exclude: ["drafts/**"]
            action: edit
            prompt: Remove the background and make it transparent
            format: png
            aspect_ratio: 1:1
            model: null
            output: "{stem}.nobg.{format}"
            max_sats: 450
            daily_sats: 3000
            on_duplicate: skip
            enabled: false
            """
        let rule = try loadRule(yaml, in: folder)
        #expect(rule.name == "products")
        #expect(rule.sourceFile == folder.url("rules/products.yaml"))
        #expect(rule.watch == folder.url("inbox/products"))
        #expect(rule.recursive == false)
        #expect(rule.match == ["*.jpg", "*.png"])
        #expect(rule.exclude == ["drafts/**"])
        #expect(rule.action == .edit)
        #expect(rule.prompt == "Remove the background and make it transparent")
        #expect(rule.format == .png)
        #expect(rule.aspectRatio == .square)
        #expect(rule.model == nil)
        #expect(rule.output == "{stem}.nobg.{format}")
        #expect(rule.maxSats == 450)
        #expect(rule.dailySats == 3000)
        #expect(rule.onDuplicate == .skip)
        #expect(rule.enabled == false)
    }

    @Test func minimalAnalyzeRuleGetsDefaults() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let rule = try loadRule("watch: inbox/\naction: analyze\n", in: folder, name: "captions")
        #expect(rule.name == "captions")
        #expect(rule.watch == folder.url("inbox"))
        #expect(rule.recursive)
        #expect(rule.match == Rule.defaultMatch)
        #expect(rule.exclude.isEmpty)
        #expect(rule.prompt == nil)
        #expect(rule.format == nil)
        #expect(rule.output == "{stem}.txt")
        #expect(rule.onDuplicate == .reuse)
        #expect(rule.enabled)
    }

    @Test func folderWithTwoGoodRulesAndOneBrokenOne() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.makeFolder("inbox")
        try folder.write("rules/b.yaml", contents: "watch: inbox\naction: analyze\n")
        try folder.write("rules/a.yml", contents: "watch: inbox\naction: edit\nprompt: x\n")
        try folder.write("rules/broken.yaml", contents: "watch: inbox\naction: analyze\nmax_sat: 5\n")
        try folder.write("rules/.hidden.yaml", contents: "nonsense: [")
        try folder.write("rules/notes.txt", contents: "not a rule")
        let ruleSet = RuleSet.load(folder: folder.url("rules"), baseFolder: folder.path)
        #expect(ruleSet.rules.map(\.name) == ["a", "b"])
        try #require(ruleSet.problems.count == 1)
        #expect(ruleSet.problems[0].file == folder.url("rules/broken.yaml"))
        #expect(
            ruleSet.problems[0].description
                == "\(folder.path)/rules/broken.yaml:3:1: max_sat: unknown key; did you mean 'max_sats'?"
        )
    }

    @Test func twoFilesWithOneStemAreBothRefused() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.makeFolder("inbox")
        try folder.write("rules/a.yaml", contents: "watch: inbox\naction: analyze\n")
        try folder.write("rules/a.yml", contents: "watch: inbox\naction: analyze\n")
        try folder.write("rules/b.yaml", contents: "watch: inbox\naction: analyze\n")
        let ruleSet = RuleSet.load(folder: folder.url("rules"), baseFolder: folder.path)
        #expect(ruleSet.rules.map(\.name) == ["b"])
        #expect(ruleSet.problems.map(\.file) == [folder.url("rules/a.yaml"), folder.url("rules/a.yml")])
        #expect(ruleSet.problems.allSatisfy { $0.error.shortDescription == "duplicateRule" })
    }

    @Test func missingRulesFolderIsOneProblem() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let ruleSet = RuleSet.load(folder: folder.url("rules"), baseFolder: folder.path)
        #expect(ruleSet.rules.isEmpty)
        #expect(ruleSet.problems.map(\.file) == [folder.url("rules")])
        #expect(ruleSet.problems.first?.error.shortDescription == "unreadable")
    }
}
