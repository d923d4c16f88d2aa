import DropboltCore
import DropboltLightning
import DropboltStore
import DropboltWatch
import Foundation
import NIOHTTP1
import Synchronization

/// What `/healthz` found.
struct HealthReport: Sendable {
    var watcher: String
    var database: String
    var wallet: String
    var healthy: Bool

    var json: String {
        let fields = ["status": healthy ? "ok" : "failing", "watcher": watcher, "database": database, "wallet": wallet]
        let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// Reads what the status endpoint shows: the store, the watcher's heartbeat, the wallet's balance, the histograms.
final class StatusSource: Sendable {
    let configuration: DropboltConfiguration
    let store: Store
    let watcher: Watcher
    let wallet: (any Wallet)?
    let metrics: DaemonMetrics
    /// The port actually bound (for tests binding port 0).
    let listeningPort = Mutex<Int?>(nil)

    private struct Beat {
        var value = -1
        var changed = ContinuousClock.now
    }

    private struct BalanceCache {
        var checked: ContinuousClock.Instant?
        var result: Result<Millisatoshi, PaymentError>?
    }

    private let beat = Mutex(Beat())
    private let balance = Mutex(BalanceCache())

    init(
        configuration: DropboltConfiguration, store: Store, watcher: Watcher, wallet: (any Wallet)?, metrics: DaemonMetrics
    ) {
        self.configuration = configuration
        self.store = store
        self.watcher = watcher
        self.wallet = wallet
        self.metrics = metrics
    }

    /// The watcher thread turns at least once a second; five seconds without a turn means it is stuck.
    private func watcherAlive() -> Bool {
        let current = watcher.heartbeat
        let now = ContinuousClock.now
        return beat.withLock { beat in
            if beat.value != current {
                beat.value = current
                beat.changed = now
            }
            return now - beat.changed < .seconds(5)
        }
    }

    /// The wallet's balance, asked at most every 10 s and given 5 s to answer.
    func walletBalance() async -> Result<Millisatoshi, PaymentError>? {
        guard let wallet else { return nil }
        let now = ContinuousClock.now
        if let cached = balance.withLock({ cache in cache.checked.map { now - $0 < .seconds(10) } == true ? cache.result : nil }) {
            return cached
        }
        let result: Result<Millisatoshi, PaymentError> = await withTaskGroup(of: Result<Millisatoshi, PaymentError>?.self) { group in
            group.addTask {
                do throws(PaymentError) { return .success(try await wallet.balance()) } catch { return .failure(error) }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(5))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .failure(.unavailable("no answer within 5 s"))
        }
        balance.withLock { $0 = BalanceCache(checked: ContinuousClock.now, result: result) }
        return result
    }

    func health() async -> HealthReport {
        let watcherOK = watcherAlive()
        var databaseText = "ok"
        do { try await store.recordHealthCheck(at: Date()) } catch { databaseText = "not writable: \(error)" }
        var walletText = "not configured (quote-only)"
        var walletOK = true
        switch await walletBalance() {
        case .success?: walletText = "ok"
        case .failure(let error)?:
            walletText = "unreachable: \(error)"
            walletOK = false
        case nil: break
        }
        return HealthReport(
            watcher: watcherOK ? "ok" : "stuck: no turn for 5 s", database: databaseText, wallet: walletText,
            healthy: watcherOK && databaseText == "ok" && walletOK)
    }

    func metricsText() async throws -> String {
        let report = try await StatusReport.load(configuration: configuration, store: store)
        var text = "# HELP dropbolt_jobs Jobs by state.\n# TYPE dropbolt_jobs gauge\n"
        for state in JobState.allCases {
            text += "dropbolt_jobs{state=\"\(state.rawValue)\"} \(report.jobs[state.rawValue] ?? 0)\n"
        }
        let waiting: [JobState] = [.queued, .held, .invoiced, .paying, .paid, .fetched]
        text += "# HELP dropbolt_queue_depth Jobs not finished yet.\n# TYPE dropbolt_queue_depth gauge\n"
        text += "dropbolt_queue_depth \(waiting.reduce(0) { $0 + (report.jobs[$1.rawValue] ?? 0) })\n"
        text += "# HELP dropbolt_spent_sats_total Sats paid (amounts and routing fees), by rule.\n"
        text += "# TYPE dropbolt_spent_sats_total counter\n"
        for row in try await store.spend(by: .rule) {
            text += "dropbolt_spent_sats_total{rule=\"\(PrometheusText.label(row.key))\"} "
                + PrometheusText.number(Double(row.amountMsat.addingSaturating(row.feeMsat)) / 1000) + "\n"
        }
        text += "# HELP dropbolt_budget_left_sats What is left of each limit (spent and reserved counted).\n"
        text += "# TYPE dropbolt_budget_left_sats gauge\n"
        for line in report.budget?.lines ?? [] {
            let left = max(0, line.limitMsat - line.spentMsat - (report.budget?.reservedMsat ?? 0))
            text += "dropbolt_budget_left_sats{limit=\"\(PrometheusText.label(line.limit))\"} "
                + PrometheusText.number(Double(left) / 1000) + "\n"
        }
        if case .success(let balance)? = await walletBalance() {
            text += "# HELP dropbolt_wallet_balance_sats The wallet's balance (asked at most every 10 s).\n"
            text += "# TYPE dropbolt_wallet_balance_sats gauge\n"
            text += "dropbolt_wallet_balance_sats " + PrometheusText.number(Double(balance.rawValue) / 1000) + "\n"
        }
        text += "# HELP dropbolt_watch_overflows_total Times the inotify queue overflowed (rebuilt and rescanned).\n"
        text += "# TYPE dropbolt_watch_overflows_total counter\n"
        text += "dropbolt_watch_overflows_total \(watcher.overflowRecoveries)\n"
        text += metrics.prometheusText()
        return text
    }

    func pageHTML() async throws -> String {
        let report = try await StatusReport.load(configuration: configuration, store: store)
        let recent = try await store.history(rule: nil, since: nil, states: nil, limit: 24)
        var scan: (ScanRecord, ScanProgress)?
        if let latest = try await store.latestScan() { scan = (latest, try await store.scanProgress(latest.id)) }
        let balanceText: String? =
            switch await walletBalance() {
            case .success(let balance)?: ScanLikeFormat.sats(balance.rawValue)
            case .failure?: "unreachable"
            case nil: nil
            }
        return StatusPage.render(report: report, recent: recent, scan: scan, walletBalance: balanceText, now: Date())
    }

    /// `/file/<id>/original` or `/file/<id>/output`: the job's own files only, images and captions only.
    func file(forRequestPath path: String) async throws -> StatusResponse? {
        let parts = path.split(separator: "/")
        guard parts.count == 3, parts[0] == "file", let id = Int64(parts[1]), parts[2] == "original" || parts[2] == "output",
            let job = try await store.job(id: id)
        else { return nil }
        guard let file = parts[2] == "original" ? job.path : job.outputPath,
            let handle = FileHandle(forReadingAtPath: file)
        else { return nil }
        defer { try? handle.close() }
        guard let data = try handle.read(upToCount: 40 << 20) else { return nil }
        let bytes = [UInt8](data)
        if let type = ImageSniffer.contentType(of: bytes) { return StatusResponse(status: .ok, contentType: type, body: bytes) }
        if file.hasSuffix(".txt") { return StatusResponse(status: .ok, contentType: "text/plain; charset=utf-8", body: bytes) }
        return nil
    }
}

/// Recognizes the image formats the page can show, by their first bytes (never by name).
enum ImageSniffer {
    static func contentType(of bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if bytes.count > 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) { return "image/webp" }
        if bytes.starts(with: Array("GIF8".utf8)) { return "image/gif" }
        return nil
    }
}

/// Sats for display.
enum ScanLikeFormat {
    static func sats(_ msat: Int64) -> String {
        let whole = msat / 1000
        let fraction = msat % 1000
        var digits = String(whole)
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits = String(digits.dropLast(3))
        }
        return digits + grouped + (fraction == 0 ? "" : "." + String(format: "%03d", fraction)) + " sats"
    }
}
