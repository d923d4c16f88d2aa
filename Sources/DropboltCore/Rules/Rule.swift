/// One rule file: which images to pick up in a folder, what to ask the provider, and where the result goes.
///
/// A rule's name is its file's stem (`rules/products.yaml` → `products`). Load rules with
/// ``load(file:baseFolder:)``, which validates everything and reports the position of the first problem;
/// usually through ``RuleSet/load(folder:baseFolder:)``.
/// ```swift
/// let rule = try Rule.load(file: "/srv/dropbolt/rules/products.yaml", baseFolder: "/srv/dropbolt")
/// if rule.match("/srv/inbox/products/IMG_0001.JPG") == .matched {
///     let output = rule.outputPath(forInput: "/srv/inbox/products/IMG_0001.JPG", date: .now)
/// }
/// ```
/// Globs and the output template are compiled when a property changes, so matching stays cheap.
public struct Rule: Sendable {
    /// The patterns used when a rule has no `match` key.
    public static let defaultMatch = ["*.jpg", "*.jpeg", "*.png", "*.webp", "*.gif", "*.heic"]

    /// The rule's name: its file's stem.
    public var name: String { didSet { compile() } }
    /// Absolute path of the rule file (empty for rules built in code).
    public var sourceFile: String
    /// Absolute path of the watched folder, without a trailing slash.
    public var watch: String { didSet { compile() } }
    /// Whether files in subfolders of ``watch`` are inputs too. Default true.
    public var recursive: Bool { didSet { compile() } }
    /// Globs a file must match (any one of them). Default ``defaultMatch``.
    public var match: [String] { didSet { compile() } }
    /// Globs that exclude a file (any one of them). Default none.
    public var exclude: [String] { didSet { compile() } }
    /// What to do with a matched image.
    public var action: RuleAction { didSet { compile() } }
    /// The instruction sent with the image; required for ``RuleAction/edit``, optional for ``RuleAction/analyze``.
    public var prompt: String?
    /// Output format of an edit (default ``ImageFormat/jpg``); nil for analyze rules.
    public var format: ImageFormat? { didSet { compile() } }
    /// Aspect ratio of an edit (default ``AspectRatio/matchInputImage``); nil for analyze rules.
    public var aspectRatio: AspectRatio?
    /// The provider's model id, or nil for its default.
    public var model: String?
    /// Output-name template; default `{stem}.edited.{format}` for edit and `{stem}.txt` for analyze.
    public var output: String { didSet { compile() } }
    /// Most this rule pays for one image, in satoshis; nil means only the global limit applies.
    public var maxSats: Int64?
    /// Most this rule spends per day, in satoshis; nil means only the global limit applies.
    public var dailySats: Int64?
    /// What to do with content this rule has processed before. Default ``DuplicatePolicy/reuse``.
    public var onDuplicate: DuplicatePolicy
    /// Whether the rule is active. A disabled rule matches nothing. Default true.
    public var enabled: Bool { didSet { compile() } }

    /// What matching needs (globs, template, folder prefix, enabled, recursive), shared and immutable so a scan
    /// never copies the rule; rebuilt whenever one of them changes.
    private(set) var compiled: CompiledRule

    /// Creates a rule in code, with the same defaults as a rule file.
    ///
    /// Values are not validated here (``load(file:baseFolder:)`` does that for user files). A pattern that does
    /// not compile makes the rule match nothing; a template that does not parse is used as a literal name.
    public init(
        name: String,
        sourceFile: String = "",
        watch: String,
        recursive: Bool = true,
        match: [String] = Rule.defaultMatch,
        exclude: [String] = [],
        action: RuleAction,
        prompt: String? = nil,
        format: ImageFormat? = nil,
        aspectRatio: AspectRatio? = nil,
        model: String? = nil,
        output: String? = nil,
        maxSats: Int64? = nil,
        dailySats: Int64? = nil,
        onDuplicate: DuplicatePolicy = .reuse,
        enabled: Bool = true
    ) {
        self.name = name
        self.sourceFile = sourceFile
        self.watch = watch
        self.recursive = recursive
        self.match = match
        self.exclude = exclude
        self.action = action
        self.prompt = prompt
        self.format = action == .edit ? (format ?? .jpg) : format
        self.aspectRatio = action == .edit ? (aspectRatio ?? .matchInputImage) : aspectRatio
        self.model = model
        self.output = output ?? Self.defaultOutput(for: action)
        self.maxSats = maxSats
        self.dailySats = dailySats
        self.onDuplicate = onDuplicate
        self.enabled = enabled
        self.compiled = CompiledRule.empty
        compile()
    }

    /// The output template used when a rule file has no `output` key.
    public static func defaultOutput(for action: RuleAction) -> String {
        switch action {
        case .edit: "{stem}.edited.{format}"
        case .analyze: "{stem}.txt"
        }
    }

    /// What `{format}` renders to: the image format for edits, `txt` for analyses.
    var formatField: String {
        switch action {
        case .edit: (format ?? .jpg).rawValue
        case .analyze: "txt"
        }
    }

    private mutating func compile() {
        compiled = CompiledRule(rule: self)
    }
}

/// The parts of a ``Rule`` prepared for fast matching: immutable, and shared by every copy of the rule.
final class CompiledRule: Sendable {
    /// The rule's name.
    let name: String
    let enabled: Bool
    let recursive: Bool
    /// UTF-8 of the watch folder followed by `/`.
    let watchPrefix: [UInt8]
    let matchPatterns: [GlobPattern]
    let excludePatterns: [GlobPattern]
    /// The first pattern that did not compile; such a rule matches nothing.
    let invalidPattern: String?
    let template: OutputTemplate
    let outputNames: OutputNameMatcher

    /// A placeholder until a rule's stored properties are all set.
    static let empty = CompiledRule()

    private init() {
        name = ""
        enabled = false
        recursive = false
        watchPrefix = []
        matchPatterns = []
        excludePatterns = []
        invalidPattern = nil
        template = OutputTemplate(literal: "")
        outputNames = OutputNameMatcher(tokens: [])
    }

    init(rule: Rule) {
        name = rule.name
        enabled = rule.enabled
        recursive = rule.recursive
        let watch = PathNames.normalized(rule.watch)
        watchPrefix = Array((watch == "/" ? "/" : watch + "/").utf8)
        var invalid: String?
        func compiled(_ sources: [String]) -> [GlobPattern] {
            sources.compactMap { source in
                do throws(GlobPattern.SyntaxError) {
                    return try GlobPattern(source)
                } catch {
                    invalid = invalid ?? source
                    return nil
                }
            }
        }
        matchPatterns = compiled(rule.match)
        excludePatterns = compiled(rule.exclude)
        invalidPattern = invalid
        do throws(OutputTemplate.Problem) {
            template = try OutputTemplate(rule.output)
        } catch {
            template = OutputTemplate(literal: rule.output)
        }
        outputNames = template.nameMatcher(format: rule.formatField, rule: rule.name)
    }
}
