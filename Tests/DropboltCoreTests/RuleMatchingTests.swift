import DropboltCore
import Testing

@Suite struct RuleMatchingTests {
    static let watch = "/srv/inbox"

    struct Case: Sendable, CustomStringConvertible {
        var match: [String]
        var exclude: [String] = []
        var recursive = true
        var path: String
        var expected: RuleMatch
        var description: String { "\(match) \(exclude) \(path)" }
    }

    static let cases: [Case] = [
        Case(match: ["*.jpg"], path: "/srv/inbox/a.jpg", expected: .matched),
        Case(match: ["*.jpg"], path: "/srv/inbox/IMG_0001.JPG", expected: .matched),
        Case(match: ["*.JPG"], path: "/srv/inbox/img.jpg", expected: .matched),
        Case(match: ["*.jpg"], path: "/srv/inbox/deep/er/a.jpg", expected: .matched),
        Case(match: ["*.jpg"], path: "/srv/inbox/a.png", expected: .notMatched("no match glob fits (*.jpg)")),
        Case(match: ["img_????.jpg"], path: "/srv/inbox/IMG_0042.jpg", expected: .matched),
        Case(
            match: ["img_????.jpg"], path: "/srv/inbox/IMG_042.jpg",
            expected: .notMatched("no match glob fits (img_????.jpg)")),
        Case(match: ["[abc]*.png"], path: "/srv/inbox/b1.png", expected: .matched),
        Case(
            match: ["[a-c]*.png"], path: "/srv/inbox/D1.png", expected: .notMatched("no match glob fits ([a-c]*.png)")),
        Case(match: ["[A-C]*.png"], path: "/srv/inbox/b1.png", expected: .matched),
        Case(match: ["[!a]*.png"], path: "/srv/inbox/a1.png", expected: .notMatched("no match glob fits ([!a]*.png)")),
        Case(match: ["[^a]*.png"], path: "/srv/inbox/z1.png", expected: .matched),
        Case(match: ["caf?.jpg"], path: "/srv/inbox/café.jpg", expected: .matched),
        Case(match: ["products/*.jpg"], path: "/srv/inbox/products/a.jpg", expected: .matched),
        Case(
            match: ["products/*.jpg"], path: "/srv/inbox/products/x/a.jpg",
            expected: .notMatched("no match glob fits (products/*.jpg)")),
        Case(match: ["**/*.jpg"], path: "/srv/inbox/a.jpg", expected: .matched),
        Case(match: ["**/*.jpg"], path: "/srv/inbox/x/y/a.jpg", expected: .matched),
        Case(match: ["shop/**/*.jpg"], path: "/srv/inbox/shop/a.jpg", expected: .matched),
        Case(match: ["shop/**/*.jpg"], path: "/srv/inbox/shop/2024/05/a.jpg", expected: .matched),
        Case(
            match: ["shop/**/*.jpg"], path: "/srv/inbox/other/a.jpg",
            expected: .notMatched("no match glob fits (shop/**/*.jpg)")),
        Case(
            match: ["*.jpg"], exclude: ["drafts/**"], path: "/srv/inbox/drafts/a.jpg",
            expected: .notMatched("excluded by drafts/**")),
        Case(
            match: ["*.jpg"], exclude: ["drafts/**"], path: "/srv/inbox/drafts/x/y.jpg",
            expected: .notMatched("excluded by drafts/**")),
        Case(match: ["*.jpg"], exclude: ["drafts/**"], path: "/srv/inbox/final/a.jpg", expected: .matched),
        Case(
            match: ["*.jpg"], exclude: ["*_thumb.jpg"], path: "/srv/inbox/a_THUMB.jpg",
            expected: .notMatched("excluded by *_thumb.jpg")),
        Case(match: ["*.jpg"], recursive: false, path: "/srv/inbox/a.jpg", expected: .matched),
        Case(
            match: ["*.jpg"], recursive: false, path: "/srv/inbox/sub/a.jpg",
            expected: .notMatched("in a subfolder while recursive: false")),
        Case(
            match: ["*.jpg"], path: "/srv/inboxes/a.jpg", expected: .notMatched("outside the watch folder /srv/inbox")),
        Case(match: ["*.jpg"], path: "/srv/a.jpg", expected: .notMatched("outside the watch folder /srv/inbox")),
        Case(match: ["*.jpg"], path: "/srv/inbox/.a.jpg", expected: .notMatched("ignored file (hidden/temp)")),
        Case(match: ["*"], path: "/srv/inbox/.a.jpg.Xy12Zq", expected: .notMatched("ignored file (hidden/temp)")),
        Case(match: ["*"], path: "/srv/inbox/a.jpg.part", expected: .notMatched("ignored file (hidden/temp)")),
        Case(match: ["*"], path: "/srv/inbox/a.jpg.crdownload", expected: .notMatched("ignored file (hidden/temp)")),
        Case(match: ["*"], path: "/srv/inbox/~$report.jpg", expected: .notMatched("ignored file (hidden/temp)")),
        Case(match: ["*"], path: "/srv/inbox/Thumbs.db", expected: .notMatched("ignored file (hidden/temp)")),
        Case(match: ["*.jpg"], path: "/srv/inbox/@eaDir/a.jpg", expected: .notMatched("in ignored folder @eaDir")),
        Case(
            match: ["*.jpg"], path: "/srv/inbox/x/.stversions/a.jpg",
            expected: .notMatched("in ignored folder .stversions")),
    ]

    @Test(arguments: cases)
    func globTable(testCase: Case) {
        let rule = Rule(
            name: "shop", watch: Self.watch, recursive: testCase.recursive, match: testCase.match,
            exclude: testCase.exclude, action: .edit, prompt: "x", output: "{stem}.nobg.{format}"
        )
        #expect(rule.match(testCase.path) == testCase.expected)
    }

    @Test func disabledRuleMatchesNothing() {
        let rule = Rule(name: "shop", watch: Self.watch, action: .analyze, enabled: false)
        #expect(rule.match("/srv/inbox/a.jpg") == .notMatched("rule is disabled"))
    }

    @Test func outputNamesAreRecognised() {
        let rule = Rule(
            name: "nobg", watch: Self.watch, action: .edit, prompt: "x", format: .png,
            output: "{stem}.nobg.{format}")
        #expect(rule.isOutputName("a.nobg.png"))
        #expect(rule.isOutputName("IMG_1.NOBG.PNG"))
        #expect(rule.isOutputName("a.b.nobg.png"))
        #expect(!rule.isOutputName("a.png"))
        #expect(!rule.isOutputName("a.nobg.jpg"))
        #expect(!rule.isOutputName(".nobg.png"))
        #expect(rule.match("/srv/inbox/a.nobg.png") == .notMatched("output name of rule nobg"))

        let dated = Rule(name: "cap", watch: Self.watch, action: .analyze, output: "{name}.{rule}.{date}.txt")
        #expect(dated.isOutputName("a.jpg.cap.2025-01-31.txt"))
        #expect(!dated.isOutputName("a.jpg.cap.2025-1-31.txt"))
        #expect(!dated.isOutputName("a.jpg.other.2025-01-31.txt"))

        let withExtension = Rule(name: "x", watch: Self.watch, action: .edit, output: "{stem}-small.{ext}")
        #expect(withExtension.isOutputName("a-small.jpg"))
        #expect(withExtension.isOutputName("a-small."))
        #expect(!withExtension.isOutputName("a-small.j.pg"))
    }

    /// Every name of up to five characters from a small alphabet, against each template read as a regular
    /// expression: the matcher's shortcut for a fixed-length end (`{stem}.txt`) decides as a full search would.
    @Test(arguments: ["{stem}.txt", "{name}.{ext}", "{stem}-{ext}.t", "{ext}.x", "{stem}{stem}.x", "{stem}.{ext}.x"])
    func outputNamesAgreeWithARegularExpression(template: String) throws {
        let rule = Rule(name: "r", watch: Self.watch, action: .analyze, output: template)
        var pattern = ""
        var rest = Substring(template)
        while !rest.isEmpty {
            if rest.hasPrefix("{stem}") || rest.hasPrefix("{name}") {
                pattern += ".+"
                rest = rest.dropFirst(6)
            } else if rest.hasPrefix("{ext}") {
                pattern += "[^.]*"
                rest = rest.dropFirst(5)
            } else {
                pattern += rest.first == "." ? "\\." : String(rest.first!)
                rest = rest.dropFirst()
            }
        }
        let expression = try Regex(pattern)
        var names = [""]
        var checked = 0
        for _ in 1...5 {
            names = names.flatMap { name in ["a", ".", "t", "x", "-"].map { name + $0 } }
            for name in names {
                #expect(rule.isOutputName(name) == (name.wholeMatch(of: expression) != nil), "\(template) \(name)")
                checked += 1
            }
        }
        #expect(checked == 5 + 25 + 125 + 625 + 3125)
    }

    @Test func ruleSetSkipsOutputsOfOtherRulesWatchingTheFolder() {
        let nobg = Rule(
            name: "nobg", watch: Self.watch, action: .edit, prompt: "x", format: .png,
            output: "{stem}.nobg.{format}")
        let caption = Rule(name: "caption", watch: Self.watch, match: ["*.png", "*.jpg"], action: .analyze)
        let elsewhere = Rule(
            name: "elsewhere", watch: "/srv/other", action: .edit, prompt: "x",
            output: "{stem}.small.{format}")
        let ruleSet = RuleSet(rules: [nobg, caption, elsewhere])
        #expect(ruleSet.rules.map(\.name) == ["caption", "elsewhere", "nobg"])

        #expect(ruleSet.ruleNames(matching: "/srv/inbox/a.png") == ["caption", "nobg"])
        #expect(ruleSet.ruleNames(matching: "/srv/inbox/a.nobg.png").isEmpty)
        #expect(ruleSet.isOutput(path: "/srv/inbox/a.nobg.png"))
        // Only rules watching the file's folder count: `.small.jpg` is an output name in /srv/other only.
        #expect(ruleSet.ruleNames(matching: "/srv/inbox/a.small.jpg") == ["caption", "nobg"])
        #expect(!ruleSet.isOutput(path: "/srv/inbox/a.small.jpg"))
        #expect(ruleSet.isOutput(path: "/srv/other/a.small.jpg"))
        #expect(ruleSet.ruleNames(matching: "/srv/inbox/.a.png").isEmpty)
        #expect(ruleSet.takes("/srv/inbox/a.png"))
        #expect(!ruleSet.takes("/srv/inbox/a.nobg.png"))
        #expect(!ruleSet.takes("/srv/inbox/.a.png"))
        #expect(!ruleSet.takes("/srv/elsewhere/a.png"))
    }

    /// Matching reads each rule's compiled form, kept in step when a rule or the set is changed in place.
    @Test func changesToRulesInASetApplyToMatching() {
        var ruleSet = RuleSet(rules: [Rule(name: "caption", watch: Self.watch, recursive: false, action: .analyze)])
        #expect(ruleSet.takes("/srv/inbox/a.png"))
        #expect(!ruleSet.takes("/srv/inbox/sub/a.png"))
        ruleSet.rules[0].recursive = true
        #expect(ruleSet.takes("/srv/inbox/sub/a.png"))
        ruleSet.rules[0].enabled = false
        #expect(!ruleSet.takes("/srv/inbox/a.png"))
        ruleSet.rules.append(Rule(name: "other", watch: "/srv/other", action: .analyze))
        #expect(ruleSet.ruleNames(matching: "/srv/other/a.png") == ["other"])
        ruleSet.rules[1].name = "renamed"
        #expect(ruleSet.ruleNames(matching: "/srv/other/a.png") == ["renamed"])
    }

    @Test func explainGivesOneReasonPerRule() throws {
        let nobg = Rule(
            name: "nobg", watch: Self.watch, exclude: ["drafts/**"], action: .edit, prompt: "x",
            format: .png, output: "{stem}.nobg.{format}", maxSats: 450, dailySats: 3000)
        let caption = Rule(name: "caption", watch: Self.watch, recursive: false, action: .analyze)
        let off = Rule(name: "off", watch: Self.watch, action: .analyze, output: "{stem}.off.txt", enabled: false)
        let other = Rule(name: "other", watch: "/srv/other", action: .analyze)
        let ruleSet = RuleSet(rules: [nobg, caption, off, other])

        let top = ruleSet.explain(path: "/srv/inbox/a.jpg")
        #expect(top.map(\.rule) == ["caption", "nobg", "off", "other"])
        #expect(top.map(\.matched) == [true, true, false, false])
        #expect(top[0].outputPath == "/srv/inbox/a.txt")
        #expect(top[1].outputPath == "/srv/inbox/a.nobg.png")
        #expect(top[1].maxSats == 450)
        #expect(top[1].dailySats == 3000)
        #expect(top[1].reason == nil)
        #expect(top[2].reason == "rule is disabled")
        #expect(top[2].outputPath == nil)
        #expect(top[3].reason == "outside the watch folder /srv/other")

        let draft = ruleSet.explain(path: "/srv/inbox/drafts/a.jpg")
        #expect(draft[0].reason == "in a subfolder while recursive: false")
        #expect(draft[1].reason == "excluded by drafts/**")

        let output = ruleSet.explain(path: "/srv/inbox/a.nobg.png")
        #expect(output[0].reason == "output name of rule nobg")
        #expect(output[1].reason == "output name of rule nobg")

        // A disabled rule's old outputs are still never inputs.
        let oldOutput = ruleSet.explain(path: "/srv/inbox/a.off.txt")
        #expect(oldOutput[1].reason == "no match glob fits (*.jpg, *.jpeg, *.png, *.webp, *.gif, *.heic)")
        #expect(ruleSet.isOutput(path: "/srv/inbox/a.off.txt"))

        let hidden = ruleSet.explain(path: "/srv/inbox/.a.jpg")
        #expect(hidden[0].reason == "ignored file (hidden/temp)")
    }

    @Test func watchFoldersAreDeduplicated() {
        let rules = [
            Rule(name: "a", watch: "/srv/inbox", recursive: false, action: .analyze),
            Rule(name: "b", watch: "/srv/inbox", recursive: true, action: .analyze),
            Rule(name: "c", watch: "/srv/inbox/products", recursive: false, action: .analyze),
            Rule(name: "d", watch: "/srv/inboxes", recursive: false, action: .analyze),
            Rule(name: "e", watch: "/srv/off", action: .analyze, enabled: false),
            Rule(name: "f", watch: "/srv/flat", recursive: false, action: .analyze),
            Rule(name: "g", watch: "/srv/flat/sub", recursive: false, action: .analyze),
        ]
        #expect(
            RuleSet(rules: rules).watchFolders == [
                WatchFolder(path: "/srv/flat", recursive: false),
                WatchFolder(path: "/srv/flat/sub", recursive: false),
                WatchFolder(path: "/srv/inbox", recursive: true),
                WatchFolder(path: "/srv/inboxes", recursive: false),
            ]
        )
    }

    @Test func ignoreListNames() {
        for name in [
            ".hidden.jpg", ".a.jpg.Ab12Cd", "x.TMP", "x.part", "x.crdownload", "x.swp", "~$doc.jpg",
            "thumbs.db", "Thumbs.db", "desktop.ini", ".DS_Store",
        ] {
            #expect(IgnoreList.isIgnoredFileName(name), "\(name)")
        }
        for name in ["a.jpg", "part.jpg", "~a.jpg", "tmp"] {
            #expect(!IgnoreList.isIgnoredFileName(name), "\(name)")
        }
        for name in [".git", "@eaDir", ".stfolder", ".stversions", "__MACOSX", ".Trashes", ".Spotlight-V100"] {
            #expect(IgnoreList.isIgnoredFolderName(name), "\(name)")
        }
        #expect(!IgnoreList.isIgnoredFolderName("photos"))
    }
}
