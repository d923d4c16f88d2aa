import Foundation

/// Any JSON value, for reading provider responses tolerantly: unknown fields are ignored and a field of an
/// unexpected type is reported rather than failing the whole body.
enum JSONValue: Sendable, Hashable, Decodable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// The top-level object of a JSON body, or nil when the body is not JSON or not an object.
    static func object(from body: [UInt8]) -> [String: JSONValue]? {
        guard case .object(let members)? = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else {
            return nil
        }
        return members
    }

    /// The string, or nil for any other kind of value.
    var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// A number, or a string holding a decimal number (`"10"`), or nil.
    var numberValue: Double? {
        switch self {
        case .number(let value): value
        case .string(let text): Double(text.trimmingCharacters(in: .whitespaces))
        default: nil
        }
    }

    /// A string, or a number or boolean written as text; nil for null, arrays and objects.
    var textValue: String? {
        switch self {
        case .string(let value): value
        case .number(let value): value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .bool(let value): String(value)
        default: nil
        }
    }
}
