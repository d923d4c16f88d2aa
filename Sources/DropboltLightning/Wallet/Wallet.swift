import DropboltCore

/// A Lightning wallet that pays BOLT11 invoices for dropbolt: the user's own node or account.
///
/// Every backend keeps one promise: an error says whether money may have moved
/// (``PaymentError/moneyMayHaveMoved``). The engine never calls ``pay(_:maxFee:)`` twice for one payment hash;
/// after a crash or an unclear answer it asks ``lookup(paymentHash:)`` instead.
///
/// ```swift
/// let payment = try await wallet.pay(invoice, maxFee: .sats(10))
/// precondition(payment.preimageMatches(invoice.paymentHash))
/// ```
public protocol Wallet: Sendable {
    /// The backend's name for logs and status (`lnbits`, `lnd`, …).
    var backendName: String { get }

    /// Pays `invoice`, spending at most `maxFee` in routing fees, and returns the proof of payment.
    ///
    /// - Throws: ``PaymentError``; ``PaymentError/moneyMayHaveMoved`` tells whether the payment may still
    ///   complete (then look it up, never pay again).
    func pay(_ invoice: Invoice, maxFee: Millisatoshi) async throws(PaymentError) -> Payment

    /// What the wallet knows about the payment with this hash.
    func lookup(paymentHash: [UInt8]) async throws(PaymentError) -> PaymentStatus

    /// The spendable balance.
    func balance() async throws(PaymentError) -> Millisatoshi

    /// What the wallet reports about itself (network, node id, alias); one cheap request, no payment.
    ///
    /// - Throws: ``PaymentError`` (`unavailable`, `unauthorized`) when the wallet cannot be asked.
    func info() async throws(PaymentError) -> WalletInfo

    /// How long after a payment was committed to a "not found" from ``lookup(paymentHash:)`` may still be a
    /// payment on its way (a request from a killed process the wallet has not registered yet). Zero for a backend
    /// whose "not found" is definitive.
    var notFoundGrace: Duration { get }

    /// Which wallet this is (backend, address and a digest of the key — never the key): stored with each payment,
    /// so a payment made through one wallet is never declared "never sent" by another that cannot know it.
    var identity: String { get }
}

extension Wallet {
    /// Two minutes: LNbits registers a payment as soon as it handles the request, but a request sent just before a
    /// crash may still be queued in its server.
    public var notFoundGrace: Duration { .seconds(120) }
}
