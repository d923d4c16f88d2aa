@testable import DropboltEngine
import DropboltTesting
import Foundation
import Logging
import Testing

/// Where wallet secrets come from: a file (warned about when others can read it), systemd's credentials folder, or
/// an environment variable; errors name the key and never the secret.
@Suite struct WalletSecretTests {
    @Test func aCredentialIsReadFromTheCredentialsDirectory() throws {
        let folder = try TemporaryDirectory(prefix: "creds")
        defer { folder.remove() }
        try folder.write("wallet", contents: "s3cret-key\n")
        let secret = try WalletFactory.secret(
            file: "credential:wallet", env: nil, environment: ["CREDENTIALS_DIRECTORY": folder.path], what: "wallet.key_file")
        #expect(secret == "s3cret-key")
    }

    @Test func aCredentialWithoutSystemdSaysWhatToDo() {
        let error = #expect(throws: WalletSetupError.self) {
            try WalletFactory.secret(file: "credential:wallet", env: nil, environment: [:], what: "wallet.key_file")
        }
        #expect(error?.message.contains("CREDENTIALS_DIRECTORY is not set") == true)
        #expect(error?.message.contains("LoadCredential=wallet:") == true)
    }

    @Test func aSecretFileOthersCanReadIsUsedWithAWarningThatNeverShowsTheSecret() throws {
        let folder = try TemporaryDirectory(prefix: "creds")
        defer { folder.remove() }
        let exposed = try folder.write("exposed.key", contents: "s3cret-key\n")
        let private_ = try folder.write("private.key", contents: "s3cret-key\n")
        chmod(exposed, 0o644)
        chmod(private_, 0o600)
        let records = LogRecords()
        let logger = Logger(label: "test") { _ in InMemoryLogHandler(records: records) }
        for file in [exposed, private_] {
            #expect(try WalletFactory.secret(file: file, env: nil, environment: [:], what: "wallet.key_file", logger: logger) == "s3cret-key")
        }
        let warnings = records.all.filter { $0.message.contains("readable by other users") }
        #expect(warnings.count == 1)
        #expect(warnings.first?.metadata["file.path"] == exposed)
        #expect(warnings.first?.metadata["problem"]?.contains("chmod 600") == true)
        #expect(!records.all.contains { "\($0.message) \($0.metadata)".contains("s3cret") })
    }
}
