import DropboltCore
import DropboltLightning
import Synchronization

/// The network the wallet pays on, once known: from `wallet.network` in the config, or from what the wallet
/// reports at start. Invoices for another network are refused before paying (``InvoiceAcceptance``).
final class WalletNetwork: Sendable {
    private let known: Mutex<Network?>

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
}
