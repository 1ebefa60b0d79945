import GISLogCorrelation
import GISLogRules
import GISLogRecords

/// The report as one self-contained HTML page (no scripts, no fetches): causes with steps, a timeline of
/// events per category with restarts marked, findings, notes and coverage. All log text is escaped.
public struct HTMLReport {
    public let report: Report

    public init(_ report: Report) { self.report = report }

    private func time(_ millis: Int64?) -> String { report.timeText(millis) }

    /// Escapes text for HTML element content and attribute values; control characters are dropped.
    /// A step: the versions it fits (when the site's is unknown), its words, a link to its source, and one
    /// line per machine it is repeated on.
    static func step(_ step: WorkaroundStep) -> String {
        var html = "<li>" + (step.onlyFor.map { "<i>(\(escape($0)))</i> " } ?? "") + escape(step.text)
        if let source = step.source, source.hasPrefix("https://") || source.hasPrefix("http://") {
            html += " <a href=\"\(escape(source))\" rel=\"noreferrer\">(source)</a>"
        }
        if !step.machines.isEmpty {
            html += "<ul>\n" + step.machines.map { "<li>\(escape($0.text))</li>\n" }.joined() + "</ul>"
        }
        return html + "</li>\n"
    }

    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                if (scalar.value < 0x20 && scalar != "\n" && scalar != "\t") || scalar.value == 0x7F {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    public func render() -> String {
        let coverage = report.coverage
        var body = "<h1>gislog report</h1>\n<p class=\"meta\">"
        body += "\(coverage.filesRead) files, \(Format.count(coverage.totals.records)) records, \(coverage.machines.count) machines"
        if let range = coverage.timeRange {
            body += " · \(Self.escape(time(range.first))) … \(Self.escape(time(range.last))) (logs read as \(Self.escape(report.zone.name)))"
        }
        if let site = report.diagnosis.arcgisVersion {
            body += "<br>ArcGIS version: " + Self.escape("\(site.version) (from \(site.source))")
        }
        if report.since != nil || report.until != nil {
            body += "<br>Reported: " + Self.escape((report.since.map { "from \(time($0))" } ?? "from the start")
                + (report.until.map { " until \(time($0))" } ?? " to the end"))
        }
        body += "<br>Inputs: " + report.inputs.map { "<code>\(Self.escape($0))</code>" }.joined(separator: " ") + "</p>\n"
        body += timeline()
        if report.diagnosis.causes.isEmpty {
            body += "<h2>No cause found</h2>\n<p>No certificate failure to explain in what was read.</p>\n"
        } else {
            body += "<h2>Likely causes</h2>\n"
            for cause in report.diagnosis.causes { body += render(cause) }
        }
        if !report.diagnosis.findings.isEmpty {
            body += "<h2>Other findings</h2>\n<table><tr><th>category</th><th>finding</th><th>first</th><th>last</th></tr>\n"
            for finding in report.diagnosis.findings {
                body += "<tr><td class=\"cat \(finding.category.rawValue)\">\(finding.category.rawValue)</td><td>\(Self.escape(finding.title))</td>"
                    + "<td>\(Self.escape(time(finding.firstSeen)))</td><td>\(Self.escape(time(finding.lastSeen)))</td></tr>\n"
            }
            body += "</table>\n"
        }
        let notes = report.notes
        if !notes.isEmpty {
            body += "<h2>What could hide a problem</h2>\n<ul>\n" + notes.map { "<li>\(Self.escape($0))</li>\n" }.joined() + "</ul>\n"
        }
        body += "<h2>Coverage</h2>\n<table><tr><th>machine</th><th>records</th><th>first</th><th>last</th></tr>\n"
        for span in coverage.machines {
            body += "<tr><td>\(Self.escape(span.machine))</td><td class=\"num\">\(Format.count(span.records))</td>"
                + "<td>\(Self.escape(time(span.first)))</td><td>\(Self.escape(time(span.last)))</td></tr>\n"
        }
        body += "</table>\n<p>Records by level: " + Level.reportOrder.map { "\($0.name) \(Format.count(coverage.recordsByLevel[$0] ?? 0))" }
            .joined(separator: ", ") + ". Unparsed lines: \(Format.count(coverage.totals.unparsedLines)). Rules: \(report.rulesLoaded), events: \(Format.count(report.eventTotal)).</p>\n"
        if !report.warnings.isEmpty {
            body += "<h2>Warnings</h2>\n<ul class=\"warnings\">\n"
                + report.warnings.prefix(200).map { "<li>\(Self.escape($0.description))</li>\n" }.joined() + "</ul>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>gislog report</title>
            <style>
            body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1d2329}
            h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d5dbe1}
            .meta{color:#5b6670}.cause{border:1px solid #d5dbe1;border-radius:8px;padding:.8rem 1rem;margin:1rem 0}
            .cause.primary{border-left:6px solid #c0392b}.cause h3{margin:.1rem 0 .4rem}.conf{float:right;font-weight:600}
            .evidence li{font-family:ui-monospace,Consolas,monospace;font-size:.85rem;word-break:break-all}
            table{border-collapse:collapse;margin:.5rem 0}td,th{border-bottom:1px solid #e4e8ec;padding:.25rem .6rem;text-align:left}
            .num{text-align:right}code{font-size:.9em}.warnings li{color:#8a5a00}
            .cat{font-weight:600}.certificate{color:#c0392b}.token{color:#8e44ad}.restart{color:#2c7be5}
            .federation{color:#16a085}.publishing{color:#d35400}.connectivity{color:#7f8c8d}
            svg text{font:11px system-ui,sans-serif;fill:#5b6670}
            </style></head><body>
            \(body)</body></html>

            """
    }

    private func render(_ cause: RankedCause) -> String {
        var html = "<div class=\"cause\(cause.isPrimary ? " primary" : "")\">\n"
        html += "<span class=\"conf\">confidence \(Int((cause.confidence * 100).rounded()))%</span>"
        html += "<h3>\(cause.rank). \(Self.escape(cause.title)) <code>\(cause.id.rawValue)</code></h3>\n"
        html += "<p>\(Format.count(cause.events)) failures on " + cause.machines.map(Self.escape).joined(separator: ", ")
        if !cause.peers.isEmpty { html += " calling " + cause.peers.map(Self.escape).joined(separator: ", ") }
        html += ", \(Self.escape(time(cause.firstSeen))) … \(Self.escape(time(cause.lastSeen)))"
            + (cause.isPrimary ? "" : " — an alternative explanation") + ".</p>\n"
        html += "<p>\(Self.escape(cause.summary))</p>\n<p><b>Why</b></p><ul>\n"
        html += cause.reasons.map { "<li>\(Self.escape($0))</li>\n" }.joined() + "</ul>\n<p><b>Evidence</b></p><ul class=\"evidence\">\n"
        for burst in cause.evidence {
            var line = "\(burst.ruleID) \(Report.location(of: burst, time: time)) \(time(burst.first))"
            if burst.count > 1 { line += " ×\(burst.count) until \(time(burst.last))" }
            html += "<li>\(Self.escape(line)): \(Self.escape(Format.clip(burst.example.message, 300)))</li>\n"
        }
        html += "</ul>\n<p><b>What to do</b></p><ol>\n" + cause.steps.map(Self.step).joined() + "</ol>\n"
        if !cause.references.isEmpty {
            html += "<p><b>References</b></p><ul>\n"
            for reference in cause.references {
                if let url = reference.url, url.hasPrefix("https://") || url.hasPrefix("http://") {
                    html += "<li><a href=\"\(Self.escape(url))\" rel=\"noreferrer\">\(Self.escape(reference.title))</a></li>\n"
                } else {
                    html += "<li>\(Self.escape(reference.title))</li>\n"
                }
            }
            html += "</ul>\n"
        }
        return html + "</div>\n"
    }

    /// Events per category over time as an SVG strip chart, restarts as dashed lines.
    private func timeline() -> String {
        let ledger = report.ledger
        let cells = ledger.series.flatMap { series in series.cells.map { (ledger.rule(of: series).category, $0) } }
        guard let first = cells.map(\.1.first).min(), let last = cells.map(\.1.last).max() else { return "" }
        let span = max(last - first, 60_000)
        let width = 900.0, rowHeight = 26.0, left = 110.0, buckets = 120
        let categories = RuleCategory.allCases.filter { category in cells.contains { $0.0 == category } }
        var counts = Array(repeating: Array(repeating: 0, count: buckets), count: categories.count)
        for (category, cell) in cells {
            guard let row = categories.firstIndex(of: category) else { continue }
            let bucket = min(buckets - 1, Int(Double(cell.first - first) / Double(span) * Double(buckets)))
            counts[row][bucket] += Int(cell.count)
        }
        let peak = max(1, counts.flatMap { $0 }.max() ?? 1)
        let height = Double(categories.count) * rowHeight + 30
        var svg = "<h2>Timeline</h2>\n<svg viewBox=\"0 0 \(Int(width + left)) \(Int(height))\" width=\"100%\" role=\"img\" aria-label=\"events per category over time\">\n"
        let colors: [RuleCategory: String] = [.certificate: "#c0392b", .token: "#8e44ad", .restart: "#2c7be5",
                                              .federation: "#16a085", .publishing: "#d35400", .connectivity: "#7f8c8d"]
        let barWidth = width / Double(buckets)
        for (row, category) in categories.enumerated() {
            let y = Double(row) * rowHeight + 4
            svg += "<text x=\"0\" y=\"\(Int(y + rowHeight / 2 + 4))\">\(category.rawValue)</text>\n"
            for (bucket, count) in counts[row].enumerated() where count > 0 {
                let h = max(2, (rowHeight - 6) * Double(count) / Double(peak))
                svg += "<rect x=\"\(format(left + Double(bucket) * barWidth))\" y=\"\(format(y + rowHeight - 4 - h))\" width=\"\(format(max(1, barWidth - 1)))\" height=\"\(format(h))\" fill=\"\(colors[category]!)\"><title>\(count) \(category.rawValue) event(s)</title></rect>\n"
            }
        }
        for restart in report.diagnosis.findings where restart.category == .restart {
            guard let time = restart.lastSeen, time >= first, time <= last else { continue }
            let x = left + Double(time - first) / Double(span) * width
            svg += "<line x1=\"\(format(x))\" y1=\"0\" x2=\"\(format(x))\" y2=\"\(Int(height - 26))\" stroke=\"#2c7be5\" stroke-dasharray=\"3 3\"><title>\(Self.escape(restart.title))</title></line>\n"
        }
        svg += "<text x=\"\(Int(left))\" y=\"\(Int(height - 8))\">\(Self.escape(time(first)))</text>\n"
        svg += "<text x=\"\(Int(left + width))\" y=\"\(Int(height - 8))\" text-anchor=\"end\">\(Self.escape(time(last)))</text>\n"
        return svg + "</svg>\n<p class=\"meta\">Bars: events per category; dashed lines: machine restarts.</p>\n"
    }

    private func format(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}
