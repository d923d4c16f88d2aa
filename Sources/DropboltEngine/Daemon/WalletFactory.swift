import AsyncHTTPClient
import DropboltCore
import DropboltLightning
import DropboltNostr
import Foundation
import Glibc
import Logging

/// Why the configured wallet cannot be used; names the config key, never the secret.
public struct WalletSetupError: Error, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// The message.
    public var description: String { message }
}

/// Builds the ``Wallet`` the config names, reading its secret from the file or environment variable.
enum WalletFactory {
    static func make(
        _ settings: WalletSettings, httpClient: HTTPClient, environment: [String: String], logger: Logger? = nil
    ) throws -> any Wallet {
        switch settings.kind {
        case .lnbits:
            guard let url = settings.url else { throw WalletSetupError(message: "wallet.url is required for lnbits") }
            let key = try secret(
                file: settings.keyFile, env: settings.keyEnv, environment: environment, what: "wallet.key_file", logger: logger)
            return LNbitsWallet(
                url: url, adminKey: key, httpClient: httpClient, timeout: .seconds(settings.timeoutSeconds))
        case .command:
            guard let pay = settings.command, let lookup = settings.lookupCommand else {
                throw WalletSetupError(message: "wallet.command and wallet.lookup_command are required for command")
            }
            return CommandWallet(
                pay: pay, lookup: lookup, balance: settings.balanceCommand, environment: environment,
                timeout: .seconds(settings.timeoutSeconds))
        case .lnd:
            let url = try requiredURL(settings)
            let contents = try secretData(
                file: settings.macaroonFile ?? settings.keyFile, env: settings.keyEnv, environment: environment,
                what: "wallet.macaroon_file", logger: logger)
            do {
                let tls = try settings.tlsCertFile.map { file throws(LNDWallet.CredentialError) in
                    try LNDWallet.trust(certificateFile: file)
                }
                return LNDWallet(
                    url: url, macaroon: try LNDWallet.macaroon(fromFile: contents), tls: tls, httpClient: httpClient,
                    timeout: .seconds(settings.timeoutSeconds))
            } catch {
                throw WalletSetupError(message: "\(error)")
            }
        case .cln:
            let url = try requiredURL(settings)
            let rune = try secret(
                file: settings.runeFile ?? settings.keyFile, env: settings.keyEnv, environment: environment,
                what: "wallet.rune_file", logger: logger)
            return CLNWallet(url: url, rune: rune, httpClient: httpClient, timeout: .seconds(settings.timeoutSeconds))
        case .phoenixd:
            let url = try requiredURL(settings)
            let password = try secret(
                file: settings.passwordFile ?? settings.keyFile, env: settings.keyEnv, environment: environment,
                what: "wallet.password_file", logger: logger)
            return PhoenixdWallet(
                url: url, password: password, httpClient: httpClient, timeout: .seconds(settings.timeoutSeconds))
        case .nwc:
            let text = try secret(
                file: settings.connectionFile ?? settings.keyFile, env: settings.keyEnv, environment: environment,
                what: "wallet.connection_file", logger: logger)
            let connection: WalletConnectURI
            do {
                connection = try WalletConnectURI(parsing: text)
            } catch {
                // The parser's message never repeats the URI, so the secret stays out of the error.
                throw WalletSetupError(message: "wallet.connection_file: \(error)")
            }
            return NWCWallet(
                connection: connection, timeout: .seconds(settings.timeoutSeconds),
                logger: logger ?? Logger(label: "dropbolt.wallet.nwc", factory: { _ in SwiftLogNoOpLogHandler() }))
        }
    }

    /// `wallet.url`, which the config requires for every HTTP backend.
    private static func requiredURL(_ settings: WalletSettings) throws -> String {
        guard let url = settings.url else {
            throw WalletSetupError(message: "wallet.url is required for \(settings.kind.rawValue)")
        }
        return url
    }

    /// The secret from `file` (whitespace trimmed; `credential:NAME` reads systemd's `$CREDENTIALS_DIRECTORY/NAME`)
    /// or the environment variable `env`. A secret file other users can read is used, with a warning.
    static func secret(
        file: String?, env: String?, environment: [String: String], what: String, logger: Logger? = nil
    ) throws -> String {
        let data = try secretData(file: file, env: env, environment: environment, what: what, logger: logger)
        guard let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
            !text.isEmpty
        else {
            throw WalletSetupError(message: "\(what): the secret must be text and not empty")
        }
        return text
    }

    /// The secret's bytes as they are in `file` (an LND macaroon may be binary), or the environment variable `env`
    /// as UTF-8; same lookup and warnings as ``secret(file:env:environment:what:logger:)``.
    static func secretData(
        file: String?, env: String?, environment: [String: String], what: String, logger: Logger? = nil
    ) throws -> Data {
        if var file {
            if file.hasPrefix(WalletSettings.credentialPrefix) {
                let name = String(file.dropFirst(WalletSettings.credentialPrefix.count))
                guard let folder = environment["CREDENTIALS_DIRECTORY"], !folder.isEmpty else {
                    throw WalletSetupError(
                        message: "\(what): \(file) is a systemd credential, but CREDENTIALS_DIRECTORY is not set; "
                            + "start dropbolt from its unit (LoadCredential=\(name):/path/to/secret) or name the file itself")
                }
                file = folder + "/" + name
            } else if let problem = exposure(of: file) {
                logger?.warning(
                    "a wallet secret file is readable by other users", metadata: ["file.path": "\(file)", "problem": "\(problem)"])
            }
            guard let data = FileManager.default.contents(atPath: file),
                data.contains(where: { !Character(Unicode.Scalar($0)).isWhitespace })
            else { throw WalletSetupError(message: "\(what): cannot read a secret from \(file) (it must exist, be readable and not empty)") }
            return data
        }
        if let env {
            guard let value = environment[env], !value.isEmpty else {
                throw WalletSetupError(message: "wallet.key_env: the environment variable \(env) is not set")
            }
            return Data(value.utf8)
        }
        throw WalletSetupError(message: "\(what) or wallet.key_env is required")
    }

    /// Why a secret file is exposed (group or others may read or write it), with the fix; nil when it is private.
    static func exposure(of file: String) -> String? {
        var status = stat()
        guard stat(file, &status) == 0 else { return nil }
        let mode = status.st_mode & 0o777
        guard mode & 0o077 != 0 else { return nil }
        return "mode \(String(mode, radix: 8)): run chmod 600 \(file) (and chown it to the user dropbolt runs as)"
    }
}
