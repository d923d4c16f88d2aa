// Starts the real LNbits (FakeWallet) and the fake sats4ai provider on loopback for `make bench`, prints where
// they are as one JSON line on stdout, and runs until SIGTERM/SIGINT or its standard input closes.
import DropboltTesting
import Foundation
import Synchronization
import UnixSignals

@main
struct DropboltFakes {
    static func main() async throws {
        let folder = CommandLine.arguments.dropFirst().first ?? NSTemporaryDirectory() + "/dropbolt-fakes-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let lnbits = try await LNbitsServer.start(dataDirectory: folder + "/lnbits")
        let provider: FakeSats4AI
        do {
            provider = try await FakeSats4AI.start(lnbits: lnbits)
        } catch {
            lnbits.stop()
            throw error
        }
        let description: [String: Any] = [
            "provider": provider.url, "lnbits": lnbits.url, "payer_adminkey": lnbits.payer.adminkey,
            "payer_inkey": lnbits.payer.inkey,
        ]
        let line = try JSONSerialization.data(withJSONObject: description, options: [.sortedKeys])
        FileHandle.standardOutput.write(line + Data("\n".utf8))
        // Stop when the parent closes our standard input or sends SIGTERM/SIGINT (UnixSignals blocks them and reads
        // them from a signalfd: an ignored signal would never reach a dispatch source on Linux).
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = OnceFlag()
            Task {
                for await _ in signals { break }
                if once.claim() { continuation.resume() }
            }
            Thread {
                while FileHandle.standardInput.availableData.count > 0 {}
                if once.claim() { continuation.resume() }
            }.start()
        }
        await provider.stop()
        lnbits.stop()
        FileHandle.standardError.write(Data("dropbolt-fakes: paid requests \(provider.paidRequests), violations \(provider.violations.count)\n".utf8))
    }
}

/// True for the first caller only.
final class OnceFlag: Sendable {
    private let claimed = Mutex(false)
    func claim() -> Bool {
        claimed.withLock { value in
            defer { value = true }
            return !value
        }
    }
}
