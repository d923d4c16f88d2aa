import Foundation
import Synchronization

/// The latency histograms `/metrics` reports, fed by the intake and the pipeline as they work.
///
/// Counts live in memory (they restart with the daemon, as Prometheus counters may); everything about money and
/// jobs is read from the store at scrape time instead, so it never disagrees with the ledger.
public final class DaemonMetrics: Sendable {
    /// The histograms.
    public enum Histogram: String, Sendable, CaseIterable {
        /// From a file's last write to its job being queued (includes the settle period).
        case detectionLag = "dropbolt_detection_lag_seconds"
        /// One wallet payment call, sent to answered.
        case payment = "dropbolt_payment_seconds"
        /// One request to the provider (the unpaid 402 or the paid call), sent to answered.
        case providerRequest = "dropbolt_provider_request_seconds"

        var help: String {
            switch self {
            case .detectionLag: "Seconds from a file's last write to its job being queued."
            case .payment: "Seconds one wallet payment call took."
            case .providerRequest: "Seconds one provider request took (unpaid or paid)."
            }
        }

        /// Upper bounds of the buckets, in seconds.
        var bounds: [Double] {
            switch self {
            case .detectionLag: [0.5, 1, 2, 3, 5, 10, 30, 60, 300]
            case .payment: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
            case .providerRequest: [0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]
            }
        }
    }

    private struct Series {
        var buckets: [Int]
        var sum = 0.0
        var count = 0
    }

    private let series: Mutex<[Histogram: Series]>

    /// Creates empty histograms.
    public init() {
        series = Mutex(Dictionary(uniqueKeysWithValues: Histogram.allCases.map { ($0, Series(buckets: Array(repeating: 0, count: $0.bounds.count))) }))
    }

    /// Records one observation (negative values, from a clock that moved back, count as zero).
    public func observe(_ histogram: Histogram, seconds: Double) {
        let value = max(0, seconds.isFinite ? seconds : 0)
        series.withLock { all in
            var entry = all[histogram]!
            for (index, bound) in histogram.bounds.enumerated() where value <= bound { entry.buckets[index] += 1 }
            entry.sum += value
            entry.count += 1
            all[histogram] = entry
        }
    }

    /// Records the time since `start`.
    public func observe(_ histogram: Histogram, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        observe(histogram, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// The histograms in Prometheus text format (cumulative buckets, `+Inf`, `_sum`, `_count`).
    public func prometheusText() -> String {
        let snapshot = series.withLock { $0 }
        var text = ""
        for histogram in Histogram.allCases {
            let entry = snapshot[histogram]!
            text += "# HELP \(histogram.rawValue) \(histogram.help)\n# TYPE \(histogram.rawValue) histogram\n"
            for (index, bound) in histogram.bounds.enumerated() {
                text += "\(histogram.rawValue)_bucket{le=\"\(PrometheusText.number(bound))\"} \(entry.buckets[index])\n"
            }
            text += "\(histogram.rawValue)_bucket{le=\"+Inf\"} \(entry.count)\n"
            text += "\(histogram.rawValue)_sum \(PrometheusText.number(entry.sum))\n"
            text += "\(histogram.rawValue)_count \(entry.count)\n"
        }
        return text
    }
}

/// Formatting for the Prometheus text exposition format.
enum PrometheusText {
    /// A sample value: integers without a fraction, others in full precision.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// A label value with `\`, `"` and newlines escaped.
    static func label(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
