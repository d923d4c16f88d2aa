import Foundation

/// Why a rule does not take a file, without building text in the hot path.
enum MatchOutcome: Equatable {
    case matched
    case disabled
    case outsideFolder
    case inSubfolder
    case ignoredFile
    case ignoredFolder(String)
    case outputName(String)
    case invalidPattern(String)
    case noMatchGlob
    case excluded(String)
}

extension Rule {
    /// Whether this rule takes the file at the absolute `path`, and if not, why.
    ///
    /// Checks, in order: enabled, inside ``watch``, not in a subfolder when not ``recursive``, not an ignored
    /// name (``IgnoreList``), not a name this rule's own template produces, a ``match`` glob fits, no
    /// ``exclude`` glob fits. Globs see the path relative to ``watch`` and ignore ASCII case.
    public func match(_ path: String) -> RuleMatch {
        let outcome = matchOutcome(CandidatePath(path))
        return outcome == .matched ? .matched : .notMatched(reason(for: outcome))
    }

    /// The absolute path of the output for the input at `path`: always in the input's folder.
    ///
    /// `{date}` is `date` as `yyyy-MM-dd` in the local time zone.
    public func outputPath(forInput path: String, date: Date) -> String {
        let folder = PathNames.folder(of: path)
        let name = PathNames.baseName(of: path)
        let (stem, ext) = PathNames.splitExtension(name)
        let values = OutputTemplate.Values(
            stem: stem, name: name, ext: ext, format: formatField, rule: self.name, date: Self.localDate(date)
        )
        let outputName = compiled.template.render(values)
        return folder == "/" ? "/" + outputName : folder + "/" + outputName
    }

    /// True when `fileName` (a base name) could have been produced by this rule's output template.
    ///
    /// `{stem}` and `{name}` stand for any text, `{ext}` for any text without a dot, `{date}` for a date;
    /// `{format}` and `{rule}` are this rule's values. Case is ignored.
    public func isOutputName(_ fileName: String) -> Bool {
        compiled.outputNames.matches([UInt8](lowercasedUTF8: fileName)[...])
    }

    /// The matching logic behind ``match(_:)``, without building text.
    func matchOutcome(_ candidate: CandidatePath) -> MatchOutcome { compiled.matchOutcome(candidate) }

    /// The plain-words reason for a non-match.
    func reason(for outcome: MatchOutcome) -> String {
        switch outcome {
        case .matched: return "matched"
        case .disabled: return "rule is disabled"
        case .outsideFolder: return "outside the watch folder \(watch)"
        case .inSubfolder: return "in a subfolder while recursive: false"
        case .ignoredFile: return "ignored file (hidden/temp)"
        case .ignoredFolder(let folder): return "in ignored folder \(folder)"
        case .outputName(let rule): return "output name of rule \(rule)"
        case .invalidPattern(let pattern): return "rule has an invalid pattern \(pattern)"
        case .noMatchGlob: return "no match glob fits (\(match.joined(separator: ", ")))"
        case .excluded(let pattern): return "excluded by \(pattern)"
        }
    }

    private static func localDate(_ date: Date) -> String {
        LocalCalendar.day(of: date).text
    }
}

extension CompiledRule {
    /// True when the file is directly in the watch folder, or anywhere below it for a recursive rule.
    func covers(_ candidate: CandidatePath) -> Bool {
        guard candidate.bytes.count > watchPrefix.count, candidate.bytes.starts(with: watchPrefix) else { return false }
        return recursive || !candidate.bytes[watchPrefix.count...].contains(UInt8(ascii: "/"))
    }

    /// True when a prepared path's base name could have been produced by the rule's output template.
    func isOutputName(of candidate: CandidatePath) -> Bool {
        outputNames.matches(candidate.lowercased[candidate.nameStart...])
    }

    /// The matching logic behind ``Rule/match(_:)``, without building text.
    func matchOutcome(_ candidate: CandidatePath) -> MatchOutcome {
        guard enabled else { return .disabled }
        let prefix = watchPrefix
        guard candidate.bytes.count > prefix.count, candidate.bytes.starts(with: prefix) else {
            return .outsideFolder
        }
        let relative = candidate.lowercased[prefix.count...]
        let nameStart = candidate.nameStart
        if !recursive, nameStart > prefix.count { return .inSubfolder }
        if IgnoreList.isIgnoredFileName(candidate.lowercased[nameStart...]) { return .ignoredFile }
        var segmentStart = relative.startIndex
        while let slash = relative[segmentStart...].firstIndex(of: UInt8(ascii: "/")) {
            let folder = relative[segmentStart..<slash]
            if IgnoreList.isIgnoredFolderName(folder) {
                return .ignoredFolder(String(decoding: candidate.bytes[segmentStart..<slash], as: UTF8.self))
            }
            segmentStart = slash + 1
        }
        if let invalid = invalidPattern { return .invalidPattern(invalid) }
        if isOutputName(of: candidate) { return .outputName(name) }
        guard matchPatterns.contains(where: { $0.matches(relative) }) else { return .noMatchGlob }
        if let exclude = excludePatterns.first(where: { $0.matches(relative) }) {
            return .excluded(exclude.source)
        }
        return .matched
    }
}
