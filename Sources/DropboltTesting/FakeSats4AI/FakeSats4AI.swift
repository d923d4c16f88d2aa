import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// An in-process fake of sats4ai's L402 API: a real HTTP server on `127.0.0.1`, whose invoices are real invoices
/// of the LNbits payee wallet (or of a fake node's book, ``InvoiceIssuer``), and which records everything a client
/// does wrong.
///
/// Routes (shapes from sats4ai's documentation, `reference/l402.md` §4):
/// - `POST /api/l402/image-edit` `{prompt, image, aspect_ratio?, output_format?, modelId?}` →
///   `{"imageUrl": "<url>/media/<id>.png", "base64Image": "<8×8 PNG>"}` (a different PNG each call).
/// - `POST /api/l402/analyze-image` `{image, prompt?, modelId?}` → `{"content": "A test caption for an image of N
///   bytes."}` (N = decoded image bytes).
/// - `GET /api/l402/models` → `{"models": [{id, name, service, price_sats}]}`; the real field names are
///   **unverified**.
/// - `GET /api/estimate-cost?service=image-edit|analyze-image` → `{"service": …, "sats": N}` (documented as free and
///   exact; its field names are **unverified**, so the client reads several names), or 404 when
///   ``Configuration/estimateAvailable`` is false. Each call counts in ``estimatesServed``.
/// - `GET /media/<id>.png` → the PNG, `Content-Type: image/png`.
///
/// Without `Authorization`: an invalid body (not a JSON object, unknown field, `image` not base64 of a JPEG/PNG/
/// WebP/GIF/HEIC with or without a `data:image/…;base64,` prefix, empty `prompt` for image-edit, bad
/// `aspect_ratio`/`output_format`) → **400** `L402_INVALID_PARAMS`, no invoice. A valid body → a real invoice and
/// **402** `WWW-Authenticate: L402 token="<t>", macaroon="<t>", invoice="<bolt11>"` with body
/// `{"error": "Payment required", "error_code": "PAYMENT_REQUIRED", "suggestion": …, "price_sats": N}`. The token is
/// 66 random bytes in standard base64, single-use, bound to the payment hash, the endpoint and the SHA-256 of the
/// exact body bytes.
///
/// With `Authorization: L402 <token>:<64 lower-case hex preimage>` (`LSAT` also accepted, exactly one header),
/// in this order, each failure recorded in ``violations``:
/// - malformed header, unknown token, token for another endpoint, token used, older than
///   ``Configuration/tokenValiditySeconds``, `sha256(preimage)` ≠ payment hash, or the issuer (LNbits' payee) not
///   showing the invoice paid → **401** `L402_INVALID_TOKEN` (never a fresh 402: a client must not pay twice);
/// - body bytes differing from the challenged ones → **400** `INVALID_INPUT` "payload does not match the paid
///   request"; the token stays unused.
///
/// Then a pending ``PaidFault`` answers instead, or (with probability ``Configuration/paidFailureRate``) a generic
/// **500** that leaves the token unused, or the token is marked used and the call succeeds (**200**). The
/// token is consumed *before* a ``holdPaidRequests()`` hold, as when the real service starts the paid work: a client
/// killed during the hold that retries the same credential gets 401 and a violation. A 400 `INVALID_PARAMS` is also
/// recorded as a violation (the client should validate before asking for an invoice). Every error carries
/// `X-Error-Code` and the envelope `{error, error_code, suggestion}` (+ `retry_after_seconds`, `refund`).
///
/// ```swift
/// let fake = try await FakeSats4AI.start(lnbits: lnbits)
/// defer { Task { await fake.stop() } }   // or await fake.stop() at the end of the test
/// // point the client at fake.url, run it, then:
/// #expect(fake.violations.isEmpty && fake.paidRequests == 1)
/// ```
public final class FakeSats4AI: Sendable {
    /// Where the invoices come from (the LNbits payee wallet, unless started with ``start(issuer:configuration:)``).
    public let issuer: InvoiceIssuer
    /// Prices and time limits.
    public let configuration: Configuration
    let state = Mutex(FakeSats4AIState())

    private init(issuer: InvoiceIssuer, configuration: Configuration) {
        self.issuer = issuer
        self.configuration = configuration
    }

    /// Starts the fake on `127.0.0.1` on a free port and returns once it accepts connections.
    public static func start(lnbits: LNbitsServer, configuration: Configuration = .init()) async throws -> FakeSats4AI {
        try await start(issuer: .lnbits(lnbits), configuration: configuration)
    }

    /// Starts the fake with invoices from `issuer`, on `127.0.0.1` on a free port; returns once it accepts
    /// connections.
    public static func start(
        issuer: InvoiceIssuer, configuration: Configuration = .init()
    ) async throws -> FakeSats4AI {
        let fake = FakeSats4AI(issuer: issuer, configuration: configuration)
        fake.state.withLock { $0.dice = FaultDice(seed: configuration.faultSeed) }
        let router = Router()
        for endpoint in Endpoint.allCases {
            router.post(RouterPath(endpoint.path)) { request, _ in try await fake.handlePaid(endpoint, request) }
        }
        router.get("/api/l402/models") { _, _ in fake.modelsResponse() }
        router.get("/api/estimate-cost") { request, _ in fake.estimateResponse(service: request.uri.queryParameters["service"].map(String.init)) }
        router.get("/media/:name") { _, context in fake.mediaResponse(context.parameters.get("name") ?? "") }
        let (port, task) = try await LoopbackServer.start(router, name: "FakeSats4AI")
        fake.state.withLock {
            $0.port = port
            $0.serverTask = task
        }
        return fake
    }

    /// Releases held requests and shuts the server down; returns when it has stopped.
    public func stop() async {
        releasePaidRequests()
        let task = state.withLock { state in
            defer { state.serverTask = nil }
            return state.serverTask
        }
        task?.cancel()
        _ = await task?.result
    }

    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`.
    public var url: String { "http://127.0.0.1:\(state.withLock { $0.port })" }

    // MARK: - Observations

    /// How many 402 challenges were sent (including the one of ``PaidFault/paymentRequiredAgain``).
    public var challengesIssued: Int { state.withLock { $0.challengesIssued } }
    /// How many paid requests succeeded (200).
    public var paidRequests: Int { state.withLock { $0.paidRequests } }
    /// How many correctly paid requests were answered with a random 500 (``Configuration/paidFailureRate``).
    public var injectedPaidFailures: Int { state.withLock { $0.injectedPaidFailures } }
    /// What clients did wrong, one sentence each, in order.
    public var violations: [String] { state.withLock { $0.violations } }
    /// Every request to a paid endpoint, in the order they were answered.
    public var received: [ReceivedRequest] { state.withLock { $0.received } }
    /// How many `GET /api/estimate-cost` calls were answered (or refused).
    public var estimatesServed: Int { state.withLock { $0.estimatesServed } }

    /// How many paid requests are waiting in a ``holdPaidRequests()`` hold right now.
    public var heldRequestCount: Int { state.withLock { $0.waiters.count } }

    // MARK: - Fault injection

    /// Makes the next 402 challenge (only the next one) broken in the way `kind` says.
    public func overrideNextChallenge(_ kind: ChallengeFault) {
        state.withLock { $0.nextChallengeFault = kind }
    }

    /// Answers the next `times` correctly paid requests with `response` instead of the result; queued after any
    /// faults already pending.
    public func failPaidRequests(_ response: PaidFault, times: Int = 1) {
        state.withLock { $0.paidFaults += Array(repeating: response, count: max(0, times)) }
    }

    /// From now on, a correctly paid request waits (at most 120 s) before it is answered, until
    /// ``releasePaidRequests()``. Its token is already consumed while it waits.
    public func holdPaidRequests() {
        state.withLock { $0.held = true }
    }

    /// Ends the hold and lets every waiting request be answered.
    public func releasePaidRequests() {
        let waiters = state.withLock { state in
            state.held = false
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    // MARK: - Hold

    /// Waits while the fake is held: until release, `stop()`, cancellation or 120 s, whichever comes first.
    /// From now on, image-edit results carry only `imageUrl` (no `base64Image`), so clients must download.
    public func answerWithURLsOnly() {
        state.withLock { $0.urlOnly = true }
    }

    /// Lets every held request go as if the provider had never finished it (its process died, the client's
    /// connection broke first): the token stays unused and the request ends with a 503. Crash tests use this
    /// after killing the client mid-request.
    public func abandonHeldRequests() {
        let waiters = state.withLock { state in
            state.held = false
            state.abandoned.formUnion(state.waiters.keys)
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits while requests are held; returns true when the request was abandoned.
    func waitWhileHeld() async -> Bool {
        let id = UUID()
        let timeout = Task { [weak self] in
            try? await Task.sleep(for: .seconds(120))
            self?.resumeWaiter(id)
        }
        defer { timeout.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let waiting = state.withLock { state in
                    // Checked under the lock so a cancellation racing with this registration is never lost.
                    guard state.held, !Task.isCancelled else { return false }
                    state.waiters[id] = continuation
                    return true
                }
                if !waiting { continuation.resume() }
            }
        } onCancel: {
            resumeWaiter(id)
        }
        return state.withLock { $0.abandoned.remove(id) != nil }
    }

    private func resumeWaiter(_ id: UUID) {
        state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
    }
}
