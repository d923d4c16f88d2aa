/// Wakes the pipeline's dispatcher the moment there may be work for it: jobs queued, a worker freed, a stop
/// begun. Rings are never lost and never pile up: a ring while nobody waits is kept as one pending wake-up.
///
/// Without it the dispatcher polled (every second when idle, every 20 ms when busy), so a new job waited up to a
/// second to start and a stop waited out the idle sleep.
final class WorkSignal: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    /// A signal with nothing pending.
    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Wakes the waiter, now or at its next wait.
    func ring() {
        continuation.yield(())
    }

    /// The wake-ups, for the one task that waits on them.
    func wakeUps() -> AsyncStream<Void>.Iterator {
        stream.makeAsyncIterator()
    }
}
