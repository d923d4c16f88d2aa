import DropboltWatch
import ServiceLifecycle

/// Runs the ``Watcher`` for the life of the service group: started first, stopped last.
struct WatchService: Service {
    let watcher: Watcher

    func run() async throws {
        watcher.start()
        // Ends on graceful shutdown, or throws on cancellation; the watcher stops either way.
        defer { watcher.stop() }
        try await gracefulShutdown()
    }
}
