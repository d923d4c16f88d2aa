import Logging
import Synchronization

/// Keeps every log record in memory so tests can assert messages and metadata.
///
/// ```swift
/// let records = LogRecords()
/// let logger = Logger(label: "test") { _ in InMemoryLogHandler(records: records) }
/// … #expect(records.messages.contains("…"))
/// ```
public struct InMemoryLogHandler: LogHandler {
    /// Where the records go.
    public let records: LogRecords
    /// Metadata attached to every record of this handler.
    public var metadata: Logger.Metadata = [:]
    /// Records below this level are dropped.
    public var logLevel: Logger.Level = .trace

    /// Creates a handler that appends to `records`.
    public init(records: LogRecords) { self.records = records }

    /// Reads or sets one metadata key.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Appends one record.
    public func log(event: LogEvent) {
        records.append(
            LogRecords.Record(
                level: event.level, message: event.message.description,
                metadata: metadata.merging(event.metadata ?? [:]) { $1 }.mapValues(\.description)))
    }
}

/// The shared list of records behind ``InMemoryLogHandler``.
public final class LogRecords: Sendable {
    /// One log record with its metadata rendered as strings.
    public struct Record: Sendable {
        /// Its level.
        public var level: Logger.Level
        /// The constant message.
        public var message: String
        /// Metadata, values as strings.
        public var metadata: [String: String]
    }

    private let storage = Mutex<[Record]>([])

    /// Creates an empty list.
    public init() {}

    /// A copy of every record so far.
    public var all: [Record] { storage.withLock { $0 } }

    /// Every message so far.
    public var messages: [String] { all.map(\.message) }

    func append(_ record: Record) { storage.withLock { $0.append(record) } }
}
