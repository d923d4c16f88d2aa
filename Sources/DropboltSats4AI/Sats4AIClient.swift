import DropboltCore
import AsyncHTTPClient
import DropboltHTTP
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP answer from the provider, whole: status, headers and body.
public struct ProviderReply: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// Header values by lowercased name, in order (a repeated header keeps every value).
    public var headers: [String: [String]]
    /// The body bytes (capped; see ``Sats4AIClient``).
    public var body: [UInt8]

    /// Creates a reply.
    public init(status: Int, headers: [String: [String]], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Every value of one header (case-insensitive).
    public func values(_ name: String) -> [String] { headers[name.lowercased()] ?? [] }

    /// The parsed error envelope (never throws; non-JSON bodies keep their text).
    public var errorBody: ProviderErrorBody {
        ProviderErrorBody(
            body: body, errorCodeHeader: values("x-error-code").first, retryAfterHeader: values("retry-after").first)
    }
}

/// Why a request to the provider got no answer, and whether it may have arrived.
public struct ProviderTransportError: Error, Sendable, CustomStringConvertible {
    /// The request certainly never reached the provider.
    public var neverDelivered: Bool
    /// What happened.
    public var message: String
    /// The description.
    public var description: String { message }
}

/// Talks HTTP to sats4ai (or anything with its API): the POST that gets a 402, the paid retry, downloads.
///
/// It knows nothing of payment; the engine journals each step between calls.
public struct Sats4AIClient: Sendable {
    /// Largest response body accepted (an edited image in base64 plus JSON).
    public static let maximumResponseBytes = 96 << 20

    private let baseURL: String
    private let client: HTTPClient
    private let timeout: TimeAmount

    /// Creates a client for `baseURL` (no trailing slash), e.g. `https://sats4ai.com`.
    public init(baseURL: String, httpClient: HTTPClient, timeout: Duration) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.client = httpClient
        self.timeout = .seconds(timeout.components.seconds)
    }

    /// The full URL of an endpoint, for logs (`l402.url`).
    public func url(of endpoint: Sats4AIEndpoint) -> String { baseURL + endpoint.path }

    /// POSTs `body` (JSON bytes) to `endpoint`, with `authorization` on the paid retry.
    ///
    /// - Throws: ``ProviderTransportError`` when no complete answer came back.
    public func post(
        _ endpoint: Sats4AIEndpoint, body: [UInt8], authorization: String? = nil
    ) async throws(ProviderTransportError) -> ProviderReply {
        try await post(endpoint, body: .bytes(body), authorization: authorization)
    }

    /// POSTs `body` (JSON, in memory or streamed from its spool file) to `endpoint`, with `authorization` on the
    /// paid retry.
    ///
    /// - Throws: ``ProviderTransportError`` when no complete answer came back.
    public func post(
        _ endpoint: Sats4AIEndpoint, body: RequestBody, authorization: String? = nil
    ) async throws(ProviderTransportError) -> ProviderReply {
        var request = HTTPClientRequest(url: url(of: endpoint))
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "dropbolt")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        switch body {
        case .bytes(let bytes):
            request.body = .bytes(bytes)
        case .file(let path, let length):
            // A chunk at a time, as the connection takes it: a 27 MB body costs one chunk of memory. 128 KB stays
            // under the daemon's fixed mmap threshold (``ProcessMemory``), so chunks reuse heap memory; 1 MB chunks
            // were each mapped, faulted in page by page and unmapped.
            request.body = .stream(FileChunks(path: path, chunkBytes: 1 << 17), length: .known(Int64(length)))
        }
        return try await execute(request)
    }

    /// GETs a free endpoint (`/api/l402/models`).
    public func get(_ endpoint: Sats4AIEndpoint) async throws(ProviderTransportError) -> ProviderReply {
        var request = HTTPClientRequest(url: url(of: endpoint))
        request.headers.add(name: "Accept", value: "application/json")
        return try await execute(request)
    }

    /// Asks the free `GET /api/estimate-cost?service=…` for the price of one call to `service` (no invoice).
    public func estimateCost(of service: Sats4AIEndpoint) async throws(ProviderTransportError) -> ProviderReply {
        var request = HTTPClientRequest(url: baseURL + (Sats4AIEndpoint.estimateCostPath(for: service) ?? ""))
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "dropbolt")
        return try await execute(request, limit: 1 << 20)
    }

    /// Downloads a result URL (`imageUrl`) at once, capped at `limit` bytes, under the same whole-exchange deadline.
    ///
    /// - Throws: ``ProviderTransportError`` also when the URL is neither https nor http to loopback (the answer
    ///   came from outside; it must not send us to plain http elsewhere).
    public func download(_ url: String, limit: Int) async throws(ProviderTransportError) -> ProviderReply {
        guard RemoteURLPolicy.allows(url) else {
            throw ProviderTransportError(
                neverDelivered: true, message: "\(url): refused: a result URL must be https (or http to loopback)")
        }
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "User-Agent", value: "dropbolt")
        return try await execute(request, limit: limit)
    }

    private func execute(
        _ request: HTTPClientRequest, limit: Int = Sats4AIClient.maximumResponseBytes
    ) async throws(ProviderTransportError) -> ProviderReply {
        // One deadline for the whole exchange, body included: a provider trickling bytes must not hold a worker
        // past the paid token's life.
        let answer: HTTPExchangeResult
        do {
            answer = try await client.executeWhole(request, deadline: .now() + timeout, limit: limit)
        } catch {
            if case .noResponse(let cause) = error {
                throw ProviderTransportError(
                    neverDelivered: HTTPFailure.neverDelivered(cause), message: "\(request.url): \(cause)")
            }
            throw ProviderTransportError(neverDelivered: false, message: "\(request.url): \(error)")
        }
        var headers: [String: [String]] = [:]
        for header in answer.headers { headers[header.name.lowercased(), default: []].append(header.value) }
        return ProviderReply(status: answer.status, headers: headers, body: Array(answer.body.readableBytesView))
    }
}
