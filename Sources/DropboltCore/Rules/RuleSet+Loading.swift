import Foundation

extension RuleSet {
    /// Loads every `*.yaml` and `*.yml` file directly in `folder`.
    ///
    /// Hidden files and subfolders are skipped. Each file that fails to load becomes a ``RuleProblem`` and
    /// only its own rule is missing. A missing or unreadable folder is one problem. Two files with the same
    /// stem (`a.yaml` and `a.yml`) are both refused, since it is unclear which one the user means.
    ///
    /// - Parameters:
    ///   - folder: the rules folder (``DropboltConfiguration/rulesFolder``).
    ///   - baseFolder: the folder relative `watch` paths are resolved against (the config file's folder).
    ///   - stateFolder: the daemon's state folder, which no rule may watch (see ``Rule/load(file:baseFolder:stateFolder:)``).
    public static func load(folder: String, baseFolder: String, stateFolder: String? = nil) -> RuleSet {
        let folder = PathNames.absolute(folder, relativeTo: FileManager.default.currentDirectoryPath)
        let folderLocation = SourceLocation(file: folder, line: 1, column: 1)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            let error = ConfigError.unreadable(folderLocation, message: "the rules folder does not exist")
            return RuleSet(rules: [], problems: [RuleProblem(file: folder, error: error)])
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            let failure = ConfigError.unreadable(
                folderLocation, message: "the rules folder cannot be read: \(error.localizedDescription)", cause: error
            )
            return RuleSet(rules: [], problems: [RuleProblem(file: folder, error: failure)])
        }

        let ruleFiles = names.filter { name in
            let ext = PathNames.splitExtension(name).ext.lowercased()
            guard !name.hasPrefix("."), ext == "yaml" || ext == "yml" else { return false }
            var isSubfolder: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isSubfolder)
            return exists && !isSubfolder.boolValue
        }.sorted()
        let filesByStem = Dictionary(grouping: ruleFiles) { PathNames.splitExtension($0).stem }

        var rules: [Rule] = []
        var problems: [RuleProblem] = []
        for name in ruleFiles {
            let file = PathNames.normalized(folder + "/" + name)
            let stem = PathNames.splitExtension(name).stem
            if let sameStem = filesByStem[stem], sameStem.count > 1 {
                let others = sameStem.filter { $0 != name }.joined(separator: ", ")
                let error = ConfigError.duplicateRule(
                    SourceLocation(file: file, line: 1, column: 1),
                    message: "another file (\(others)) also defines rule '\(stem)'; remove or rename one"
                )
                problems.append(RuleProblem(file: file, error: error))
                continue
            }
            do throws(ConfigError) {
                rules.append(try Rule.load(file: file, baseFolder: baseFolder, stateFolder: stateFolder))
            } catch {
                problems.append(RuleProblem(file: file, error: error))
            }
        }
        return RuleSet(rules: rules, problems: problems)
    }
}
