import DropboltCore
import DropboltTesting
import Testing

/// Writes `yaml` as `dropbolt.yaml` in `folder` and returns the error loading it throws.
func configError(_ yaml: String, in folder: TemporaryDirectory) throws -> ConfigError {
    let path = try folder.write("dropbolt.yaml", contents: yaml)
    return try #require(throws: ConfigError.self) {
        _ = try DropboltConfiguration.load(path: path, environment: ["HOME": folder.path])
    }
}

/// Writes `yaml` as `rules/<name>.yaml` (with an `inbox` folder to watch) and returns the loading error.
func ruleError(_ yaml: String, in folder: TemporaryDirectory, name: String = "products") throws -> ConfigError {
    try folder.makeFolder("inbox")
    let path = try folder.write("rules/\(name).yaml", contents: yaml)
    return try #require(throws: ConfigError.self) {
        _ = try Rule.load(file: path, baseFolder: folder.path)
    }
}

/// Writes `yaml` as `rules/<name>.yaml` (with an `inbox` folder to watch) and loads it.
func loadRule(_ yaml: String, in folder: TemporaryDirectory, name: String = "products") throws -> Rule {
    try folder.makeFolder("inbox")
    let path = try folder.write("rules/\(name).yaml", contents: yaml)
    return try Rule.load(file: path, baseFolder: folder.path)
}
