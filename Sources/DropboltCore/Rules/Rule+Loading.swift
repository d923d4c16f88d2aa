import Foundation

extension Rule {
    private static let ruleKeys = [
        "watch", "recursive", "match", "exclude", "action", "prompt", "format", "aspect_ratio", "model", "output",
        "max_sats", "daily_sats", "on_duplicate", "enabled",
    ]

    /// Loads and validates one rule file.
    ///
    /// | key | type | default |
    /// |---|---|---|
    /// | `watch` | folder, relative to `baseFolder` or absolute; must exist | required |
    /// | `recursive` | true/false | `true` |
    /// | `match` | list of globs | ``defaultMatch`` |
    /// | `exclude` | list of globs | none |
    /// | `action` | `edit` or `analyze` | required |
    /// | `prompt` | text | required for edit |
    /// | `format` | `jpg` `png` `webp` (edit only) | `jpg` |
    /// | `aspect_ratio` | `match_input_image` `1:1` `4:3` `16:9` (edit only) | `match_input_image` |
    /// | `model` | text | provider default |
    /// | `output` | template with `{stem} {name} {ext} {format} {rule} {date}` | see ``defaultOutput(for:)`` |
    /// | `max_sats` | integer > 0 | none |
    /// | `daily_sats` | integer > 0 | none |
    /// | `on_duplicate` | `reuse` `pay` `skip` | `reuse` |
    /// | `enabled` | true/false | `true` |
    ///
    /// The output template must keep the output beside the original (no `/` or `..`) and must not be able to
    /// reproduce an input's name: an edit template needs literal text besides dots and fields (`.nobg`), and an
    /// analyze template's extension must not be one the rule's `match` takes.
    ///
    /// - Parameters:
    ///   - file: the rule file; its stem is the rule's name.
    ///   - baseFolder: the folder a relative `watch` is resolved against (the config file's folder).
    ///   - stateFolder: the daemon's state folder; a rule may not watch it, anything inside it or anything above
    ///     it (the spool and database would become inputs).
    /// - Throws: ``ConfigError`` naming the file, line, column and key of the first problem.
    public static func load(file: String, baseFolder: String, stateFolder: String? = nil) throws(ConfigError) -> Rule {
        let currentDirectory = FileManager.default.currentDirectoryPath
        let file = PathNames.absolute(file, relativeTo: currentDirectory)
        let document = try YAMLDocument.load(file: file)
        return try load(
            document, baseFolder: PathNames.absolute(baseFolder, relativeTo: currentDirectory), stateFolder: stateFolder)
    }

    /// Validates rule text as if it had been read from `file`, without reading the file.
    ///
    /// Does exactly what ``load(file:baseFolder:)`` does after reading: the rule is named after the stem of
    /// `file`, and `watch` must still name an existing folder. For the fuzz targets in `Fuzz/` and for callers
    /// that already hold the text.
    ///
    /// ```swift
    /// let rule = try Rule.load(text: "watch: inbox\naction: analyze\n", file: "rules/captions.yaml", baseFolder: ".")
    /// ```
    ///
    /// - Parameters:
    ///   - text: the YAML text.
    ///   - file: the rule file the text stands for; its stem is the rule's name, and errors name it.
    ///   - baseFolder: the folder a relative `watch` is resolved against (the config file's folder).
    /// - Throws: ``ConfigError`` naming the file, line, column and key of the first problem.
    public static func load(text: String, file: String, baseFolder: String) throws(ConfigError) -> Rule {
        let currentDirectory = FileManager.default.currentDirectoryPath
        let file = PathNames.absolute(file, relativeTo: currentDirectory)
        let document = try YAMLDocument.parse(text, file: file)
        return try load(document, baseFolder: PathNames.absolute(baseFolder, relativeTo: currentDirectory))
    }

    private static func load(
        _ document: YAMLDocument, baseFolder: String, stateFolder: String? = nil
    ) throws(ConfigError) -> Rule {
        let file = document.file
        let mapping = try MappingReader(document.root, in: document, path: "", allowedKeys: ruleKeys)
        let name = PathNames.splitExtension(PathNames.baseName(of: file)).stem

        try mapping.require("watch", "name the folder to watch, e.g. watch: inbox/products")
        try mapping.require("action", "use one of: edit, analyze")
        let action: RuleAction = try mapping.choice("action")!
        let watch = try watchFolder(mapping, baseFolder: baseFolder)
        if let stateFolder, let overlap = WatchRoot.overlap(watch: watch, stateFolder: stateFolder) {
            throw mapping.invalid("watch", overlap)
        }

        var rule = Rule(name: name, sourceFile: file, watch: watch, action: action)
        rule.recursive = try mapping.bool("recursive") ?? true
        rule.match = try globs(mapping, "match") ?? Rule.defaultMatch
        rule.exclude = try globs(mapping, "exclude") ?? []
        guard !rule.match.isEmpty else { throw mapping.invalid("match", "needs at least one pattern") }

        rule.prompt = try mapping.string("prompt")
        switch action {
        case .edit:
            guard let prompt = rule.prompt else {
                throw .missingKey(
                    mapping.location, key: "prompt",
                    message: "required key is missing; an edit rule needs a prompt")
            }
            guard !prompt.allSatisfy(\.isWhitespace) else {
                throw mapping.invalid("prompt", "an edit rule needs a non-empty prompt")
            }
            rule.format = try mapping.choice("format") ?? .jpg
            rule.aspectRatio = try mapping.choice("aspect_ratio") ?? .matchInputImage
        case .analyze:
            for key in ["format", "aspect_ratio"] where mapping.keyLocation(key) != nil {
                throw .inapplicableKey(
                    mapping.keyLocation(key)!, key: key,
                    message: "only applies to edit rules; remove it or use action: edit")
            }
        }
        rule.model = try mapping.string("model")
        if let model = rule.model, model.isEmpty { rule.model = nil }
        rule.maxSats = try mapping.sats("max_sats", atLeast: 1)
        rule.dailySats = try mapping.sats("daily_sats", atLeast: 1)
        rule.onDuplicate = try mapping.choice("on_duplicate") ?? .reuse
        rule.enabled = try mapping.bool("enabled") ?? true
        if let output = try mapping.string("output") {
            rule.output = output
        }
        try checkTemplate(of: rule, in: mapping)
        return rule
    }

    private static func watchFolder(_ mapping: MappingReader, baseFolder: String) throws(ConfigError) -> String {
        let text = try mapping.string("watch") ?? ""
        guard !text.isEmpty else { throw mapping.invalid("watch", "must name a folder") }
        let home = DropboltConfiguration.homeFolder(environment: ProcessInfo.processInfo.environment)
        let folder = PathNames.absolute(text, relativeTo: baseFolder, home: home)
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder)
        guard exists, isFolder.boolValue else {
            let location = mapping.valueLocation("watch") ?? mapping.location
            let problem = exists ? "is not a folder" : "does not exist"
            throw .missingFolder(location, key: "watch", message: "the folder \(folder) \(problem)")
        }
        return folder
    }

    private static func globs(_ mapping: MappingReader, _ key: String) throws(ConfigError) -> [String]? {
        guard let items = try mapping.stringList(key) else { return nil }
        for item in items {
            do throws(GlobPattern.SyntaxError) {
                _ = try GlobPattern(item.text)
            } catch {
                throw .badGlob(
                    mapping.document.location(of: item.node), key: key,
                    message: "bad pattern '\(item.text)': \(error.message)")
            }
        }
        return items.map(\.text)
    }

    private static func checkTemplate(of rule: Rule, in mapping: MappingReader) throws(ConfigError) {
        let location = mapping.valueLocation("output") ?? mapping.location
        func problem(_ message: String) -> ConfigError {
            .badTemplate(location, key: "output", message: message)
        }
        let template: OutputTemplate
        do throws(OutputTemplate.Problem) {
            template = try OutputTemplate(rule.output)
        } catch {
            throw problem(error.message)
        }
        switch rule.action {
        case .edit:
            guard !template.distinguishingText.isEmpty else {
                throw problem(
                    "'\(rule.output)' could reproduce the input's own name; add some text, e.g. {stem}.nobg.{format}"
                )
            }
        case .analyze:
            guard let ext = template.fixedExtension(format: rule.formatField, rule: rule.name) else {
                throw problem("'\(rule.output)' needs a fixed file extension, e.g. {stem}.txt")
            }
            let sample = [UInt8](lowercasedUTF8: "output." + ext)[...]
            if rule.compiled.matchPatterns.contains(where: { $0.matches(sample) }) {
                throw problem(
                    "outputs ending in .\(ext) are matched by this rule's match patterns and would be taken "
                        + "as new inputs; use another extension, e.g. {stem}.txt"
                )
            }
        }
    }
}
