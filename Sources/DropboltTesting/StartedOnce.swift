/// A value started on first use and shared by every later caller: one fake server for a whole suite.
///
/// Concurrent first callers share one start (an actor is reentrant across `await`, so each would otherwise start its
/// own); a failed start is forgotten, so the next caller tries again.
///
/// ```swift
/// static let node = StartedOnce { try await FakeCLN.start() }
/// let fake = try await Self.node.value()
/// ```
public actor StartedOnce<Value: Sendable> {
    private let start: @Sendable () async throws -> Value
    private var starting: Task<Value, any Error>?

    /// Remembers how to start the value; nothing starts yet.
    public init(_ start: @escaping @Sendable () async throws -> Value) {
        self.start = start
    }

    /// The value, started now if no one has started it yet.
    public func value() async throws -> Value {
        if let starting { return try await starting.value }
        let task = Task { try await start() }
        starting = task
        do {
            return try await task.value
        } catch {
            starting = nil
            throw error
        }
    }
}
