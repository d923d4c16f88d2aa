import Foundation

extension DropboltConfiguration {
    private static let topLevelKeys = [
        "rules", "state", "provider", "wallet", "budget", "workers", "settle_seconds", "poll_seconds",
        "rescan_minutes", "inotify", "http", "http_public",
    ]
    private static let providerKeys = ["url", "timeout_seconds"]
    private static let walletKeys = [
        "kind", "url", "key_file", "key_env", "macaroon_file", "tls_cert_file", "rune_file", "password_file",
        "connection_file", "command", "lookup_command", "balance_command", "max_fee_sats", "timeout_seconds", "network",
    ]
    private static let budgetKeys = ["max_sats_per_image", "daily_sats", "monthly_sats"]
    private static let walletSecretKeys: [String: String] = {
        let general =
            "secrets must not be written in the config; put it in a file and use key_file, "
            + "or name an environment variable with key_env"
        var keys: [String: String] = [:]
        for key in ["key", "api_key", "admin_key", "invoice_key", "secret", "token"] {
            keys[key] = general
        }
        keys["macaroon"] = "secrets must not be written in the config; use macaroon_file (or key_env)"
        keys["rune"] = "secrets must not be written in the config; use rune_file (or key_env)"
        keys["password"] = "secrets must not be written in the config; use password_file (or key_env)"
        keys["connection"] = "secrets must not be written in the config; put the URI in a file and use connection_file"
        keys["uri"] = keys["connection"]
        return keys
    }()

    /// Loads and validates the config file at `path`.
    ///
    /// Unknown keys are errors (a typo must not silently disable a budget). Relative paths are resolved
    /// against the config file's folder; `~/` is expanded from `HOME`. A `null` value means the default.
    ///
    /// | key | type | default |
    /// |---|---|---|
    /// | `rules` | path | `rules` |
    /// | `state` | path | `$XDG_STATE_HOME/dropbolt`, else `~/.local/state/dropbolt` |
    /// | `provider.url` | URL (https, or http to loopback) | `https://sats4ai.com` |
    /// | `provider.timeout_seconds` | integer 1...3600 | `120` |
    /// | `wallet` | mapping; absent or `kind: none` → quote-only mode | absent |
    /// | `wallet.kind` | `lnbits` `lnd` `cln` `phoenixd` `nwc` `command` `none` | required |
    /// | `wallet.url` | URL (https, or http to loopback) | required for lnbits, lnd, cln, phoenixd |
    /// | `wallet.key_file` | path of a file holding the key, or `credential:NAME` for systemd's `LoadCredential=NAME:…` | none |
    /// | `wallet.key_env` | environment variable name holding the key | none |
    /// | `wallet.macaroon_file` | path (lnd) | none |
    /// | `wallet.tls_cert_file` | path of the node's `tls.cert` (lnd only, https `url`): the one certificate trusted for `url`; host names are not checked | system trust |
    /// | `wallet.rune_file` | path (cln) | none |
    /// | `wallet.password_file` | path (phoenixd) | none |
    /// | `wallet.connection_file` | path of a file holding the NWC URI (nwc) | none |
    /// | `wallet.command` | list of text: program and arguments that pay (command; see `CommandWallet`) | none |
    /// | `wallet.lookup_command` | list of text: program that looks a payment up by hash (required for command) | none |
    /// | `wallet.balance_command` | list of text: program that prints the balance (command) | none |
    /// | `wallet.max_fee_sats` | integer ≥ 0 | `10` |
    /// | `wallet.timeout_seconds` | integer 1...3600 | `60` |
    /// | `wallet.network` | `bitcoin` (or `mainnet`), `testnet`, `signet`, `regtest`: invoices for another network are refused before paying | what the wallet reports |
    /// | `budget.max_sats_per_image` | integer ≥ 0 | `1000` |
    /// | `budget.daily_sats` | integer ≥ 0 | `10000` |
    /// | `budget.monthly_sats` | integer ≥ 0 | `100000` |
    /// | `workers` | integer 1...16 | `2` |
    /// | `settle_seconds` | number ≥ 0 | `2` |
    /// | `poll_seconds` | number ≥ 0; 0 = no polling | `0`, or `10` when `inotify` is false |
    /// | `rescan_minutes` | number ≥ 0; 0 = no periodic rescan | `60` |
    /// | `inotify` | true/false; false = polling only | `true` |
    /// | `http` | `host:port` of the status page and metrics; loopback unless `http_public`; absent = disabled | disabled |
    /// | `http_public` | bool: let `http` listen on a non-loopback address (warned at start) | false |
    ///
    /// Each wallet kind needs its secret from a file or `key_env`: lnbits `key_file`, lnd `macaroon_file`,
    /// cln `rune_file`, phoenixd `password_file`, nwc `connection_file`; `command` needs `command` and `lookup_command`.
    /// Secrets written inline (`key`, `macaroon`, `rune`, `password`, `secret`, …) are refused.
    ///
    /// - Parameters:
    ///   - path: the config file; a relative path is taken from the current directory.
    ///   - environment: consulted for `XDG_STATE_HOME` and `HOME`.
    /// - Returns: the validated configuration with absolute paths.
    /// - Throws: ``ConfigError`` naming the file, line, column and key of the first problem.
    public static func load(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> DropboltConfiguration {
        let configuration = DropboltConfiguration(configFile: path, environment: environment)
        let document = try YAMLDocument.load(file: configuration.configFile)
        return try load(document, defaults: configuration, environment: environment)
    }

    /// Validates config text as if it had been read from the file at `path`, without reading the file.
    ///
    /// Does exactly what ``load(path:environment:)`` does after reading: the same keys, defaults and errors,
    /// with relative paths resolved against the folder of `path`. For the fuzz targets in `Fuzz/` and for
    /// callers that already hold the text.
    ///
    /// ```swift
    /// let configuration = try DropboltConfiguration.load(text: "workers: 4\n", path: "/etc/dropbolt.yaml")
    /// ```
    ///
    /// - Parameters:
    ///   - text: the YAML text.
    ///   - path: the file the text stands for; named in errors and used to resolve relative paths.
    ///   - environment: consulted for `XDG_STATE_HOME` and `HOME`.
    /// - Returns: the validated configuration with absolute paths.
    /// - Throws: ``ConfigError`` naming the file, line, column and key of the first problem.
    public static func load(
        text: String,
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> DropboltConfiguration {
        let configuration = DropboltConfiguration(configFile: path, environment: environment)
        let document = try YAMLDocument.parse(text, file: configuration.configFile)
        return try load(document, defaults: configuration, environment: environment)
    }

    private static func load(
        _ document: YAMLDocument,
        defaults: DropboltConfiguration,
        environment: [String: String]
    ) throws(ConfigError) -> DropboltConfiguration {
        var configuration = defaults
        let root = try MappingReader(document.root, in: document, path: "", allowedKeys: topLevelKeys)
        let folder = configuration.configFolder
        let home = homeFolder(environment: environment)

        func resolved(_ path: String) -> String {
            PathNames.absolute(path, relativeTo: folder, home: home)
        }

        if let rules = try root.string("rules") {
            guard !rules.isEmpty else { throw root.invalid("rules", "must name a folder") }
            configuration.rulesFolder = resolved(rules)
        }
        if let state = try root.string("state") {
            guard !state.isEmpty else { throw root.invalid("state", "must name a folder") }
            configuration.stateFolder = resolved(state)
        }
        if let provider = try root.mapping("provider", allowedKeys: providerKeys) {
            if let url = try checkedURL(provider, "url") {
                configuration.provider.url = url
            }
            if let timeout = try provider.integer("timeout_seconds", in: 1...3600) {
                configuration.provider.timeoutSeconds = Int(timeout)
            }
        }
        if let wallet = try root.mapping("wallet", allowedKeys: walletKeys, secretKeys: walletSecretKeys) {
            configuration.wallet = try walletSettings(wallet, resolve: resolved)
        }
        if let budget = try root.mapping("budget", allowedKeys: budgetKeys) {
            if let value = try budget.sats("max_sats_per_image", atLeast: 0) {
                configuration.budget.maxSatsPerImage = value
            }
            if let value = try budget.sats("daily_sats", atLeast: 0) {
                configuration.budget.dailySats = value
            }
            if let value = try budget.sats("monthly_sats", atLeast: 0) {
                configuration.budget.monthlySats = value
            }
        }
        if let workers = try root.integer("workers", in: 1...16) {
            configuration.workers = Int(workers)
        }
        if let settle = try root.number("settle_seconds", atLeast: 0) {
            configuration.settleSeconds = settle
        }
        if let poll = try root.number("poll_seconds", atLeast: 0) {
            configuration.pollSeconds = poll
        }
        if let rescan = try root.number("rescan_minutes", atLeast: 0) {
            configuration.rescanMinutes = rescan
        }
        if let inotify = try root.bool("inotify") {
            configuration.inotify = inotify
        }
        // Without inotify nothing would ever notice a new file unless something polls.
        if !configuration.inotify, configuration.pollSeconds == 0 {
            configuration.pollSeconds = 10
        }
        configuration.httpPublic = try root.bool("http_public") ?? false
        if let http = try root.string("http") {
            if let problem = NetworkAddress.problemWithListenAddress(http) {
                throw root.invalid("http", problem)
            }
            // The page shows paths, amounts and refund links: only this machine sees it unless the user says so.
            if let address = NetworkAddress.listenAddress(http), !NetworkAddress.isLoopback(host: address.host),
                !configuration.httpPublic
            {
                throw root.invalid(
                    "http",
                    "'\(http)' is reachable from other machines and the status page shows file paths, spend and refund "
                        + "links; use 127.0.0.1 or [::1], or set http_public: true to allow it")
            }
            configuration.http = http
        } else if configuration.httpPublic {
            throw root.invalid("http_public", "only makes sense with http: set http: host:port, or remove http_public")
        }
        return configuration
    }

    private static func checkedURL(_ mapping: MappingReader, _ key: String) throws(ConfigError) -> String? {
        guard let text = try mapping.string(key) else { return nil }
        do {
            return try NetworkAddress.checkedURL(text)
        } catch {
            let location = mapping.valueLocation(key) ?? mapping.location
            switch error {
            case .malformed(let message):
                throw .invalidValue(location, key: mapping.keyPath(key), message: message)
            case .insecure(let message):
                throw .unsafeURL(location, key: mapping.keyPath(key), message: message)
            }
        }
    }

    private static func walletSettings(
        _ wallet: MappingReader,
        resolve: (String) -> String
    ) throws(ConfigError) -> WalletSettings? {
        try wallet.require("kind", "use one of: lnbits, lnd, cln, phoenixd, nwc, command, none")
        let kindText = try wallet.string("kind") ?? ""
        if kindText == "none" { return nil }
        guard let kind = WalletKind(rawValue: kindText) else {
            let allowed = (WalletKind.allCases.map(\.rawValue) + ["none"]).joined(separator: ", ")
            throw wallet.invalid("kind", "'\(kindText)' is not allowed; use one of: \(allowed)")
        }
        func path(_ key: String) throws(ConfigError) -> String? {
            guard let text = try wallet.string(key) else { return nil }
            guard !text.isEmpty else { throw wallet.invalid(key, "must name a file") }
            if text.hasPrefix(WalletSettings.credentialPrefix) {
                let name = text.dropFirst(WalletSettings.credentialPrefix.count)
                guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
                    throw wallet.invalid(key, "credential:NAME needs the name of a systemd credential (LoadCredential=NAME:…)")
                }
                return text
            }
            return resolve(text)
        }
        var settings = WalletSettings(kind: kind)
        settings.url = try checkedURL(wallet, "url")
        settings.keyFile = try path("key_file")
        settings.keyEnv = try wallet.string("key_env")
        if let keyEnv = settings.keyEnv, keyEnv.isEmpty || keyEnv.contains("=") {
            throw wallet.invalid("key_env", "must be the name of an environment variable")
        }
        settings.macaroonFile = try path("macaroon_file")
        settings.tlsCertFile = try path("tls_cert_file")
        if settings.tlsCertFile != nil, kind != .lnd {
            // Never accept a setting that is not honoured: only the LND backend pins a certificate.
            throw wallet.invalid(
                "tls_cert_file", "only the lnd wallet uses a certificate file; remove it for wallet.kind \(kind.rawValue)")
        }
        if settings.tlsCertFile != nil, settings.url?.lowercased().hasPrefix("http://") == true {
            throw wallet.invalid("tls_cert_file", "is only used over https; use an https:// wallet.url or remove it")
        }
        settings.runeFile = try path("rune_file")
        settings.passwordFile = try path("password_file")
        settings.connectionFile = try path("connection_file")
        func program(_ key: String) throws(ConfigError) -> [String]? {
            guard let command = try wallet.stringList(key) else { return nil }
            guard !command.isEmpty, !command[0].text.isEmpty else {
                throw wallet.invalid(key, "must name a program, e.g. [\"/usr/local/bin/pay\", \"--json\"]")
            }
            return command.map(\.text)
        }
        settings.command = try program("command")
        settings.lookupCommand = try program("lookup_command")
        settings.balanceCommand = try program("balance_command")
        if let fee = try wallet.sats("max_fee_sats", atLeast: 0) {
            settings.maxFeeSats = fee
        }
        if let timeout = try wallet.integer("timeout_seconds", in: 1...3600) {
            settings.timeoutSeconds = Int(timeout)
        }
        if let network = try wallet.string("network") {
            guard let known = WalletSettings.networkNames[network.lowercased()] else {
                throw wallet.invalid("network", "'\(network)' is not a network; use bitcoin, testnet, signet or regtest")
            }
            settings.network = known
        }
        try checkRequirements(of: settings, in: wallet)
        return settings
    }

    /// Each backend needs an address and a secret; report the first one missing at the wallet mapping.
    private static func checkRequirements(of settings: WalletSettings, in wallet: MappingReader) throws(ConfigError) {
        if settings.kind != .command {
            for key in ["command", "lookup_command", "balance_command"] where wallet.contains(key) {
                throw wallet.invalid(key, "only the command wallet runs programs; remove it or use kind: command")
            }
        }
        // Never accept a setting that is not honoured: each kind reads its own secret file (or key_file), or
        // key_env, and nothing else; and one secret is given one way.
        let ownFileKey: String? =
            switch settings.kind {
            case .lnbits, .command: nil
            case .lnd: "macaroon_file"
            case .cln: "rune_file"
            case .phoenixd: "password_file"
            case .nwc: "connection_file"
            }
        for key in ["macaroon_file", "rune_file", "password_file", "connection_file"]
        where key != ownFileKey && wallet.contains(key) {
            throw wallet.invalid(key, "is not used by wallet.kind \(settings.kind.rawValue); remove it")
        }
        if settings.kind == .command {
            for key in ["url", "key_file", "key_env"] where wallet.contains(key) {
                throw wallet.invalid(key, "is not used by the command wallet (its programs find their own); remove it")
            }
        }
        if settings.kind == .nwc, wallet.contains("url") {
            throw wallet.invalid("url", "is not used by the nwc wallet: its relays come from the connection string")
        }
        if let ownFileKey, wallet.contains(ownFileKey), wallet.contains("key_file") {
            throw wallet.invalid("key_file", "give the secret once: \(ownFileKey) or key_file, not both")
        }
        if wallet.contains("key_env"), (ownFileKey.map(wallet.contains) ?? false) || wallet.contains("key_file") {
            throw wallet.invalid("key_env", "give the secret once: a file or key_env, not both")
        }
        let secretFileKey: String
        let secretFile: String?
        switch settings.kind {
        case .lnbits: (secretFileKey, secretFile) = ("key_file", settings.keyFile)
        case .lnd: (secretFileKey, secretFile) = ("macaroon_file", settings.macaroonFile ?? settings.keyFile)
        case .cln: (secretFileKey, secretFile) = ("rune_file", settings.runeFile ?? settings.keyFile)
        case .phoenixd: (secretFileKey, secretFile) = ("password_file", settings.passwordFile ?? settings.keyFile)
        case .nwc: (secretFileKey, secretFile) = ("connection_file", settings.connectionFile ?? settings.keyFile)
        case .command:
            try wallet.require("command", "the command wallet needs the program to run")
            // Without a lookup, a payment whose outcome is unclear (a crash, a timeout) could never be settled.
            try wallet.require("lookup_command", "the command wallet needs a program that looks a payment up by its hash")
            return
        }
        if settings.kind != .nwc {
            try wallet.require("url", "the \(settings.kind.rawValue) wallet needs the URL of its API")
        }
        if secretFile == nil, settings.keyEnv == nil {
            throw .missingKey(
                wallet.location,
                key: wallet.keyPath(secretFileKey),
                message: "required key is missing; the \(settings.kind.rawValue) wallet needs its secret from "
                    + "\(secretFileKey) or key_env"
            )
        }
    }
}
