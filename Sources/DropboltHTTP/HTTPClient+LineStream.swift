import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// How a line-by-line read of an answer ended.
public enum HTTPLineStreamResult<Decision: Sendable>: Sendable {
    /// The reader decided after the line with this zero-based index; the rest of the body was not read.
    case decided(status: Int, Decision)
    /// The body ended (the server closed the stream) before the reader decided; `lines` lines were read.
    case ended(status: Int, lines: Int)
}

extension HTTPClient {
    /// Sends `request` and hands its answer to `reader` one line at a time (newline-delimited JSON streams, such as
    /// LND's `/v2/router/send`), until the reader returns a decision, the body ends, or `deadline` passes.
    ///
    /// The whole exchange, head and body, runs under the one deadline: a stream that stays open without a decisive
    /// line (a payment in flight) ends in ``HTTPExchangeFailure/bodyDeadline(status:)`` and the connection is closed.
    /// Empty lines are skipped; a trailing line without a newline is handed over when the body ends.
    ///
    /// ```swift
    /// let result = try await client.executeLines(request, deadline: .now() + .seconds(90), lineLimit: 1 << 20) {
    ///     status, index, line in line.contains("SUCCEEDED") ? line : nil
    /// }
    /// ```
    /// - Parameters:
    ///   - lineLimit: the longest line accepted, in bytes; a longer one ends the read with
    ///     ``HTTPExchangeFailure/bodyTooLarge(status:limit:)``.
    ///   - reader: called with the status, the line's index and the line's text; a non-nil return ends the read.
    /// - Throws: ``HTTPExchangeFailure``.
    public func executeLines<Decision: Sendable>(
        _ request: HTTPClientRequest,
        deadline: NIODeadline,
        lineLimit: Int,
        reader: @escaping @Sendable (_ status: Int, _ index: Int, _ line: String) -> Decision?
    ) async throws(HTTPExchangeFailure) -> HTTPLineStreamResult<Decision> {
        let (response, status) = try await head(request, deadline: deadline)
        let outcome: Result<HTTPLineStreamResult<Decision>, HTTPExchangeFailure> = await Self.racing(
            deadline, status: status
        ) {
            do {
                return try await Self.readLines(response.body, status: status, lineLimit: lineLimit, reader: reader)
            } catch {
                return .failure(.bodyCutOff(status: status, error))
            }
        }
        switch outcome {
        case .success(let result): return result
        case .failure(let failure): throw failure
        }
    }

    private static func readLines<Decision: Sendable>(
        _ body: HTTPClientResponse.Body,
        status: Int,
        lineLimit: Int,
        reader: @Sendable (Int, Int, String) -> Decision?
    ) async throws -> Result<HTTPLineStreamResult<Decision>, HTTPExchangeFailure> {
        var pending: [UInt8] = []
        var index = 0
        // Hands one complete line to the reader; empty lines (keep-alives) do not count.
        func deliver(_ line: ArraySlice<UInt8>) -> Decision? {
            let text = String(decoding: line, as: UTF8.self).trimmingWhitespace
            guard !text.isEmpty else { return nil }
            defer { index += 1 }
            return reader(status, index, text)
        }
        for try await chunk in body {
            pending.append(contentsOf: chunk.readableBytesView)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                if let decision = deliver(pending[..<newline]) { return .success(.decided(status: status, decision)) }
                pending.removeSubrange(...newline)
            }
            if pending.count > lineLimit { return .failure(.bodyTooLarge(status: status, limit: lineLimit)) }
        }
        if let decision = deliver(pending[...]) { return .success(.decided(status: status, decision)) }
        return .success(.ended(status: status, lines: index))
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[start...end])
    }
}
