import Foundation

extension DropboltConfiguration {
    /// Finds the config file to load.
    ///
    /// Looks in this order and returns the first that exists: `explicit` (`--config`), `$DROPBOLT_CONFIG`,
    /// `./dropbolt.yaml`, `$XDG_CONFIG_HOME/dropbolt/config.yaml` (else `~/.config/dropbolt/config.yaml`),
    /// `/etc/dropbolt/config.yaml`. An explicit path or `$DROPBOLT_CONFIG` is returned even when the file is
    /// missing, so that ``load(path:environment:)`` reports it rather than silently using another file.
    ///
    /// - Parameters:
    ///   - explicit: the `--config` option, if given.
    ///   - environment: consulted for `DROPBOLT_CONFIG`, `XDG_CONFIG_HOME` and `HOME`.
    ///   - currentDirectory: the folder relative paths and `./dropbolt.yaml` are taken from.
    /// - Returns: an absolute path, or nil when no candidate exists.
    public static func locate(
        explicit: String?,
        environment: [String: String],
        currentDirectory: String
    ) -> String? {
        let home = homeFolder(environment: environment)
        func absolute(_ path: String) -> String {
            PathNames.absolute(path, relativeTo: currentDirectory, home: home)
        }
        if let explicit, !explicit.isEmpty {
            return absolute(explicit)
        }
        if let fromEnvironment = environment["DROPBOLT_CONFIG"], !fromEnvironment.isEmpty {
            return absolute(fromEnvironment)
        }
        var candidates = [absolute("dropbolt.yaml")]
        if let configHome = environment["XDG_CONFIG_HOME"], configHome.hasPrefix("/") {
            candidates.append(PathNames.normalized(configHome + "/dropbolt/config.yaml"))
        } else {
            candidates.append(PathNames.normalized(home + "/.config/dropbolt/config.yaml"))
        }
        candidates.append("/etc/dropbolt/config.yaml")
        return candidates.first { candidate in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: candidate, isDirectory: &isFolder) && !isFolder.boolValue
        }
    }
}
