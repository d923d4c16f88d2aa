import AsyncHTTPClient
import DropboltCore
import DropboltLightning
import Foundation

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
        _ settings: WalletSettings, httpClient: HTTPClient, environment: [String: String]
    ) throws -> any Wallet {
        switch settings.kind {
        case .lnbits:
            guard let url = settings.url else { throw WalletSetupError(message: "wallet.url is required for lnbits") }
            let key = try secret(file: settings.keyFile, env: settings.keyEnv, environment: environment, what: "wallet.key_file")
            return LNbitsWallet(
                url: url, adminKey: key, httpClient: httpClient, timeout: .seconds(settings.timeoutSeconds))
        case .lnd, .cln, .phoenixd, .nwc, .command:
            throw WalletSetupError(
                message: "wallet.kind \(settings.kind.rawValue) is not available in this version of dropbolt (lnbits is)")
        }
    }

    /// The secret from `file` (whitespace trimmed) or the environment variable `env`.
    static func secret(file: String?, env: String?, environment: [String: String], what: String) throws -> String {
        if let file {
            guard let data = FileManager.default.contents(atPath: file),
                let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
                !text.isEmpty
            else { throw WalletSetupError(message: "\(what): cannot read a secret from \(file)") }
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
}
