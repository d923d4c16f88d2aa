import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// One HTTP answer read whole: status, headers, and the body up to a cap.
public struct HTTPExchangeResult: Sendable {
    /// The status code.
    public var status: Int
    /// The response headers.
    public var headers: HTTPHeaders
    /// The whole body.
    public var body: ByteBuffer
}

/// Why a whole exchange ended without a complete answer.
public enum HTTPExchangeFailure: Error, Sendable, CustomStringConvertible {
    /// No response head came back; `cause` is AsyncHTTPClient's error.
    case noResponse(any Error)
    /// The head came, but the body did not finish before the deadline.
    case bodyDeadline(status: Int)
    /// The body was larger than the cap.
    case bodyTooLarge(status: Int, limit: Int)
    /// The body was cut off by the connection.
    case bodyCutOff(status: Int, any Error)

    /// What happened, without the request's headers or body (they may carry credentials).
    public var description: String {
        switch self {
        case .noResponse(let cause): "no answer: \(cause)"
        case .bodyDeadline(let status): "HTTP \(status), but the body did not finish before the deadline"
        case .bodyTooLarge(let status, let limit): "HTTP \(status), but the body is larger than \(limit) bytes"
        case .bodyCutOff(let status, let cause): "HTTP \(status), but the body was cut off: \(cause)"
        }
    }
}

extension HTTPClient {
    /// Sends `request` and reads the whole answer under **one** deadline and a size cap.
    ///
    /// AsyncHTTPClient's own deadline ends when the response head arrives; a server that then trickles the body a
    /// byte at a time would hold the caller for as long as it likes (each read resets the read timeout). Here the
    /// body is collected in a child task that is cancelled at `deadline`, which closes the connection.
    ///
    /// ```swift
    /// let answer = try await client.executeWhole(request, deadline: .now() + .seconds(120), limit: 1 << 20)
    /// ```
    /// - Throws: ``HTTPExchangeFailure``.
    public func executeWhole(
        _ request: HTTPClientRequest, deadline: NIODeadline, limit: Int
    ) async throws(HTTPExchangeFailure) -> HTTPExchangeResult {
        let (response, status) = try await head(request, deadline: deadline)
        let outcome: Result<ByteBuffer, HTTPExchangeFailure> = await Self.racing(deadline, status: status) {
            do {
                return .success(try await response.body.collect(upTo: limit))
            } catch let error as NIOTooManyBytesError {
                _ = error
                return .failure(.bodyTooLarge(status: status, limit: limit))
            } catch {
                return .failure(.bodyCutOff(status: status, error))
            }
        }
        switch outcome {
        case .success(let body): return HTTPExchangeResult(status: status, headers: response.headers, body: body)
        case .failure(let failure): throw failure
        }
    }

    /// Runs `readBody` until it finishes or `deadline` passes, whichever comes first; at the deadline the read is
    /// cancelled (which closes the connection) and the result is ``HTTPExchangeFailure/bodyDeadline(status:)``.
    static func racing<Value: Sendable>(
        _ deadline: NIODeadline, status: Int,
        _ readBody: @escaping @Sendable () async -> Result<Value, HTTPExchangeFailure>
    ) async -> Result<Value, HTTPExchangeFailure> {
        await withTaskGroup(of: Result<Value, HTTPExchangeFailure>?.self) { group in
            group.addTask { await readBody() }
            group.addTask {
                let remaining = deadline - .now()
                if remaining > .zero {
                    try? await _Concurrency.Task.sleep(nanoseconds: UInt64(remaining.nanoseconds))
                }
                return _Concurrency.Task.isCancelled ? nil : .failure(.bodyDeadline(status: status))
            }
            var first: Result<Value, HTTPExchangeFailure>?
            while first == nil, let next = await group.next() { first = next }
            group.cancelAll()
            return first ?? .failure(.bodyDeadline(status: status))
        }
    }

    /// Sends `request` and waits for the answer's head; no head by `deadline` is ``HTTPExchangeFailure/noResponse(_:)``.
    func head(
        _ request: HTTPClientRequest, deadline: NIODeadline
    ) async throws(HTTPExchangeFailure) -> (HTTPClientResponse, status: Int) {
        do {
            let response = try await execute(request, deadline: deadline)
            return (response, Int(response.status.code))
        } catch {
            throw .noResponse(error)
        }
    }
}
