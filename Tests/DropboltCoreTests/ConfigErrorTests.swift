import DropboltCore
import DropboltTesting
import Testing

/// One test per kind of problem, each checking the exact `file:line:column` users will see.
@Suite struct ConfigErrorTests {
    @Test func yamlSyntaxErrorHasItsLineAndColumn() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError("workers: 2\nhttp: a: b\n", in: folder)
        #expect(error.shortDescription == "syntax")
        #expect(error.key == nil)
        #expect(error.description.hasPrefix("\(folder.path)/dropbolt.yaml:2:8: "))
    }

    @Test func unknownTopLevelKeySuggestsTheKnownOne() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError("workers: 2\nworkrs: 3\n", in: folder)
        #expect(error.shortDescription == "unknownKey")
        #expect(error.description == "\(folder.path)/dropbolt.yaml:2:1: workrs: unknown key; did you mean 'workers'?")
    }

    @Test func unknownKeyFarFromAnyKnownOneListsTheKnownKeys() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError("colour: blue\n", in: folder)
        #expect(error.description.hasPrefix("\(folder.path)/dropbolt.yaml:1:1: colour: unknown key; known keys: "))
    }

    @Test func unknownNestedKeyHasItsDottedPath() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError("workers: 2\nbudget:\n  daily_sat: 5\n", in: folder)
        #expect(error.shortDescription == "unknownKey")
        #expect(error.key == "budget.daily_sat")
        #expect(
            error.description
                == "\(folder.path)/dropbolt.yaml:3:3: budget.daily_sat: unknown key; did you mean 'daily_sats'?"
        )
    }

    @Test func anUnknownWalletNetworkIsNamedAtItsLine() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        _ = try folder.write("key", contents: "k")
        let error = try configError(
            "wallet:\n  kind: lnbits\n  url: https://lnbits.example\n  key_file: key\n  network: liquid\n", in: folder)
        #expect(error.key == "wallet.network")
        #expect(error.description.hasPrefix("\(folder.path)/dropbolt.yaml:5:"), "\(error)")
        #expect(error.description.contains("'liquid' is not a network; use bitcoin, testnet, signet or regtest"))
    }

    @Test func theCommandWalletNeedsALookupAndOtherWalletsRunNoPrograms() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        _ = try folder.write("key", contents: "k")
        let noLookup = try configError("wallet:\n  kind: command\n  command: [/usr/local/bin/pay]\n", in: folder)
        #expect(noLookup.key == "wallet.lookup_command", "\(noLookup)")
        #expect(noLookup.description.contains("looks a payment up by its hash"), "\(noLookup)")
        let stray = try configError(
            "wallet:\n  kind: lnbits\n  url: https://lnbits.example\n  key_file: key\n  balance_command: [/bin/true]\n",
            in: folder)
        #expect(stray.key == "wallet.balance_command", "\(stray)")
        #expect(stray.description.contains("only the command wallet runs programs"), "\(stray)")
        let empty = try configError("wallet:\n  kind: command\n  command: []\n  lookup_command: [/bin/true]\n", in: folder)
        #expect(empty.key == "wallet.command", "\(empty)")
    }

    @Test func wrongTypeIsReportedAtTheValue() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError("provider:\n  timeout_seconds: soon\n", in: folder)
        #expect(error.shortDescription == "wrongType")
        #expect(error.description.hasPrefix("\(folder.path)/dropbolt.yaml:2:20: provider.timeout_seconds: must be"))
    }

    @Test func invalidEnumValueListsTheAllowedValues() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError("wallet:\n  kind: paypal\n", in: folder)
        #expect(error.shortDescription == "invalidValue")
        #expect(
            error.description == "\(folder.path)/dropbolt.yaml:2:9: wallet.kind: 'paypal' is not allowed; "
                + "use one of: lnbits, lnd, cln, phoenixd, nwc, command, none"
        )
    }

    @Test func invalidEnumValueInARule() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try ruleError("watch: inbox\naction: paint\n", in: folder)
        #expect(error.shortDescription == "invalidValue")
        #expect(
            error.description
                == "\(folder.path)/rules/products.yaml:2:9: action: 'paint' is not allowed; use one of: edit, analyze"
        )
    }

    @Test func outOfRangeNumberNamesTheRange() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError("settle_seconds: 1\nworkers: 40\n", in: folder)
        #expect(error.shortDescription == "invalidValue")
        #expect(
            error.description
                == "\(folder.path)/dropbolt.yaml:2:10: workers: 40 is out of range; must be between 1 and 16"
        )
    }

    @Test func negativeSatsInARuleAreOutOfRange() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try ruleError("watch: inbox\naction: analyze\nmax_sats: 0\n", in: folder)
        #expect(error.description.hasPrefix("\(folder.path)/rules/products.yaml:3:11: max_sats: 0 is out of range"))
    }

    @Test func missingKeyIsReportedAtTheEnclosingMapping() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError("workers: 2\nwallet:\n  url: https://lnbits.example\n", in: folder)
        #expect(error.shortDescription == "missingKey")
        #expect(error.description.hasPrefix("\(folder.path)/dropbolt.yaml:3:3: wallet.kind: required key is missing"))
    }

    @Test func missingPromptForAnEditRule() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try ruleError("watch: inbox\naction: edit\n", in: folder)
        #expect(error.shortDescription == "missingKey")
        #expect(error.description.hasPrefix("\(folder.path)/rules/products.yaml:1:1: prompt: required key is missing"))
    }

    @Test func duplicateKeyIsReportedAtTheSecondOccurrence() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError("workers: 2\nhttp: 127.0.0.1:8402\nworkers: 3\n", in: folder)
        #expect(error.shortDescription == "duplicateKey")
        #expect(error.description.hasPrefix("\(folder.path)/dropbolt.yaml:3:1: workers: "))
    }

    @Test func duplicateNestedKeyIsReportedAtTheSecondOccurrence() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError("budget:\n  daily_sats: 5\n  # again\n\n  daily_sats: 6\n", in: folder)
        #expect(error.shortDescription == "duplicateKey")
        #expect(error.description.hasPrefix("\(folder.path)/dropbolt.yaml:5:3: daily_sats: "))
    }

    @Test func plainHTTPToAnotherMachineIsUnsafe() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError("provider:\n  url: http://sats4ai.com\n", in: folder)
        #expect(error.shortDescription == "unsafeURL")
        #expect(
            error.description.hasPrefix("\(folder.path)/dropbolt.yaml:2:8: provider.url: 'http://sats4ai.com' uses"))
    }

    @Test func plainHTTPToAWalletOnTheLANIsUnsafe() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let yaml = "wallet:\n  kind: lnbits\n  url: http://192.168.1.5:5000\n  key_env: LNBITS_KEY\n"
        let error = try configError(yaml, in: folder)
        #expect(error.shortDescription == "unsafeURL")
        #expect(error.description.hasPrefix("\(folder.path)/dropbolt.yaml:3:8: wallet.url: "))
    }

    @Test func inlineSecretPointsToKeyFileAndKeyEnv() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let yaml = "wallet:\n  kind: lnbits\n  url: https://lnbits.example\n  key: 0123abcd\n"
        let error = try configError(yaml, in: folder)
        #expect(error.shortDescription == "inlineSecret")
        #expect(error.description.hasPrefix("\(folder.path)/dropbolt.yaml:4:3: wallet.key: "))
        #expect(error.message.contains("key_file"))
        #expect(error.message.contains("key_env"))
    }

    @Test func inlineMacaroonPointsToMacaroonFile() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError("wallet:\n  kind: lnd\n  macaroon: 0201036c6e64\n", in: folder)
        #expect(error.shortDescription == "inlineSecret")
        #expect(error.description.hasPrefix("\(folder.path)/dropbolt.yaml:3:3: wallet.macaroon: "))
        #expect(error.message.contains("macaroon_file"))
    }

    @Test func unknownTemplateFieldIsABadTemplate() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let yaml = "watch: inbox\naction: edit\nprompt: Remove the background\noutput: \"{stem}.{size}.jpg\"\n"
        let error = try ruleError(yaml, in: folder)
        #expect(error.shortDescription == "badTemplate")
        #expect(error.description.hasPrefix("\(folder.path)/rules/products.yaml:4:9: output: unknown field '{size}'"))
    }

    @Test func unbalancedBraceIsABadTemplate() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let yaml = "watch: inbox\naction: edit\nprompt: x\noutput: \"{stem.nobg.jpg\"\n"
        let error = try ruleError(yaml, in: folder)
        #expect(error.shortDescription == "badTemplate")
        #expect(error.description.hasPrefix("\(folder.path)/rules/products.yaml:4:9: output: "))
    }

    @Test(arguments: ["out/{stem}.nobg.{format}", "../{stem}.nobg.{format}", "{stem}..nobg.{format}"])
    func templateThatLeavesTheFolderIsRefused(template: String) throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let yaml = "watch: inbox\naction: edit\nprompt: x\noutput: \"\(template)\"\n"
        let error = try ruleError(yaml, in: folder)
        #expect(error.shortDescription == "badTemplate")
        #expect(error.description.hasPrefix("\(folder.path)/rules/products.yaml:4:9: output: "))
        #expect(error.message.contains("beside the original"))
    }

    @Test(arguments: ["\"{stem}.{format}\"", "\"{name}\"", "\"{stem}.{ext}\""])
    func editTemplateWithoutDistinguishingTextIsRefused(template: String) throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let yaml = "watch: inbox\naction: edit\nprompt: x\noutput: \(template)\n"
        let error = try ruleError(yaml, in: folder)
        #expect(error.shortDescription == "badTemplate")
        #expect(error.description.hasPrefix("\(folder.path)/rules/products.yaml:4:9: output: "))
        #expect(error.message.contains("reproduce"))
    }

    @Test func analyzeTemplateWithAMatchedExtensionIsRefused() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let yaml = "watch: inbox\naction: analyze\noutput: \"{stem}.caption.jpg\"\n"
        let error = try ruleError(yaml, in: folder)
        #expect(error.shortDescription == "badTemplate")
        #expect(error.description.hasPrefix("\(folder.path)/rules/products.yaml:3:9: output: outputs ending in .jpg"))
    }

    @Test(arguments: ["format: png", "aspect_ratio: \"16:9\""])
    func editOptionOnAnAnalyzeRuleIsRefused(line: String) throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let yaml = "watch: inbox\naction: analyze\n\(line)\n"
        let error = try ruleError(yaml, in: folder)
        #expect(error.shortDescription == "inapplicableKey")
        let key = String(line.prefix { $0 != ":" })
        #expect(
            error.description == "\(folder.path)/rules/products.yaml:3:1: \(key): only applies to edit rules; "
                + "remove it or use action: edit"
        )
    }

    @Test func unclosedBracketInAGlobIsReportedAtThePattern() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let yaml = "watch: inbox\naction: analyze\nmatch:\n  - \"*.jpg\"\n  - \"[abc.png\"\n"
        let error = try ruleError(yaml, in: folder)
        #expect(error.shortDescription == "badGlob")
        #expect(error.description.hasPrefix("\(folder.path)/rules/products.yaml:5:5: match: bad pattern '[abc.png'"))
    }

    @Test func missingWatchFolderIsReportedAtTheValue() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try ruleError("action: analyze\nwatch: inbox/nowhere\n", in: folder)
        #expect(error.shortDescription == "missingFolder")
        #expect(
            error.description == "\(folder.path)/rules/products.yaml:2:8: watch: the folder "
                + "\(folder.path)/inbox/nowhere does not exist"
        )
    }

    @Test(arguments: ["", "\n\n", "# nothing yet\n", "~\n"])
    func emptyFileIsAnError(contents: String) throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError(contents, in: folder)
        #expect(error.shortDescription == "empty")
        #expect(error.description.hasPrefix("\(folder.path)/dropbolt.yaml:1:1: "))
    }

    @Test func missingFileIsUnreadable() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try #require(throws: ConfigError.self) {
            _ = try DropboltConfiguration.load(path: folder.url("nope.yaml"), environment: [:])
        }
        #expect(error.shortDescription == "unreadable")
        #expect(error.description == "\(folder.path)/nope.yaml:1:1: no such file")
    }

    @Test func topLevelListIsTheWrongType() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError("- workers\n", in: folder)
        #expect(error.shortDescription == "wrongType")
        #expect(error.description.hasPrefix("\(folder.path)/dropbolt.yaml:1:1: must be a mapping"))
    }

    @Test func badListenAddressIsAnInvalidValue() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError("http: 127.0.0.1:99999\n", in: folder)
        #expect(error.shortDescription == "invalidValue")
        #expect(error.description.hasPrefix("\(folder.path)/dropbolt.yaml:1:7: http: '99999' is not a port"))
    }

    /// Found by fuzzing the loaders (`Fuzz/`): eight anchors of ten aliases each, and an alias of the last one as
    /// a key, made Yams hash 10^9 nodes while composing, so loading never finished. Now refused up front.
    @Test func nestedAliasesAreRefusedBeforeYamsExpandsThem() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        for level in 1...8 {
            let aliases = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            lines.append("a\(level): &a\(level) [\(aliases)]")
        }
        let yaml = lines.joined(separator: "\n") + "\n? *a8\n: 1\n"

        let error = try configError(yaml, in: folder)
        #expect(error.shortDescription == "syntax")
        #expect(
            error.description.hasPrefix(
                "\(folder.path)/dropbolt.yaml:2:10: YAML anchors and aliases (&name, *name) are not allowed"))
        let rule = try ruleError(yaml, in: folder)
        #expect(rule.shortDescription == "syntax")
        #expect(rule.description.hasPrefix("\(folder.path)/rules/products.yaml:2:10: YAML anchors and aliases"))
    }

    @Test func ampersandsAndAsterisksInTextAreNotTakenForAnchors() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let rule = try loadRule(
            "watch: inbox\naction: edit\nprompt: Keep the R&D logo & make it *pop*\nmatch: [\"*.jpg\"]\n"
                + "output: \"{stem}.nobg.{format}\"\n",
            in: folder)
        #expect(rule.prompt == "Keep the R&D logo & make it *pop*")
        #expect(rule.match == ["*.jpg"])
    }
}
