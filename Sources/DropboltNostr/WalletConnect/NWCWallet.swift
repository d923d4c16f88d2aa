import DropboltCore
import DropboltLightning
import Foundation
import Logging
import Synchronization

/// Pays through a wallet reached by Nostr Wallet Connect (NIP-47): signed, encrypted requests over a relay.
///
/// Every call publishes one kind-23194 request to a relay of the connection string and waits for the
/// wallet's kind-23195 answer (``RelayClient`` subscribes before it publishes). A payment request that was published
/// and got no answer (timeout, relay drop) is ``PaymentError/outcomeUnknown(_:cause:)``: the engine keeps the job in
/// `paying` and asks ``lookup(paymentHash:)`` later; the request is never sent again. `PAYMENT_FAILED` and `INTERNAL`
/// answers to `pay_invoice` are outcome-unknown too: NIP-47 counts timeouts as `PAYMENT_FAILED`, and Alby Hub
/// reports every payment failure as `INTERNAL`, so neither proves that nothing moved. The lookup settles it.
///
/// Encryption: NIP-44 when the wallet's info event (kind 13194) offers `nip44_v2`, else NIP-04.
///
/// ```swift
/// let wallet = try NWCWallet(connection: WalletConnectURI(parsing: text), logger: logger)
/// let payment = try await wallet.pay(invoice, maxFee: .sats(10))
/// ```
public struct NWCWallet: Wallet, CustomStringConvertible {
    /// Always `nwc`.
    public var backendName: String { "nwc" }

    /// `nwc <wallet pubkey> relay:<url> client:<client pubkey>`: which wallet, relay and connection, never the
    /// secret. A service may scope lookups to one connection, so a new connection string is another wallet.
    public var identity: String {
        "nwc \(connection.walletPublicKey.hex) relay:\(relays[0].url) client:\(connection.secret.publicKey.hex)"
    }

    /// The ``identity``: printing a wallet never shows its secret.
    public var description: String { identity }

    /// How long a "not found" from ``lookup(paymentHash:)`` may still be a request on its way: the call's timeout
    /// plus a minute. Each request carries an `expiration` tag one second past the timeout, after which a NIP-47
    /// service ignores it, so a later "not found" is definitive.
    public var notFoundGrace: Duration { timeout + .seconds(60) }

    private let connection: WalletConnectURI
    /// The connection string's relays in its order; a request goes to the next only when the one before could
    /// not take it (never published there), so no request is ever published twice.
    private let relays: [RelayClient]
    private let timeout: Duration
    private let logger: Logger
    private let negotiated = NegotiatedEncryption()

    /// Creates a backend for the wallet the connection string names; nothing is sent until the first call.
    ///
    /// - Parameters:
    ///   - connection: the parsed `nostr+walletconnect://` string; its first relay is tried first.
    ///   - timeout: how long one call waits for the wallet's answer, reconnects included.
    ///   - logger: debug-level records of relay connections (never contents or keys).
    public init(connection: WalletConnectURI, timeout: Duration = .seconds(60), logger: Logger) {
        self.connection = connection
        self.relays = connection.relays.map { RelayClient(url: $0, logger: logger) }
        self.timeout = timeout
        self.logger = logger
    }

    /// Pays `invoice` with `pay_invoice`. NIP-47 has no fee limit parameter: the wallet's own budget applies and the
    /// engine checks the reported fee.
    public func pay(_ invoice: Invoice, maxFee: Millisatoshi) async throws(PaymentError) -> Payment {
        let response = try await call(.payInvoice(invoice.string), paying: true)
        if let error = response.error {
            throw error.paymentError
        }
        let result: NWCPayResult
        do {
            result = try response.result(as: NWCPayResult.self)
        } catch {
            throw .outcomeUnknown("the NWC wallet answered pay_invoice without a readable result", cause: error)
        }
        guard let preimage = Hex.bytes(result.preimage), preimage.count == 32 else {
            throw .outcomeUnknown("the NWC wallet reported success without a usable preimage")
        }
        return Payment(
            paymentHash: invoice.paymentHash, preimage: preimage, amount: invoice.amount ?? Millisatoshi(0),
            fee: Millisatoshi(max(0, result.feesPaid ?? 0)))
    }

    /// Looks the payment up with `lookup_invoice`; `NOT_FOUND` means the wallet never recorded it.
    public func lookup(paymentHash: [UInt8]) async throws(PaymentError) -> PaymentStatus {
        let response = try await call(.lookupInvoice(paymentHash: Hex.string(paymentHash)), paying: false)
        if let error = response.error {
            if error.code == .notFound { return .notFound }
            throw error.queryError(method: .lookupInvoice)
        }
        let transaction: NWCTransaction
        do {
            transaction = try response.result(as: NWCTransaction.self)
        } catch {
            throw .unavailable("the NWC wallet answered lookup_invoice without a readable result", cause: error)
        }
        return transaction.paymentStatus(paymentHash: paymentHash)
    }

    /// The balance from `get_balance` (msat).
    public func balance() async throws(PaymentError) -> Millisatoshi {
        let response = try await call(.getBalance, paying: false)
        if let error = response.error { throw error.queryError(method: .getBalance) }
        do {
            return Millisatoshi(try response.result(as: NWCBalanceResult.self).balance)
        } catch {
            throw .badResponse("the NWC wallet's get_balance result has no balance")
        }
    }

    /// Network, node key, alias and methods from `get_info`.
    public func info() async throws(PaymentError) -> WalletInfo {
        let response = try await call(.getInfo, paying: false)
        if let error = response.error { throw error.queryError(method: .getInfo) }
        let result: NWCInfoResult
        do {
            result = try response.result(as: NWCInfoResult.self)
        } catch {
            throw .badResponse("the NWC wallet's get_info result has an unexpected shape")
        }
        let methods = Set(result.methods ?? [])
        var supports: WalletInfo.Capabilities = []
        if methods.contains(NWCMethod.payInvoice.rawValue) { supports.insert(.pay) }
        if methods.contains(NWCMethod.lookupInvoice.rawValue) { supports.insert(.lookup) }
        if methods.contains(NWCMethod.getBalance.rawValue) { supports.insert(.balance) }
        // NIP-47 says mainnet/testnet/signet/regtest; LDK-based wallets may say "bitcoin".
        let network = result.network.flatMap(Network.init(reportedName:))
        return WalletInfo(
            backend: backendName, network: network, nodeID: result.pubkey, alias: result.alias, supports: supports)
    }

    /// Sends one request and returns the wallet's decrypted answer.
    ///
    /// A request that never reached the relay is `unavailable`. One that was published without an answer is
    /// `outcomeUnknown` when `paying`, else `unavailable` (a query can simply be asked again).
    private func call(_ request: NWCRequest, paying: Bool) async throws(PaymentError) -> NWCResponse {
        let encryption = try await encryption()
        let now = Int64(Date().timeIntervalSince1970)
        let event: NostrEvent
        do {
            event = try request.event(
                to: connection.walletPublicKey, encryption: encryption, by: connection.secret,
                expiration: now + Int64(timeout.components.seconds) + 1, createdAt: now)
        } catch {
            throw .unavailable("cannot encrypt an NWC request to the wallet's key", cause: error)
        }
        let wallet = connection.walletPublicKey
        let filter = NostrFilter(authors: [wallet.hex], kinds: [NWCKind.response], eventReferences: [event.id])
        let requestID = event.id
        logger.debug(
            "nwc request", metadata: ["nwc.method": "\(request.method.rawValue)", "nostr.event_id": "\(requestID)"])
        var outcome = RelayExchange.notDelivered(reason: "no relay")
        var undelivered: [String] = []
        for relay in relays {
            outcome = await relay.exchange(
                publishing: event, awaiting: filter,
                accept: { NWCResponse.isResponse($0, to: requestID, from: wallet) }, timeout: timeout)
            // Only a request no relay took may go to the next one; anything else may have reached the wallet.
            guard case .notDelivered(let reason) = outcome else { break }
            undelivered.append(reason)
        }
        switch outcome {
        case .answered(let answer):
            let response: NWCResponse
            do {
                response = try NWCResponse(opening: answer, secret: connection.secret, wallet: wallet)
            } catch {
                if paying { throw .badResponse("the NWC wallet's answer to pay_invoice cannot be read: \(error)") }
                throw .unavailable("the NWC wallet's answer cannot be read", cause: error)
            }
            guard response.resultType == request.method.rawValue else {
                let words = "the NWC wallet answered \(request.method.rawValue) with \(response.resultType)"
                if paying { throw .badResponse(words) }
                throw .unavailable(words)
            }
            return response
        case .notDelivered:
            throw .unavailable("NWC \(request.method.rawValue) not delivered: \(undelivered.joined(separator: "; "))")
        case .noAnswer(let reason):
            if paying {
                throw .outcomeUnknown("NWC pay_invoice was published but not answered: \(reason)")
            }
            throw .unavailable("NWC \(request.method.rawValue) not answered: \(reason)")
        }
    }

    /// The negotiated scheme, read once from the wallet's info event (the newest authentic one on the first relay
    /// that has one).
    private func encryption() async throws(PaymentError) -> NWCEncryption {
        if let known = negotiated.value { return known }
        let wallet = connection.walletPublicKey.hex
        let filter = NostrFilter(authors: [wallet], kinds: [NWCKind.info])
        var newest: NostrEvent?
        var answered = false
        var failure: RelayError?
        for relay in relays where newest == nil {
            do {
                let events = try await relay.fetch(filter, timeout: timeout)
                answered = true
                newest = events.filter { $0.pubkey == wallet && $0.isAuthentic }.max { $0.createdAt < $1.createdAt }
            } catch {
                failure = error
            }
        }
        guard answered else { throw .unavailable("cannot read the NWC wallet's info event", cause: failure) }
        // No info event on any relay: a legacy wallet service, which speaks NIP-04.
        guard let chosen = newest.map(NWCEncryption.preferred(byInfo:)) ?? .nip04 else {
            throw .rejected("the NWC wallet offers no encryption dropbolt speaks (nip44_v2, nip04)")
        }
        negotiated.value = chosen
        return chosen
    }
}

/// The encryption scheme, learned once per wallet and shared by copies of the wallet value.
private final class NegotiatedEncryption: Sendable {
    private let stored = Mutex<NWCEncryption?>(nil)

    var value: NWCEncryption? {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }
}
