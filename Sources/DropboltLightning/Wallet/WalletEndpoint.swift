import AsyncHTTPClient
import DropboltCore
import DropboltHTTP
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// One wallet's HTTP API: its address, credentials and trust, and the rule that sorts every failed request into
/// "nothing was delivered" (`unavailable`) or, for a payment, "money may have moved" (`outcomeUnknown`).
///
/// Shared by the LND, Core Lightning and phoenixd backends so that each of them decides money questions the same
/// way. The credentials live only in ``headers``; no message built here contains them.
struct WalletEndpoint: Sendable {
    /// A request body.
    enum Body: Sendable {
        /// `application/json` text.
        case json(String)
        /// `application/x-www-form-urlencoded` fields, encoded here.
        case form([(name: String, value: String)])
    }

    /// An answer read whole: the status, the body as a JSON object (empty when it is not one) and as text.
    struct Answer {
        var status: Int
        var json: [String: Any]
        var text: String
    }

    /// The backend's name for messages (`LND`, `Core Lightning`, `phoenixd`).
    let name: String
    /// The base URL without a trailing slash.
    let baseURL: String
    /// Authentication headers sent with every request.
    let headers: HTTPHeaders
    let client: HTTPClient
    /// Trust for this endpoint only (LND's self-signed certificate); nil for the client's default.
    let tlsConfiguration: TLSConfiguration?

    init(name: String, url: String, headers: HTTPHeaders, client: HTTPClient, tls: TLSConfiguration? = nil) {
        self.name = name
        self.baseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.headers = headers
        self.client = client
        self.tlsConfiguration = tls
    }

    /// Sends one request and reads the answer whole (1 MB cap).
    ///
    /// - Parameter paying: true for a payment: a failure after the request may have arrived is then
    ///   `outcomeUnknown`; otherwise every failure is `unavailable`.
    func exchange(
        _ method: HTTPMethod, _ path: String, body: Body? = nil, timeout: Duration, paying: Bool
    ) async throws(PaymentError) -> Answer {
        let answer: HTTPExchangeResult
        do {
            answer = try await client.executeWhole(
                request(method, path, body: body), deadline: .now() + Self.amount(timeout), limit: 1 << 20)
        } catch {
            throw classify(error, paying: paying)
        }
        let data = Data(answer.body.readableBytesView)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        return Answer(status: answer.status, json: object ?? [:], text: String(decoding: data, as: UTF8.self))
    }

    /// Sends one request and hands the answer to `reader` line by line (newline-delimited JSON).
    func lines<Decision: Sendable>(
        _ method: HTTPMethod, _ path: String, body: Body? = nil, timeout: Duration, paying: Bool,
        reader: @escaping @Sendable (_ status: Int, _ index: Int, _ line: [String: Any]) -> Decision?
    ) async throws(PaymentError) -> HTTPLineStreamResult<Decision> {
        do {
            return try await client.executeLines(
                request(method, path, body: body), deadline: .now() + Self.amount(timeout), lineLimit: 1 << 20
            ) { status, index, line in
                let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
                return reader(status, index, object ?? [:])
            }
        } catch {
            throw classify(error, paying: paying)
        }
    }

    /// The failure of a request as a payment error: only a request that certainly never arrived is `unavailable`
    /// when paying.
    func classify(_ failure: HTTPExchangeFailure, paying: Bool) -> PaymentError {
        switch failure {
        case .noResponse(let cause):
            if !paying || HTTPFailure.neverDelivered(cause) || Self.handshakeFailed(cause) {
                return .unavailable("\(name) at \(baseURL) could not be reached", cause: cause)
            }
            return .outcomeUnknown("the connection to \(name) failed during the payment", cause: cause)
        case .bodyDeadline:
            if paying { return .outcomeUnknown("\(name) did not finish answering the payment in time", cause: failure) }
            return .unavailable("\(name) did not answer in time", cause: failure)
        default:
            if paying { return .outcomeUnknown("\(name)'s answer to the payment was incomplete", cause: failure) }
            return .unavailable("\(name)'s answer was incomplete", cause: failure)
        }
    }

    private func request(_ method: HTTPMethod, _ path: String, body: Body?) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers = headers
        request.headers.add(name: "Accept", value: "application/json")
        request.tlsConfiguration = tlsConfiguration
        switch body {
        case .json(let text):
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: text))
        case .form(let fields):
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: Self.formEncoded(fields)))
        case nil:
            break
        }
        return request
    }

    /// A TLS handshake that failed (an untrusted certificate, say) ends before any request byte is sent.
    private static func handshakeFailed(_ error: any Error) -> Bool {
        if let error = error as? NIOSSLError, case .handshakeFailed = error { return true }
        return false
    }

    /// `application/x-www-form-urlencoded`: everything but unreserved characters is percent-encoded.
    static func formEncoded(_ fields: [(name: String, value: String)]) -> String {
        var unreserved = CharacterSet.alphanumerics
        unreserved.insert(charactersIn: "-._~")
        func encode(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
        }
        return fields.map { "\(encode($0.name))=\(encode($0.value))" }.joined(separator: "&")
    }

    /// How long a node may search for routes within a call's `timeout`: three quarters of it (at least one
    /// second), so that HTLCs sent late can still resolve and the answer arrive inside `wallet.timeout_seconds`.
    static func searchSeconds(of timeout: Duration) -> Int64 {
        max(1, timeout.components.seconds * 3 / 4)
    }

    static func amount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// Reading the loosely typed JSON wallets answer with.
enum WalletJSON {
    /// An integer given as a JSON number or as a string of digits (protobuf JSON writes int64 as a string).
    static func int64(_ value: Any?) -> Int64? {
        switch value {
        case let number as NSNumber: return number.int64Value
        case let text as String: return Int64(text)
        default: return nil
        }
    }

    /// 32 bytes from 64 hex digits, or nil.
    static func bytes32(hex value: Any?) -> [UInt8]? {
        guard let text = value as? String, let bytes = Hex.bytes(text), bytes.count == 32 else { return nil }
        return bytes
    }

    /// The network a node reports by name (``Network/init(reportedName:)``), or nil.
    static func network(_ value: Any?) -> Network? {
        (value as? String).flatMap(Network.init(reportedName:))
    }
}
