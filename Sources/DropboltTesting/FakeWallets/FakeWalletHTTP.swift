import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The HTTP plumbing the fake wallet nodes share: reading a request body, writing JSON, and holding a server.
enum FakeWalletHTTP {
    /// True for a payment hash written as 64 lower-case hex digits (what every wallet API expects); anything the
    /// client sends is checked without trapping, so a malformed hash is a recorded violation, not a crash.
    static func isLowerHex64(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// A JSON answer (keys sorted, so the bytes are stable).
    static func json(_ status: Int, _ object: Any) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A plain-text answer (phoenixd's errors).
    static func text(_ status: Int, _ text: String) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "text/plain; charset=UTF-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// An answer whose head goes out and whose body breaks the connection: the request certainly arrived, the
    /// result never does.
    static func droppedAfterHead(_ status: Int) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: ResponseBody { _ in throw FakeWalletBook.DroppedConnection() })
    }

    /// The request body, whole (wallet requests are small).
    static func body(_ request: Request) async throws -> String {
        String(buffer: try await request.body.collect(upTo: 1 << 20))
    }

    /// The body as a JSON object, or nil when it is not one.
    static func jsonBody(_ request: Request) async throws -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(try await body(request).utf8))) as? [String: Any]
    }

    /// One JSON object as a line of a newline-delimited stream.
    static func line(_ object: Any) -> ByteBuffer {
        var data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        data.append(UInt8(ascii: "\n"))
        return ByteBuffer(bytes: data)
    }

    /// A header's single value.
    static func header(_ request: Request, _ name: String) -> String? {
        HTTPField.Name(name).flatMap { request.headers[$0] }
    }

    /// An integer written as a JSON number or as a string of digits (protobuf JSON's int64).
    static func int64(_ value: Any?) -> Int64? {
        switch value {
        case let text as String: Int64(text)
        case let number as NSNumber: number.int64Value
        default: nil
        }
    }

    /// The fake nodes' node id: the BOLT 11 examples' payee key.
    static let nodeID = InvoiceSigner.specPayeeHex
}
