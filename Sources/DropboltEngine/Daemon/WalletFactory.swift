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
        case .lnd, .cln, .phoenixd:
            throw WalletSetupError(
                message: "wallet.kind \(settings.kind.rawValue) is not available in this version of dropbolt (lnbits is)")
        }
    }

    /// The secret from `file` (whitespace trimmed; `credential:NAME` reads systemd's `$CREDENTIALS_DIRECTORY/NAME`)
    /// or the environment variable `env`. A secret file other users can read is used, with a warning.
    static func secret(
        file: String?, env: String?, environment: [String: String], what: String, logger: Logger? = nil
    ) throws -> String {
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
                let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
                !text.isEmpty
            else { throw WalletSetupError(message: "\(what): cannot read a secret from \(file) (it must exist, be readable and not empty)") }
            return text
        }
        if let env {
            guard let value = environment[env], !value.isEmpty else {
                throw WalletSetupError(message: "wallet.key_env: the environment variable \(env) is not set")
            }
            return value
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
