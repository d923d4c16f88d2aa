import DropboltStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs up to `workers` jobs at a time through ``JobProcessor``, oldest first.
///
/// On graceful shutdown it takes no new job but lets the ones in flight finish their step (the payment, the
/// output write and the record), which is why jobs never sleep inside a step: waits are `not_before` in the store.
struct PipelineService: Service {
    let context: PipelineContext
    let workers: Int

    /// Job ids being worked on, so the dispatcher never hands one job to two workers.
    private final class InFlight: Sendable {
        private let ids = Mutex<Set<Int64>>([])
        var current: Set<Int64> { ids.withLock { $0 } }
        func insert(_ id: Int64) { _ = ids.withLock { $0.insert(id) } }
        func remove(_ id: Int64) { _ = ids.withLock { $0.remove(id) } }
    }

    func run() async throws {
        if context.wallet != nil {
            let released = try await context.store.releaseQuoteOnlyHolds(at: Date())
            if released > 0 { context.logger.info("wallet configured; quoted jobs resume", metadata: ["jobs.count": "\(released)"]) }
        }
        let processor = JobProcessor(context: context)
        let inFlight = InFlight()
        try await withThrowingDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let busy = inFlight.current
                var started = 0
                if busy.count < workers {
                    let jobs = try await context.store.runnableJobs(now: Date(), excluding: busy, limit: workers - busy.count)
                    for job in jobs {
                        guard let id = job.id else { continue }
                        inFlight.insert(id)
                        started += 1
                        group.addTask {
                            await processor.run(job)
                            inFlight.remove(id)
                        }
                    }
                }
                // Idle: look again soon (new jobs, held ones coming due). Busy: as soon as a worker frees up.
                try? await Task.sleep(for: started == 0 && busy.isEmpty ? .milliseconds(200) : .milliseconds(20))
            }
        }
    }
}
