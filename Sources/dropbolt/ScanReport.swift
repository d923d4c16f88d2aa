import DropboltCore
import DropboltEngine
import DropboltStore
import Foundation
import Glibc
import Synchronization

/// The plan of a scan as the user reads it (text or `--json`).
struct ScanReport: Encodable {
    struct RuleLine: Encodable {
        var rule: String
        var toPay: Int
        var alreadyQueued: Int
        var duplicates: Int
        var done: Int
        var failedBefore: Int
        var priceSats: Double?
        var priceSource: String?
        var priceProblem: String?
        var estimateSats: Double?
        var ruleDailyLeftSats: Double?
    }

    var paths: [String]
    var rules: [RuleLine]
    var files: Int
    var estimateSats: Double
    var estimateIsPartial: Bool
    var dailyLeftSats: Double
    var monthlyLeftSats: Double
    var maxSats: Int64?
    var tooLarge: Int
    var unreadableNames: [String]

    init(preview: ScanPreview, maxSats: Int64?) {
        paths = preview.paths
        rules = preview.plan.rules.keys.sorted().map { name in
            let count = preview.plan.rules[name] ?? .init()
            let price = preview.prices[name]
            return RuleLine(
                rule: name, toPay: count.toPay, alreadyQueued: count.alreadyQueued, duplicates: count.duplicates,
                done: count.done, failedBefore: count.failedBefore, priceSats: price?.msat.map(Self.sats),
                priceSource: price?.source.rawValue, priceProblem: price?.problem,
                estimateSats: price?.msat.map { Self.sats($0) * Double(count.toPay) },
                ruleDailyLeftSats: preview.budget.ruleDailyLeftMsat[name].map(Self.sats))
        }
        files = preview.plan.items.count
        estimateSats = Self.sats(preview.estimateMsat)
        estimateIsPartial = !preview.unpricedRules.isEmpty
        dailyLeftSats = Self.sats(preview.budget.dailyLeftMsat)
        monthlyLeftSats = Self.sats(preview.budget.monthlyLeftMsat)
        self.maxSats = maxSats
        tooLarge = preview.plan.tooLarge
        unreadableNames = preview.plan.unreadableNames
    }

    static func sats(_ msat: Int64) -> Double { Double(msat) / 1000 }

    static func format(_ sats: Double) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.maximumFractionDigits = 3
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.usesGroupingSeparator = true
        formatter.groupingSeparator = ","
        formatter.groupingSize = 3
        return (formatter.string(from: NSNumber(value: sats)) ?? String(sats)) + " sats"
    }

    var estimateText: String {
        (estimateIsPartial ? "at least " : "about ") + Self.format(estimateSats)
    }

    func text(wallet: Bool) -> String {
        var lines = ["scan of \(paths.joined(separator: ", "))"]
        for line in rules {
            var parts = ["\(line.toPay) to pay"]
            if line.alreadyQueued > 0 { parts.append("\(line.alreadyQueued) of them queued before") }
            if line.duplicates > 0 { parts.append("\(line.duplicates) duplicates (free)") }
            if line.done > 0 { parts.append("\(line.done) done before") }
            if line.failedBefore > 0 { parts.append("\(line.failedBefore) failed before (see dropbolt retry)") }
            lines.append("  \(line.rule): " + parts.joined(separator: ", "))
            if line.toPay > 0 {
                switch (line.priceSats, line.priceSource) {
                case (let price?, "provider_estimate"?):
                    lines.append("    price: \(Self.format(price)) per image (the provider's estimate)")
                case (let price?, _):
                    lines.append("    price: about \(Self.format(price)) per image (from a first invoice, not paid; an estimate)")
                default:
                    lines.append("    price: unknown (\(line.priceProblem ?? "no answer"))")
                }
            }
            if let left = line.ruleDailyLeftSats { lines.append("    rule limit left today: \(Self.format(left))") }
        }
        if tooLarge > 0 { lines.append("  \(tooLarge) files over 40 MB are never sent") }
        if !unreadableNames.isEmpty {
            lines.append("  \(unreadableNames.count) names are not valid UTF-8 and cannot be processed, e.g. \(unreadableNames[0])")
        }
        lines.append("estimate: \(files) jobs, \(estimateText)")
        lines.append("left today: \(Self.format(dailyLeftSats)); this month: \(Self.format(monthlyLeftSats))")
        if estimateSats > dailyLeftSats, dailyLeftSats >= 0 {
            lines.append("more than today's limit allows: the rest waits (held) until the limit frees up")
        }
        if let maxSats { lines.append("--max-sats \(maxSats): queueing stops before the estimate passes it") }
        if !wallet { lines.append("no wallet configured: quote only") }
        return lines.joined(separator: "\n")
    }
}

/// The outcome of a scan for `--json`.
struct ScanOutcome: Encodable {
    struct Progress: Encodable {
        var done: Int
        var held: Int
        var failed: Int
        var attention: Int
        var unfinished: Int
        var spentSats: Double

        init(_ progress: ScanProgress) {
            done = progress.counts[.done] ?? 0
            held = progress.counts[.held] ?? 0
            failed = progress.counts[.failed] ?? 0
            attention = progress.counts[.attention] ?? 0
            unfinished = progress.total - progress.finished
            spentSats = ScanReport.sats(progress.spentMsat)
        }
    }

    var queued: ScanQueued
    var progress: Progress?
}

/// Shows a scan's progress: a bar redrawn in place on a terminal, one line every few seconds otherwise.
final class ProgressDisplay: Sendable {
    private let json: Bool
    private let terminal = isatty(STDOUT_FILENO) == 1
    private let lastLine = Mutex<ContinuousClock.Instant?>(nil)

    init(json: Bool) { self.json = json }

    func queueing(_ count: Int, of total: Int) {
        guard !json else { return }
        if terminal { emit("\rqueueing \(count)/\(total)…", redraw: true) }
    }

    func queued(_ queued: ScanQueued) {
        guard !json else { return }
        var text = "queued \(queued.queued) jobs (scan #\(queued.scan))"
        if queued.leftForLimit > 0 { text += "; \(queued.leftForLimit) left out by --max-sats" }
        if queued.unreadable > 0 { text += "; \(queued.unreadable) files vanished or could not be read" }
        if queued.interrupted { text += "; interrupted: run the same scan again to queue the rest" }
        emit((terminal ? "\r\u{1B}[K" : "") + text + "\n", redraw: false)
    }

    func progress(_ progress: ScanProgress, since start: ContinuousClock.Instant) {
        guard !json else { return }
        let now = ContinuousClock.now
        if !terminal {
            // A log-friendly line every 5 s.
            let due = lastLine.withLock { last -> Bool in
                guard last.map({ now - $0 >= .seconds(5) }) ?? true else { return false }
                last = now
                return true
            }
            guard due else { return }
        }
        let done = progress.counts[.done] ?? 0
        let finished = progress.finished
        let elapsed = Double((now - start).components.seconds) + Double((now - start).components.attoseconds) / 1e18
        let rate = elapsed > 0 ? Double(finished) / elapsed : 0
        let left = progress.total - finished
        let eta = rate > 0 ? Self.duration(Double(left) / rate) : "?"
        let width = 24
        let filled = progress.total > 0 ? width * finished / progress.total : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let text =
            "[\(bar)] \(finished)/\(progress.total) · done \(done) · held \(progress.counts[.held] ?? 0) · "
            + "failed \((progress.counts[.failed] ?? 0) + (progress.counts[.attention] ?? 0)) · "
            + "\(ScanReport.format(ScanReport.sats(progress.spentMsat))) · "
            + String(format: "%.1f/s", rate) + " · ETA \(eta)"
        emit(terminal ? "\r\u{1B}[K" + text : text + "\n", redraw: terminal)
    }

    func finish(_ progress: ScanProgress?, queued: ScanQueued, stoppedEarly: Bool) {
        guard !json else { return }
        if terminal { emit("\n", redraw: false) }
        guard let progress else { return }
        var text =
            "scan #\(queued.scan): \(progress.counts[.done] ?? 0) done, \(progress.counts[.held] ?? 0) held, "
            + "\((progress.counts[.failed] ?? 0) + (progress.counts[.attention] ?? 0)) failed or needing attention, "
            + "\(ScanReport.format(ScanReport.sats(progress.spentMsat))) spent"
        if !progress.heldReasons.isEmpty {
            let reasons = progress.heldReasons.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.value) \($0.key.rawValue)" }
            text += "\nheld: " + reasons.joined(separator: ", ") + " (the daemon resumes them; see dropbolt status)"
        }
        if stoppedEarly { text += "\nstopped before the end: run the same scan again (or the daemon) to finish" }
        emit(text + "\n", redraw: false)
    }

    private func emit(_ text: String, redraw: Bool) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds < 1e7 else { return "?" }
        let total = Int(seconds.rounded())
        if total >= 3600 { return "\(total / 3600)h\(String(format: "%02d", total % 3600 / 60))m" }
        if total >= 60 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
        return "\(total)s"
    }
}
