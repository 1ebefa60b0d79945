import GISLogCorrelation
import GISLogRecords

/// The report for a terminal: ranked causes with their reasons, evidence and steps, then other findings,
/// notes, coverage and warnings. Fits 80 columns; colour only when asked (a TTY without `NO_COLOR`).
public struct TextReport {
    public let report: Report
    public let color: Bool
    private let width = 80

    public init(_ report: Report, color: Bool = false) {
        self.report = report
        self.color = color
    }

    private func bold(_ text: String) -> String { color ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
    private func red(_ text: String) -> String { color ? "\u{1B}[1;31m\(text)\u{1B}[0m" : text }
    private func yellow(_ text: String) -> String { color ? "\u{1B}[33m\(text)\u{1B}[0m" : text }
    private func dim(_ text: String) -> String { color ? "\u{1B}[2m\(text)\u{1B}[0m" : text }
    private func time(_ millis: Int64?) -> String { report.timeText(millis) }
    private func safe(_ text: String) -> String { Format.terminalSafe(text) }

    public func render() -> String {
        var out = header()
        let causes = report.diagnosis.causes
        if causes.isEmpty {
            out += "\n" + bold("No cause found.") + "\n"
            out += wrap("Looked at \(Format.count(report.coverage.totals.records)) records in \(report.coverage.filesRead) files "
                        + "from \(report.coverage.machines.count) machines with \(report.rulesLoaded) rules: no certificate "
                        + "failure to explain.", indent: "")
        } else {
            out += "\n" + bold("LIKELY CAUSES") + "\n"
            for cause in causes { out += "\n" + render(cause) }
        }
        let findings = report.diagnosis.findings
        if !findings.isEmpty {
            out += "\n" + bold("OTHER FINDINGS") + "\n"
            for finding in findings {
                let span = finding.firstSeen.map { first in
                    finding.lastSeen.map { $0 == first ? " at \(time(first))" : ", \(time(first)) … \(time($0))" } ?? ""
                } ?? ""
                out += wrap("- [\(finding.category.rawValue)] \(safe(finding.title))\(span)", indent: "  ")
                if let example = finding.evidence.first {
                    out += dim(wrap(Report.location(of: example, time: time) + ": " + safe(Format.clip(example.example.message, 100)),
                                    indent: "    ", first: "    "))
                }
            }
        }
        let notes = report.notes
        if !notes.isEmpty {
            out += "\n" + bold("WHAT COULD HIDE A PROBLEM") + "\n"
            for note in notes { out += wrap("- " + safe(note), indent: "  ") }
        }
        out += "\n" + coverage()
        if !report.warnings.isEmpty {
            out += "\n" + bold("WARNINGS (\(report.warnings.count))") + "\n"
            for warning in report.warnings.prefix(50) { out += yellow(wrap("- " + safe(warning.description), indent: "  ")) }
            if report.warnings.count > 50 { out += "  … and \(report.warnings.count - 50) more (see --format json)\n" }
        }
        return out
    }

    private func header() -> String {
        let coverage = report.coverage
        var out = bold("gislog \(report.version)") + " — \(coverage.filesRead) file\(coverage.filesRead == 1 ? "" : "s") read"
        if coverage.gzipFiles > 0 { out += " (\(coverage.gzipFiles) gzip)" }
        out += ", \(Format.count(coverage.totals.records)) records, \(coverage.machines.count) machine"
            + (coverage.machines.count == 1 ? "" : "s") + "\n"
        out += wrap("Inputs: " + report.inputs.map(safe).joined(separator: " "), indent: "  ", first: "")
        if let range = coverage.timeRange {
            out += "Time range: \(time(range.first)) … \(time(range.last)) (logs read as \(report.zone.name))\n"
        } else {
            out += "Time range: none (no record with a readable time)\n"
        }
        if let site = report.diagnosis.arcgisVersion {
            out += "ArcGIS version: \(site.version) (from \(safe(site.source)))\n"
        }
        if report.since != nil || report.until != nil {
            out += "Reported: " + (report.since.map { "from \(time($0))" } ?? "from the start")
                + (report.until.map { " until \(time($0))" } ?? " to the end") + "\n"
        }
        return out
    }

    private func render(_ cause: RankedCause) -> String {
        var out = ""
        let percent = "confidence \(Int((cause.confidence * 100).rounded()))%"
        let title = "\(cause.rank). \(cause.id.rawValue) — \(cause.title)"
        out += (cause.isPrimary ? red(title) : bold(title)) + "\n"
        out += "   " + percent + (cause.isPrimary ? "" : " (an alternative explanation)") + "\n"
        let target = cause.peers.isEmpty ? "" : " → " + cause.peers.joined(separator: ", ")
        out += wrap(cause.machines.joined(separator: ", ") + target, indent: "   ", first: "   ")
        out += "   \(Format.count(cause.events)) failure\(cause.events == 1 ? "" : "s"), \(time(cause.firstSeen)) … \(time(cause.lastSeen))\n"
        out += wrap(safe(cause.summary), indent: "   ", first: "   ")
        out += "   Why:\n"
        for reason in cause.reasons { out += wrap("- " + safe(reason), indent: "     ", first: "   ") }
        out += "   Evidence:\n"
        // Alternatives show their strongest evidence only, and leave the steps to the other formats.
        for burst in cause.isPrimary ? cause.evidence : Array(cause.evidence.prefix(1)) {
            out += "   - " + safe(Report.location(of: burst, time: time)) + "\n"
            var detail = "\(time(burst.first))"
            if burst.count > 1 {
                detail += " ×\(burst.count) until \(time(burst.last))"
                if let rate = burst.ratePerMinute { detail += " (\(Format.rate(rate))/min)" }
            }
            out += dim(wrap(detail + " [\(burst.ruleID)] " + safe(Format.clip(burst.example.message, 160)), indent: "     ", first: "     "))
        }
        guard cause.isPrimary else {
            return out + "   Steps: see `--format markdown` or `--format html`.\n"
        }
        out += "   What to do:\n"
        for (index, step) in cause.steps.enumerated() {
            out += wrap("\(index + 1). " + (step.onlyFor.map { "(\($0)) " } ?? "") + safe(step.text), indent: "      ", first: "   ")
            for line in step.machines { out += wrap("- " + safe(line.text), indent: "        ", first: "      ") }
            // Not wrapped: a URL broken over two lines cannot be clicked or copied whole.
            if let source = step.source { out += dim("      Source: " + safe(source)) + "\n" }
        }
        if !cause.references.isEmpty {
            out += "   References:\n"
            for reference in cause.references {
                out += wrap("- " + safe(reference.title) + (reference.url.map { " " + $0 } ?? ""), indent: "     ", first: "   ")
            }
        }
        return out
    }

    private func coverage() -> String {
        let coverage = report.coverage
        var out = bold("COVERAGE") + "\n"
        let levels = Level.reportOrder.compactMap { level -> String? in
            let count = coverage.recordsByLevel[level] ?? 0
            return level == .unknown && count == 0 ? nil : "\(level.name) \(Format.count(count))"
        }
        out += wrap("Records: \(Format.count(coverage.totals.records)) (" + levels.joined(separator: ", ") + ")", indent: "  ", first: "  ")
        let totals = coverage.totals
        out += "  Unparsed lines \(Format.count(totals.unparsedLines)), cut records \(totals.oversizedRecords), "
            + "unterminated \(totals.unterminatedRecords), without time \(totals.badTimes)\n"
        out += "  Files: \(coverage.filesRead) read, \(coverage.filesDamaged) with problems, \(coverage.filesFailed) unreadable"
        let skipped = coverage.skippedByReason.map { "\($0.count) \($0.reason.rawValue.replacingUnderscores)" }
        out += skipped.isEmpty ? "\n" : "; skipped " + skipped.joined(separator: ", ") + "\n"
        out += "  Bytes: \(Format.bytes(coverage.storedBytes)) on disk, \(Format.bytes(totals.decodedBytes)) of text\n"
        out += "  Rules: \(report.rulesLoaded) loaded, \(Format.count(report.eventTotal)) events\n"
        for span in coverage.machines {
            var line = "  \(span.machine): \(Format.count(span.records)) records"
            if let first = span.first, let last = span.last { line += ", \(time(first)) … \(time(last))" }
            out += wrap(safe(line), indent: "    ", first: "")
        }
        return out
    }

    /// Wraps `text` at the report width; continuation lines get `indent`. Columns are counted in Unicode
    /// scalars as words are added (counting a growing line's characters each time was quadratic).
    func wrap(_ text: String, indent: String, first: String = "") -> String {
        var out = first
        var column = first.unicodeScalars.count
        let indentWidth = indent.unicodeScalars.count
        var lineHasWord = false
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let wordWidth = word.unicodeScalars.count
            if lineHasWord && column + 1 + wordWidth > width {
                out += "\n" + indent
                column = indentWidth
                out += word
                column += wordWidth
            } else {
                if lineHasWord { out += " "; column += 1 }
                out += word
                column += wordWidth
            }
            lineHasWord = true
        }
        return out + "\n"
    }
}

extension String {
    var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}

extension Format {
    /// `0.4`, `12`, `1,250` (one decimal below 10).
    public static func rate(_ value: Double) -> String {
        if value < 10 {
            let tenths = Int((value * 10).rounded())
            return "\(tenths / 10).\(tenths % 10)"
        }
        return count(Int(value.rounded()))
    }
}
