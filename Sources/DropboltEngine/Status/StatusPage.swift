import DropboltCore
import DropboltStore
import Foundation

/// The HTML of the status page: one self-contained document (inline style and script, no external assets).
///
/// Thumbnails are made by the page itself: it loads each job's original (and an edited output) from
/// `/file/<id>/…` and draws it scaled into a canvas, so the server never resizes images.
enum StatusPage {
    static func render(
        report: StatusReport, recent: [HistoryRow], scan: (ScanRecord, ScanProgress)?, walletBalance: String?, now: Date
    ) -> String {
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>dropbolt</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>
            body{font:14px system-ui,sans-serif;margin:1.5em;color:#222;max-width:70em}
            h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em}
            table{border-collapse:collapse;width:100%}td,th{padding:.3em .5em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
            canvas.thumb{border:1px solid #ccc;background:#f4f4f4}
            .state-done{color:#176f2c}.state-failed,.state-attention{color:#b00020}.state-held{color:#8a6d00}
            .muted{color:#777}.caption{max-width:28em}
            </style></head><body>
            <h1>dropbolt</h1>
            <p id="mode">\(escape(report.mode))\(walletBalance.map { " · wallet balance " + escape($0) } ?? "") · \
            \(report.files) files known · updated \(escape(ISO8601DateFormatter().string(from: now)))</p>

            """
        html += spendChart(report.budget)
        html += scanSection(scan)
        html += attentionSection(report.attention)
        html += recentSection(recent)
        if !report.rules.problems.isEmpty {
            html += "<h2>Broken rule files</h2><ul id=\"rule-problems\">"
            for problem in report.rules.problems { html += "<li>\(escape(problem))</li>" }
            html += "</ul>\n"
        }
        html += script
        html += "</body></html>\n"
        return html
    }

    /// Today's and this month's spend (and each rule's daily limit) as bars against the limits.
    private static func spendChart(_ budget: StatusReport.Budget?) -> String {
        guard let budget else { return "" }
        var html = "<h2>Spend against the limits</h2>\n<svg id=\"spend-chart\" role=\"img\" width=\"520\" height=\"\(budget.lines.count * 34 + 4)\">\n"
        for (index, line) in budget.lines.enumerated() {
            let ratio = line.limitMsat > 0 ? min(1, Double(line.spentMsat) / Double(line.limitMsat)) : 1
            let y = index * 34 + 2
            let label = "\(line.limit): \(ScanLikeFormat.sats(line.spentMsat)) of \(ScanLikeFormat.sats(line.limitMsat))"
            html += """
                <g class="limit" data-limit="\(escape(line.limit))" data-spent-msat="\(line.spentMsat)" data-limit-msat="\(line.limitMsat)">\
                <rect x="0" y="\(y)" width="300" height="14" fill="#eee"/>\
                <rect x="0" y="\(y)" width="\(Int((ratio * 300).rounded()))" height="14" fill="\(ratio >= 1 ? "#b00020" : "#2b7bb9")"/>\
                <text x="0" y="\(y + 28)" font-size="12">\(escape(label))</text></g>

                """
        }
        html += "</svg>\n"
        if budget.reservedMsat > 0 {
            html += "<p class=\"muted\">\(ScanLikeFormat.sats(budget.reservedMsat)) reserved for payments in flight.</p>\n"
        }
        return html
    }

    private static func scanSection(_ scan: (ScanRecord, ScanProgress)?) -> String {
        guard let (record, progress) = scan else { return "" }
        let failed = (progress.counts[.failed] ?? 0) + (progress.counts[.attention] ?? 0)
        return """
            <h2>Scan #\(record.id)</h2>
            <p id="scan" data-done="\(progress.counts[.done] ?? 0)" data-total="\(progress.total)">\
            \(escape(record.paths.joined(separator: ", "))): <progress max="\(max(progress.total, 1))" value="\(progress.finished)"></progress> \
            \(progress.finished)/\(progress.total) finished · \(progress.counts[.done] ?? 0) done · \(progress.counts[.held] ?? 0) held · \
            \(failed) failed · \(ScanLikeFormat.sats(progress.spentMsat)) spent</p>

            """
    }

    private static func attentionSection(_ jobs: [StatusReport.QueuedJob]) -> String {
        guard !jobs.isEmpty else { return "<h2>Needs attention</h2><p id=\"attention\" class=\"muted\">nothing</p>\n" }
        var html = "<h2>Needs attention</h2><table id=\"attention\"><tr><th>job</th><th>file</th><th>why</th></tr>\n"
        for job in jobs {
            html += "<tr data-job=\"\(job.id)\"><td>#\(job.id) \(escape(job.rule))</td><td>\(escape(job.path))</td><td>"
            html += escape(job.reason ?? "")
            if let refund = job.refundURL {
                // Only link what a wallet can open; anything else from the provider is shown as text.
                let lower = refund.lowercased()
                if lower.hasPrefix("https://") || lower.hasPrefix("lnurl") || lower.hasPrefix("lightning:") {
                    html += " <a class=\"refund\" href=\"\(escape(refund))\">claim the refund</a>"
                } else {
                    html += " <span class=\"refund\">refund: \(escape(refund))</span>"
                }
            }
            html += "</td></tr>\n"
        }
        return html + "</table>\n"
    }

    private static func recentSection(_ rows: [HistoryRow]) -> String {
        var html = "<h2>Recent jobs</h2><table id=\"recent\"><tr><th>job</th><th>original</th><th>result</th><th>state</th><th>paid</th></tr>\n"
        for row in rows {
            let name = (row.path as NSString).lastPathComponent
            html += "<tr data-job=\"\(row.id)\"><td>#\(row.id) \(escape(row.rule))</td>"
            html += "<td><canvas class=\"thumb\" width=\"96\" height=\"96\" data-src=\"/file/\(row.id)/original\"></canvas><br>\(escape(name))</td><td>"
            if let output = row.outputPath {
                if output.hasSuffix(".txt") {
                    html += "<div class=\"caption\">\(escape(caption(at: output)))</div>"
                } else {
                    html += "<canvas class=\"thumb\" width=\"96\" height=\"96\" data-src=\"/file/\(row.id)/output\"></canvas>"
                }
                html += "<br><span class=\"muted\">\(escape((output as NSString).lastPathComponent))</span>"
            }
            html += "</td><td class=\"state-\(row.state.rawValue)\">\(row.state.rawValue)"
            if let reason = row.reason, row.state != .done { html += "<br><span class=\"muted\">\(escape(reason))</span>" }
            html += "</td><td>\(row.amountMsat.map { ScanLikeFormat.sats($0 + (row.feeMsat ?? 0)) } ?? "")</td></tr>\n"
        }
        return html + "</table>\n"
    }

    /// The first 500 bytes of a caption file.
    private static func caption(at path: String) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: 500)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Draws each `canvas.thumb` from its `data-src`, scaled to fit; counts what was drawn in `body[data-thumbnails]`.
    private static let script = """
        <script>
        (function () {
          var drawn = 0, failed = 0;
          document.querySelectorAll('canvas.thumb').forEach(function (canvas) {
            var image = new Image();
            image.onload = function () {
              var context = canvas.getContext('2d');
              var scale = Math.min(canvas.width / image.naturalWidth, canvas.height / image.naturalHeight);
              var width = Math.max(1, Math.round(image.naturalWidth * scale));
              var height = Math.max(1, Math.round(image.naturalHeight * scale));
              context.imageSmoothingEnabled = scale < 1;
              context.drawImage(image, (canvas.width - width) / 2, (canvas.height - height) / 2, width, height);
              canvas.dataset.drawn = 'yes';
              document.body.dataset.thumbnails = String(++drawn);
            };
            image.onerror = function () { canvas.dataset.drawn = 'failed'; document.body.dataset.thumbnailErrors = String(++failed); };
            image.src = canvas.dataset.src;
          });
        })();
        </script>

        """

    /// Text for HTML (element content and attribute values).
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

}
