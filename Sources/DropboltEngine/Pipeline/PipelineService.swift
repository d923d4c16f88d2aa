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
    /// Work only on the jobs of this `dropbolt scan` run (a scan working without a daemon); nil for all jobs.
    var scan: Int64? = nil
    /// Rung by the intake when it queued jobs; the dispatcher also rings it when a worker frees up.
    var newWork = WorkSignal()

    /// Jobs being worked on, by id and by (rule, content): the dispatcher never hands one job to two workers,
    /// nor runs two jobs for the same content under one rule at once (the second must see the first's output to
    /// apply `on_duplicate` instead of paying again).
    final class InFlight: Sendable {
        private struct Entries {
            var ids: Set<Int64> = []
            var contents: Set<String> = []
            /// Jobs whose step just failed, left alone here until then (see ``JobProcessor/run(_:)``).
            var coolingUntil: [Int64: ContinuousClock.Instant] = [:]
        }
        private let entries = Mutex(Entries())
        var ids: Set<Int64> { entries.withLock { $0.ids } }
        /// The jobs not to hand out now: those in flight and those cooling down after a failed step.
        func excluded(now: ContinuousClock.Instant) -> Set<Int64> {
            entries.withLock { entries in
                entries.coolingUntil = entries.coolingUntil.filter { $0.value > now }
                return entries.ids.union(entries.coolingUntil.keys)
            }
        }
        func claim(_ job: JobRecord) -> Bool {
            entries.withLock { entries in
                guard let id = job.id, !entries.ids.contains(id),
                    entries.contents.insert(job.rule + "\u{0}" + job.sha256).inserted
                else { return false }
                entries.ids.insert(id)
                return true
            }
        }
        func release(_ job: JobRecord, coolingDown pause: Duration?, now: ContinuousClock.Instant = .now) {
            entries.withLock { entries in
                if let id = job.id {
                    entries.ids.remove(id)
                    if let pause { entries.coolingUntil[id] = now + pause }
                }
                entries.contents.remove(job.rule + "\u{0}" + job.sha256)
            }
        }
    }

    func run() async throws {
        if context.wallet != nil {
            let released = try await context.store.releaseQuoteOnlyHolds(at: Date())
            if released > 0 { context.logger.info("wallet configured; quoted jobs resume", metadata: ["jobs.count": "\(released)"]) }
        }
        let sweeper = SpoolSweeper(spool: context.spool, store: context.store, logger: context.logger)
        try? await sweeper.sweep()
        var nextSweep = ContinuousClock.now + .seconds(3600)
        let processor = JobProcessor(context: context)
        let inFlight = InFlight()
        let newWork = self.newWork
        // Held jobs come due by the clock, and another process (`dropbolt rules release`) can wake jobs: look again
        // every second even when nothing rings (a tighter idle poll cost 0.4% CPU doing nothing).
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                newWork.ring()
            }
        }
        defer { ticker.cancel() }
        var wakeUps = newWork.wakeUps()
        var worked = false
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                while !Task.isShuttingDownGracefully && !Task.isCancelled {
                    if ContinuousClock.now >= nextSweep {
                        // Files of jobs in flight are needed by their states, so sweeping beside the workers is safe.
                        try? await sweeper.sweep()
                        nextSweep = ContinuousClock.now + .seconds(3600)
                    }
                    let busy = inFlight.ids
                    var started = 0
                    if busy.count < workers {
                        // A few more than free workers, in case some share content with a job in flight.
                        let jobs = try await context.store.runnableJobs(
                            now: Date(), excluding: inFlight.excluded(now: .now), limit: (workers - busy.count) * 4,
                            scan: scan)
                        for job in jobs where started < workers - busy.count && inFlight.claim(job) {
                            started += 1
                            group.addTask {
                                let pause = await processor.run(job)
                                inFlight.release(job, coolingDown: pause)
                                newWork.ring()
                            }
                        }
                    }
                    if started > 0 || !busy.isEmpty {
                        worked = true
                    } else if worked {
                        // The queue drained: what the jobs' buffers left free goes back to the system.
                        worked = false
                        ProcessMemory.giveBackFreeMemory()
                    }
                    await wakeUps.next()
                }
            }
        } onGracefulShutdown: {
            newWork.ring()
        }
    }
}
