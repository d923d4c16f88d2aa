import DropboltCore
import DropboltLightning
import Logging
import Synchronization

/// The network the wallet pays on, once known: from `wallet.network` in the config, or from what the wallet
/// reports when first asked (before the first invoice is checked), or from the first invoice it paid. Invoices for
/// another network are refused before paying (``InvoiceAcceptance``).
final class WalletNetwork: Sendable {
    private let known: Mutex<Network?>
    /// The one `info()` call of this process, shared by every worker that needs the answer.
    private let asking = Mutex<Task<Void, Never>?>(nil)

    /// Starts with the config's `wallet.network` (a BOLT 11 prefix), if any.
    init(configured prefix: String?) {
        known = Mutex(prefix.flatMap(Network.init(rawValue:)))
    }

    /// The network, or nil while neither the config nor the wallet has said.
    var current: Network? { known.withLock { $0 } }

    /// Takes the network the wallet reported. A config that names another network wins and the difference is
    /// returned as a sentence for the log (invoices are then checked against the config's network).
    @discardableResult
    func learn(_ reported: Network) -> String? {
        known.withLock { network in
            if let network, network != reported {
                return "the wallet reports \(reported.displayName) but wallet.network says \(network.displayName)"
            }
            network = reported
            return nil
        }
    }

    /// Asks the wallet what it is, once per process, and waits for the answer: its network becomes the one invoices
    /// must be for (unless `wallet.network` says otherwise) and the log says which wallet pays. Asked at the first
    /// invoice rather than at start, so an idle daemon never touches the wallet (nor faults in its client code).
    /// A wallet that does not answer is not asked again; the wallet itself still refuses a foreign invoice.
    func askOnce(_ wallet: any Wallet, logger: Logger) async {
        let task = asking.withLock { task in
            if let task { return task }
            let started = Task { await self.ask(wallet, logger: logger) }
            task = started
            return started
        }
        await task.value
    }

    private func ask(_ wallet: any Wallet, logger: Logger) async {
        do {
            let info = try await wallet.info()
            if let reported = info.network, let conflict = learn(reported) {
                logger.warning(
                    "wallet network differs from the config; invoices are checked against the config",
                    metadata: ["problem": "\(conflict)"])
            }
            logger.info(
                "wallet ready",
                metadata: [
                    "wallet.backend": "\(info.backend)", "wallet.network": "\(current?.displayName ?? "unknown")",
                    "wallet.node": "\(info.nodeID ?? "-")", "wallet.supports": "\(info.supports.names.joined(separator: ","))",
                ])
        } catch {
            logger.warning("the wallet did not say what it is; paying anyway", metadata: ["error": "\(error)"])
        }
    }
}
