import AsyncHTTPClient
import DropboltCore
import DropboltLightning
import DropboltSats4AI
import Foundation
import DropboltStore
import DropboltWatch
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// The `dropbolt run` process: watcher and intake in one `ServiceGroup`.
///
/// ```swift
/// let configuration = try DropboltConfiguration.load(path: "dropbolt.yaml")
/// try await Daemon(configuration: configuration, logger: logger).run()
/// ```
public struct Daemon: Sendable {
    /// How the daemon runs.
    public struct Options: Sendable {
        /// Reconcile every root once, queue what is new, and exit (no inotify, no waiting for new files).
        public var once: Bool
        /// Trap SIGTERM/SIGINT (graceful shutdown) and SIGHUP (reload). Tests run without.
        public var handleSignals: Bool
        /// Run the pipeline (quote, pay, fetch, write). False only watches and queues (`--queue-only`).
        public var processJobs: Bool
        /// Multiplies the pipeline's hold and retry waits (``PipelineContext/waitScale``) and the intake's pause
        /// before rescanning after a failed batch; tests only.
        var waitScale: Double = 1

        /// Creates options; the defaults are those of `dropbolt run`.
        public init(once: Bool = false, handleSignals: Bool = true, processJobs: Bool = true) {
            self.once = once
            self.handleSignals = handleSignals
            self.processJobs = processJobs
        }
    }

    /// The loaded configuration.
    public let configuration: DropboltConfiguration
    /// How to run.
    public let options: Options
    /// Where everything logs.
    public let logger: Logger

    /// Creates a daemon; nothing runs until ``run()``.
    public init(configuration: DropboltConfiguration, options: Options = .init(), logger: Logger) {
        self.configuration = configuration
        self.options = options
        self.logger = logger
    }

    /// Opens the store, loads the rules, and runs until shutdown (or, with ``Options/once``, until every root was
    /// reconciled once).
    ///
    /// - Throws: ``StoreError`` when the state folder or database cannot be opened; a service's error.
    public func run() async throws {
        let httpClient = Self.makeHTTPClient()
        do {
            let parts = try await makeServiceGroup(httpClient: httpClient)
            let watchdog = Task { [notifier] in
                if let notifier { await SystemdNotifyService.keepWatchdog(notifier: notifier, watcher: parts.watcher) }
            }
            defer { watchdog.cancel() }
            try await parts.group.run()
            withExtendedLifetime(parts.lock) {}
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }

    /// systemd's notify socket, when the daemon was started by a `Type=notify` unit (never in `--once` runs).
    var notifier: SystemdNotifier? {
        options.once ? nil : SystemdNotifier(environment: ProcessInfo.processInfo.environment)
    }

    /// How long a clean stop may take: a payment already sent (wallet timeout), then its paid request and the
    /// result's download (provider timeout each), then writing the output. No payment starts once a stop begins,
    /// and a request already paid for is never cut short (its single-use token is spent).
    public static func stopGrace(for configuration: DropboltConfiguration) -> Duration {
        let wallet = configuration.wallet?.timeoutSeconds ?? 0
        return .seconds(wallet + 2 * configuration.provider.timeoutSeconds + 15)
    }

    /// One client for the provider and the wallet, with explicit connect timeouts and no redirects (a POST
    /// carrying a credential must not be re-sent elsewhere).
    static func makeHTTPClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(180))
        // A host that refuses or does not resolve fails the request at once instead of being retried inside
        // AsyncHTTPClient until the deadline: the job is held and retried with its own backoff, and a worker is
        // not tied up (nor a clean stop delayed) by a provider or wallet that is down.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Builds everything `run` runs; tests keep the watcher to observe it. The caller keeps `lock` alive for as long
    /// as the group runs: it is what keeps a second daemon off the state folder.
    func makeServiceGroup(
        httpClient: HTTPClient, wallet override: (any Wallet)? = nil
    ) async throws -> (group: ServiceGroup, watcher: Watcher, store: Store, lock: StateFolderLock) {
        let lock = try StateFolderLock.acquire(stateFolder: configuration.stateFolder)
        let store = try Store.open(stateFolder: configuration.stateFolder)
        let wallet: (any Wallet)? =
            try override
            ?? configuration.wallet.map {
                try WalletFactory.make(
                    $0, httpClient: httpClient, environment: ProcessInfo.processInfo.environment, logger: logger)
            }
        let ruleBook = RuleBook(configuration: configuration)
        logRules(ruleBook.ruleSet, logger: logger)
        if wallet == nil {
            logger.notice("no wallet configured: quote-only mode, nothing will ever be paid")
        } else {
            logger.info("wallet configured", metadata: ["wallet.backend": "\(wallet?.backendName ?? "")"])
        }
        var watching = watcherConfiguration(ruleBook: ruleBook)
        watching.folderStamps = try await store.folderStamps(fingerprint: RuleBook.fingerprint(of: ruleBook.ruleSet))
        let watcher = Watcher(configuration: watching, logger: logger)
        let notifier = self.notifier
        let metrics = DaemonMetrics()
        let readyMessage = "READY=1\nSTATUS=watching \(ruleBook.ruleSet.watchFolders.count) folders"
        let newWork = WorkSignal()
        let intake = IntakeService(
            watcher: watcher, store: store, ruleBook: ruleBook, logger: logger,
            onFirstReconcile: { _ in
                notifier?.send(readyMessage)
                ProcessMemory.giveBackFreeMemory()
            }, metrics: metrics, newWork: newWork, retryPauseSeconds: 5 * options.waitScale)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: WatchService(watcher: watcher), serviceName: "watch"),
            .init(
                service: intake,
                successTerminationBehavior: options.once ? .gracefullyShutdownGroup : .cancelGroup,
                serviceName: "intake"),
        ]
        var context = PipelineContext(
            configuration: configuration, store: store, ruleBook: ruleBook,
            provider: Sats4AIClient(
                baseURL: configuration.provider.url, httpClient: httpClient,
                timeout: .seconds(configuration.provider.timeoutSeconds)),
            wallet: wallet, spool: try Spool(stateFolder: configuration.stateFolder), logger: logger)
        context.metrics = metrics
        context.waitScale = options.waitScale
        if let http = configuration.http, let address = NetworkAddress.listenAddress(http), !options.once {
            if !NetworkAddress.isLoopback(host: address.host) {
                logger.warning(
                    "the status page is reachable from other machines (http_public: true); it shows file paths, spend and refund links",
                    metadata: ["http": "\(http)"])
            }
            let source = StatusSource(
                configuration: configuration, store: store, watcher: watcher, wallet: wallet, metrics: metrics)
            services.append(
                .init(service: StatusServer(host: address.host, port: address.port, status: source, logger: logger), serviceName: "status"))
        }
        if options.processJobs && !options.once {
            services.append(
                .init(
                    service: PipelineService(context: context, workers: configuration.workers, newWork: newWork),
                    serviceName: "pipeline"))
        }
        if options.handleSignals && !options.once {
            services.append(.init(service: ReloadSignalService(watcher: watcher), serviceName: "reload"))
        }
        if let notifier {
            services.append(
                .init(
                    service: SystemdNotifyService(notifier: notifier, watcher: watcher, stopGrace: Self.stopGrace(for: configuration)),
                    serviceName: "systemd-notify"))
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: options.handleSignals ? [.sigterm, .sigint] : [],
            logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = Self.stopGrace(for: configuration)
        return (ServiceGroup(configuration: groupConfiguration), watcher, store, lock)
    }

    func watcherConfiguration(ruleBook: RuleBook) -> WatcherConfiguration {
        let settings = configuration
        return WatcherConfiguration(
            roots: ruleBook.ruleSet.watchFolders,
            controlFolders: options.once ? [] : [settings.rulesFolder],
            settle: .milliseconds(Int64((settings.settleSeconds * 1000).rounded())),
            pollInterval: settings.pollSeconds > 0 ? .milliseconds(Int64((settings.pollSeconds * 1000).rounded())) : nil,
            rescanInterval: settings.rescanMinutes > 0
                ? .milliseconds(Int64((settings.rescanMinutes * 60_000).rounded())) : nil,
            useInotify: settings.inotify && !options.once,
            accepts: { ruleBook.accepts($0) },
            oneShot: options.once)
    }
}
