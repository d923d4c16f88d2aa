import DropboltCore
import DropboltTesting
import Testing

@Suite struct DropboltConfigurationTests {
    @Test func minimalFileGetsEveryDefault() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = try folder.write("etc/dropbolt.yaml", contents: "workers: 2\n")
        let configuration = try DropboltConfiguration.load(path: path, environment: ["HOME": "/home/ann"])
        #expect(configuration.configFile == path)
        #expect(configuration.rulesFolder == folder.url("etc/rules"))
        #expect(configuration.stateFolder == "/home/ann/.local/state/dropbolt")
        #expect(configuration.provider.url == "https://sats4ai.com")
        #expect(configuration.provider.timeoutSeconds == 120)
        #expect(configuration.wallet == nil)
        #expect(configuration.budget.maxSatsPerImage == 1000)
        #expect(configuration.budget.dailySats == 10000)
        #expect(configuration.budget.monthlySats == 100_000)
        #expect(configuration.workers == 2)
        #expect(configuration.settleSeconds == 2)
        #expect(configuration.pollSeconds == 0)
        #expect(configuration.rescanMinutes == 60)
        #expect(configuration.inotify)
        #expect(configuration.http == nil)
    }

    @Test func stateFolderFollowsXDGStateHome() {
        let configuration = DropboltConfiguration(
            configFile: "/etc/dropbolt/config.yaml", environment: ["XDG_STATE_HOME": "/var/state", "HOME": "/h"]
        )
        #expect(configuration.stateFolder == "/var/state/dropbolt")
        #expect(configuration.rulesFolder == "/etc/dropbolt/rules")
    }

    @Test func everyKeyIsReadAndRelativePathsResolveAgainstTheConfigFolder() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let yaml = """
            rules: my-rules
            state: ../state
            provider:
              url: http://127.0.0.1:8080/
              timeout_seconds: 30
            wallet:
              kind: lnbits
              url: https://lnbits.example
              key_file: secrets/wallet
              max_fee_sats: 3
              timeout_seconds: 20
              network: Signet
            budget:
              max_sats_per_image: 500
              daily_sats: 5000
              monthly_sats: 50000
            workers: 4
            settle_seconds: 0.5
            poll_seconds: 30
            rescan_minutes: 0
            inotify: true
            http: 127.0.0.1:8402
            """
        let path = try folder.write("conf/dropbolt.yaml", contents: yaml)
        let configuration = try DropboltConfiguration.load(path: path, environment: ["HOME": "/h"])
        #expect(configuration.rulesFolder == folder.url("conf/my-rules"))
        #expect(configuration.stateFolder == folder.url("state"))
        #expect(configuration.provider.url == "http://127.0.0.1:8080")
        #expect(configuration.provider.timeoutSeconds == 30)
        let wallet = try #require(configuration.wallet)
        #expect(wallet.kind == .lnbits)
        #expect(wallet.url == "https://lnbits.example")
        #expect(wallet.keyFile == folder.url("conf/secrets/wallet"))
        #expect(wallet.maxFeeSats == 3)
        #expect(wallet.timeoutSeconds == 20)
        #expect(wallet.network == "tbs")
        #expect(configuration.budget.maxSatsPerImage == 500)
        #expect(configuration.budget.dailySats == 5000)
        #expect(configuration.budget.monthlySats == 50000)
        #expect(configuration.workers == 4)
        #expect(configuration.settleSeconds == 0.5)
        #expect(configuration.pollSeconds == 30)
        #expect(configuration.rescanMinutes == 0)
        #expect(configuration.http == "127.0.0.1:8402")
    }

    @Test func walletKindNoneMeansQuoteOnly() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = try folder.write("dropbolt.yaml", contents: "wallet:\n  kind: none\n")
        #expect(try DropboltConfiguration.load(path: path, environment: [:]).wallet == nil)
    }

    @Test func walletWithoutItsSecretIsMissingAKey() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError("wallet:\n  kind: lnd\n  url: https://127.0.0.1:8080\n", in: folder)
        #expect(error.shortDescription == "missingKey")
        #expect(error.description.hasPrefix("\(folder.path)/dropbolt.yaml:2:3: wallet.macaroon_file: "))
    }

    @Test(arguments: [("inotify: false\n", 10.0), ("inotify: false\npoll_seconds: 3\n", 3.0), ("inotify: true\n", 0.0)])
    func pollingOnlyPollsEveryTenSecondsByDefault(yaml: String, poll: Double) throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = try folder.write("dropbolt.yaml", contents: yaml)
        #expect(try DropboltConfiguration.load(path: path, environment: [:]).pollSeconds == poll)
    }

    @Test func locateFollowsTheLookupOrder() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let cwd = try folder.makeFolder("cwd")
        let xdg = folder.url("xdg")
        let home = folder.url("home")
        var environment = ["HOME": home, "XDG_CONFIG_HOME": xdg, "DROPBOLT_CONFIG": folder.url("env.yaml")]

        // An explicit path wins, and is returned even when missing, relative to the current directory.
        #expect(
            DropboltConfiguration.locate(explicit: "my.yaml", environment: environment, currentDirectory: cwd)
                == folder.url("cwd/my.yaml"))
        // Then $DROPBOLT_CONFIG, also when missing.
        #expect(
            DropboltConfiguration.locate(explicit: nil, environment: environment, currentDirectory: cwd)
                == folder.url("env.yaml"))
        environment["DROPBOLT_CONFIG"] = nil

        try folder.write("xdg/dropbolt/config.yaml", contents: "workers: 1\n")
        try folder.write("home/.config/dropbolt/config.yaml", contents: "workers: 1\n")
        #expect(
            DropboltConfiguration.locate(explicit: nil, environment: environment, currentDirectory: cwd)
                == folder.url("xdg/dropbolt/config.yaml"))
        try folder.write("cwd/dropbolt.yaml", contents: "workers: 1\n")
        #expect(
            DropboltConfiguration.locate(explicit: nil, environment: environment, currentDirectory: cwd)
                == folder.url("cwd/dropbolt.yaml"))
        environment["XDG_CONFIG_HOME"] = nil
        #expect(
            DropboltConfiguration.locate(explicit: nil, environment: environment, currentDirectory: home)
                == folder.url("home/.config/dropbolt/config.yaml"))
    }
}

@Suite struct SystemdCredentialConfigTests {
    @Test func aCredentialNameIsKeptAsItIsAndABadOneNamesTheKey() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let good = try folder.write(
            "good.yaml", contents: "wallet:\n  kind: lnbits\n  url: https://lnbits.example\n  key_file: credential:wallet\n")
        #expect(try DropboltConfiguration.load(path: good, environment: [:]).wallet?.keyFile == "credential:wallet")
        let bad = try folder.write(
            "bad.yaml", contents: "wallet:\n  kind: lnbits\n  url: https://lnbits.example\n  key_file: credential:../x\n")
        let error = #expect(throws: ConfigError.self) { try DropboltConfiguration.load(path: bad, environment: [:]) }
        #expect(error.map { "\($0)" }?.contains("bad.yaml:4") == true, "\(String(describing: error))")
        #expect(error.map { "\($0)" }?.contains("key_file") == true)
    }
}

@Suite struct StatusAddressConfigTests {
    @Test func aNonLoopbackStatusAddressNeedsHttpPublic() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let open = try folder.write("open.yaml", contents: "workers: 1\nhttp: 0.0.0.0:8402\n")
        let error = #expect(throws: ConfigError.self) { try DropboltConfiguration.load(path: open, environment: [:]) }
        #expect(error.map { "\($0)" }?.contains("open.yaml:2") == true, "\(String(describing: error))")
        #expect(error.map { "\($0)" }?.contains("http_public: true") == true)
        let allowed = try folder.write("allowed.yaml", contents: "http: 0.0.0.0:8402\nhttp_public: true\n")
        let configuration = try DropboltConfiguration.load(path: allowed, environment: [:])
        #expect(configuration.http == "0.0.0.0:8402" && configuration.httpPublic)
        for local in ["127.0.0.1:8402", "[::1]:8402", "localhost:8402"] {
            let path = try folder.write("local.yaml", contents: "http: \"\(local)\"\n")
            #expect(try DropboltConfiguration.load(path: path, environment: [:]).http == local)
        }
        let stray = try folder.write("stray.yaml", contents: "http_public: true\n")
        #expect(throws: ConfigError.self) { try DropboltConfiguration.load(path: stray, environment: [:]) }
    }
}

@Suite struct WalletCertificateConfigTests {
    @Test func lndReadsItsCertificateFileRelativeToTheConfig() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let yaml = """
            wallet:
              kind: lnd
              url: https://node.lan:8080
              macaroon_file: lnd/admin.macaroon
              tls_cert_file: lnd/tls.cert
            """
        let path = try folder.write("conf/dropbolt.yaml", contents: yaml)
        let wallet = try #require(try DropboltConfiguration.load(path: path, environment: [:]).wallet)
        #expect(wallet.tlsCertFile == folder.url("conf/lnd/tls.cert"))
        #expect(wallet.macaroonFile == folder.url("conf/lnd/admin.macaroon"))
    }

    @Test func lndWithoutACertificateFileUsesTheSystemTrust() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = try folder.write(
            "dropbolt.yaml", contents: "wallet:\n  kind: lnd\n  url: https://node.lan:8080\n  macaroon_file: m\n")
        #expect(try DropboltConfiguration.load(path: path, environment: [:]).wallet?.tlsCertFile == nil)
    }

    @Test(arguments: ["cln", "phoenixd", "lnbits"])
    func otherKindsRefuseACertificateFile(kind: String) throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError(
            "wallet:\n  kind: \(kind)\n  url: https://node.lan\n  key_file: secret\n  tls_cert_file: tls.cert\n",
            in: folder)
        #expect(error.description.contains("dropbolt.yaml:5:"), "\(error)")
        #expect(error.description.contains("wallet.tls_cert_file"), "\(error)")
        #expect(error.description.contains("only the lnd wallet"), "\(error)")
    }

    /// Keys a kind does not read are refused, naming the key, and a secret given two ways is refused.
    @Test(arguments: [
        ("kind: lnbits\n  url: https://n.lan\n  key_file: k\n  rune_file: r\n", "wallet.rune_file", "not used by wallet.kind lnbits"),
        ("kind: cln\n  url: https://n.lan\n  rune_file: r\n  macaroon_file: m\n", "wallet.macaroon_file", "not used"),
        ("kind: nwc\n  url: https://n.lan\n  connection_file: c\n", "wallet.url", "connection string"),
        ("kind: command\n  command: [/bin/pay]\n  lookup_command: [/bin/look]\n  key_env: K\n", "wallet.key_env", "command wallet"),
        ("kind: command\n  command: [/bin/pay]\n  lookup_command: [/bin/look]\n  url: https://n.lan\n", "wallet.url", "command wallet"),
        ("kind: cln\n  url: https://n.lan\n  rune_file: r\n  key_file: k\n", "wallet.key_file", "not both"),
        ("kind: phoenixd\n  url: https://n.lan\n  password_file: p\n  key_env: P\n", "wallet.key_env", "not both"),
        ("kind: lnbits\n  url: https://n.lan\n  key_file: k\n  key_env: K\n", "wallet.key_env", "not both"),
    ])
    func aKeyTheWalletKindDoesNotReadIsRefused(wallet: String, key: String, message: String) throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError("wallet:\n  " + wallet, in: folder)
        #expect(error.description.contains(key), "\(error)")
        #expect(error.description.contains(message), "\(error)")
    }

    @Test func aCertificateFileWithPlainHttpIsRefused() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError(
            "wallet:\n  kind: lnd\n  url: http://127.0.0.1:8080\n  macaroon_file: m\n  tls_cert_file: tls.cert\n",
            in: folder)
        #expect(error.description.contains("wallet.tls_cert_file"), "\(error)")
        #expect(error.description.contains("https"), "\(error)")
    }

    @Test func anEmptyCertificatePathIsRefused() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let error = try configError(
            "wallet:\n  kind: lnd\n  url: https://node.lan\n  macaroon_file: m\n  tls_cert_file: \"\"\n", in: folder)
        #expect(error.description.contains("wallet.tls_cert_file"), "\(error)")
    }
}
