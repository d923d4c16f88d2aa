import Crypto
import Foundation
import Synchronization

/// What a fake Lightning node (``FakeLND``, ``FakeCLN``, ``FakePhoenixd``) knows: the invoices a test planned, what
/// became of each payment, its balance, and every way a client broke the node's API contract.
///
/// Tests isolate by payment hash, so one fake serves a whole suite: each test plans its own invoices with
/// ``plan(amountSats:outcome:)`` and looks only at their hashes.
///
/// ```swift
/// let planned = fake.book.plan(amountSats: 500, outcome: .succeed(feeMsat: 1_234))
/// // pay planned.bolt11 through the backend under test, then:
/// #expect(fake.book.payCalls(planned.paymentHashHex) == 1 && fake.book.violations.isEmpty)
/// ```
public final class FakeWalletBook: Sendable {
    /// What the node does when asked to pay a planned invoice.
    public enum Outcome: Sendable, Hashable {
        /// Pays, with this routing fee.
        case succeed(feeMsat: Int64)
        /// Finds no route; nothing paid.
        case noRoute
        /// Lacks the balance; nothing paid.
        case insufficientBalance
        /// Gives up before sending any HTLC (LND's FAILURE_REASON_TIMEOUT, CLN's code 210); nothing paid.
        case timeout
        /// Stays in flight until the test calls ``FakeWalletBook/settle(_:feeMsat:)``: the node answers nothing
        /// final, so the client's own deadline ends the call with an unknown outcome.
        case hold
        /// Starts the payment (in flight, as ``hold``) but breaks the connection once the answer has begun: after
        /// the head (LND: after the first IN_FLIGHT update). The test settles it later.
        case dropConnection
    }

    /// A payment's state in the node.
    public enum State: Sendable, Hashable {
        /// HTLCs out, no result yet.
        case inFlight
        /// Paid with this fee.
        case succeeded(feeMsat: Int64)
        /// Failed for good (never ``Outcome/succeed(feeMsat:)``, ``Outcome/hold`` or ``Outcome/dropConnection``).
        case failed(Outcome)

        /// True for ``succeeded(feeMsat:)``.
        public var isSucceeded: Bool {
            if case .succeeded = self { return true }
            return false
        }
    }

    /// An invoice a test planned: a real signed BOLT 11 whose preimage the node reveals on success.
    public struct Planned: Sendable, Hashable {
        /// The BOLT 11 text.
        public var bolt11: String
        /// The payment hash, lowercase hex.
        public var paymentHashHex: String
        /// The preimage, lowercase hex; SHA-256 of it is the payment hash.
        public var preimageHex: String
        /// The invoice amount in millisatoshis.
        public var amountMsat: Int64
        /// What the node does with it.
        public var outcome: Outcome
    }

    private struct Contents {
        var planned: [String: Planned] = [:]
        var states: [String: State] = [:]
        var payCalls: [String: Int] = [:]
        var feeLimitsMsat: [String: Int64] = [:]
        var searchSeconds: [String: Int64] = [:]
        var violations: [String] = []
        var balanceMsat: Int64
    }

    private let contents: Mutex<Contents>
    /// The network the node's invoices are for and that it reports (`regtest`).
    public let invoicePrefix = "lnbcrt"

    /// Creates an empty book with a starting balance.
    public init(balanceMsat: Int64 = 5_000_000_000) {
        contents = Mutex(Contents(balanceMsat: balanceMsat))
    }

    /// Makes a fresh signed invoice (random preimage, timestamp now, one hour expiry) that the node will treat as
    /// `outcome` says.
    public func plan(amountSats: Int64, outcome: Outcome) -> Planned {
        let preimage = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let hash = Array(SHA256.hash(data: preimage))
        let fields: [InvoiceSigner.Field] = [
            .bytes("p", hash), .bytes("s", InvoiceSigner.paymentSecret), .text("d", "fake wallet test"),
            .integer("x", 3600),
        ]
        let bolt11 = InvoiceSigner().invoice(
            hrp: "\(invoicePrefix)\(amountSats * 10)n", timestamp: Int64(Date().timeIntervalSince1970), fields: fields)
        let planned = Planned(
            bolt11: bolt11, paymentHashHex: TestHex.string(hash), preimageHex: TestHex.string(preimage),
            amountMsat: amountSats * 1000, outcome: outcome)
        contents.withLock { $0.planned[planned.paymentHashHex] = planned }
        return planned
    }

    /// Starts paying `bolt11` as planned and returns the plan with the state the node is now in; nil for an invoice
    /// no test planned. A second call for one hash is counted (``payCalls(_:)``) and answered from the first.
    func startPayment(bolt11: String, feeLimitMsat: Int64?, searchSeconds: Int64? = nil) -> (Planned, State)? {
        contents.withLock { book in
            guard let planned = book.planned.values.first(where: { $0.bolt11 == bolt11 }) else { return nil }
            let hash = planned.paymentHashHex
            book.payCalls[hash, default: 0] += 1
            if let feeLimitMsat { book.feeLimitsMsat[hash] = feeLimitMsat }
            if let searchSeconds { book.searchSeconds[hash] = searchSeconds }
            if let state = book.states[hash] { return (planned, state) }
            let state: State
            switch planned.outcome {
            case .succeed(let fee):
                state = .succeeded(feeMsat: fee)
                book.balanceMsat -= planned.amountMsat + fee
            case .hold, .dropConnection: state = .inFlight
            case let failure: state = .failed(failure)
            }
            book.states[hash] = state
            return (planned, state)
        }
    }

    /// The plan and state of the payment with this hash; nil when the node never started it.
    func payment(_ paymentHashHex: String) -> (Planned, State)? {
        contents.withLock { book in
            guard let planned = book.planned[paymentHashHex], let state = book.states[paymentHashHex] else {
                return nil
            }
            return (planned, state)
        }
    }

    /// Waits (up to 30 s) until the held payment with this hash is final, as a node keeps a call open while its
    /// HTLCs are out; returns the state then.
    func finalState(_ paymentHashHex: String) async -> State {
        try? await waitUntil(timeout: .seconds(30), what: "a held payment to settle") {
            payment(paymentHashHex)?.1 != .inFlight
        }
        return payment(paymentHashHex)?.1 ?? .inFlight
    }

    /// Settles a held payment: the payee reveals the preimage, the node pays `feeMsat` in fees.
    public func settle(_ paymentHashHex: String, feeMsat: Int64) {
        contents.withLock { book in
            guard book.states[paymentHashHex] == .inFlight, let planned = book.planned[paymentHashHex] else { return }
            book.states[paymentHashHex] = .succeeded(feeMsat: feeMsat)
            book.balanceMsat -= planned.amountMsat + feeMsat
        }
    }

    /// Thrown inside a response body to break the connection mid-answer.
    struct DroppedConnection: Error {}

    /// Records a way the client broke the node's API contract.
    func violation(_ text: String) {
        contents.withLock { $0.violations.append(text) }
    }

    /// Every contract violation seen so far, in order.
    public var violations: [String] { contents.withLock { $0.violations } }

    /// How many pay requests the node received for this hash.
    public func payCalls(_ paymentHashHex: String) -> Int { contents.withLock { $0.payCalls[paymentHashHex] ?? 0 } }

    /// How many payments succeeded, over all hashes.
    public var succeededPayments: Int { contents.withLock { $0.states.values.count(where: \.isSucceeded) } }

    /// The fee limit the client sent with the payment, converted to msat from the node's own unit; nil if none.
    public func feeLimitMsat(_ paymentHashHex: String) -> Int64? {
        contents.withLock { $0.feeLimitsMsat[paymentHashHex] }
    }

    /// How long the client let the node search for routes (LND `timeout_seconds`, CLN `retry_for`); nil if not given.
    public func searchSeconds(_ paymentHashHex: String) -> Int64? {
        contents.withLock { $0.searchSeconds[paymentHashHex] }
    }

    /// The node's spendable balance.
    public var balanceMsat: Int64 { contents.withLock { $0.balanceMsat } }
}
