import GISLogCorrelation
import GISLogRecords
import GISLogSupport

/// The report as Markdown, for tickets and mail. Log text is escaped so it cannot turn into markup,
/// links or HTML, but only where Markdown needs it (see `MarkdownText`): the report reads as plain text too.
public struct MarkdownReport {
    public let report: Report

    public init(_ report: Report) { self.report = report }

    private func time(_ millis: Int64?) -> String { report.timeText(millis) }

    /// Escapes every Markdown punctuation character and HTML, and folds line breaks, so text shows as
    /// written whatever it holds. The report itself uses `MarkdownText`, which escapes far less.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\n", "\r", "\t": out += " "
            case "\\", "`", "*", "_", "[", "]", "(", ")", "#", "|", "!", "{", "}", "~", "+", "-", ".":
                out += "\\" + String(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) {
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
        // Every machine and peer the report names, to set in code wherever it appears.
        var hosts = coverage.machines.map(\.machine)
        for cause in report.diagnosis.causes { hosts += cause.machines + cause.peers }
        for finding in report.diagnosis.findings { hosts += finding.machines }
        let text = MarkdownText(hosts: hosts)
        var out = "# gislog report\n\n"
        out += "- Inputs: " + report.inputs.map(MarkdownText.code).joined(separator: ", ") + "\n"
        if let range = coverage.timeRange {
            out += "- Time range: \(time(range.first)) … \(time(range.last)) (logs read as \(MarkdownText.code(report.zone.name)))\n"
        }
        if let site = report.diagnosis.arcgisVersion {
            out += "- ArcGIS version: \(site.version) (from " + MarkdownText.code(site.source) + ")\n"
        }
        if report.since != nil || report.until != nil {
            out += "- Reported: " + (report.since.map { "from \(time($0))" } ?? "from the start")
                + (report.until.map { " until \(time($0))" } ?? " to the end") + "\n"
        }
        out += "- Read: \(coverage.filesRead) files, \(Format.count(coverage.totals.records)) records, "
            + "\(coverage.machines.count) machines, \(report.rulesLoaded) rules, \(Format.count(report.eventTotal)) events\n\n"
        if report.diagnosis.causes.isEmpty {
            out += "## No cause found\n\nNo certificate failure to explain in what was read.\n\n"
        } else {
            out += "## Likely causes\n\n"
            for cause in report.diagnosis.causes {
                out += "### \(cause.rank). \(text.inline(cause.title)) (`\(cause.id.rawValue)`)\n\n"
                out += "**Confidence \(Int((cause.confidence * 100).rounded()))%**"
                    + (cause.isPrimary ? "" : " — an alternative explanation") + ". "
                out += "\(Format.count(cause.events)) failures on " + cause.machines.map(MarkdownText.code).joined(separator: ", ")
                if !cause.peers.isEmpty { out += " calling " + cause.peers.map(MarkdownText.code).joined(separator: ", ") }
                out += ", \(time(cause.firstSeen)) … \(time(cause.lastSeen)).\n\n"
                out += text.inline(cause.summary) + "\n\n"
                out += "Why:\n\n"
                for reason in cause.reasons { out += "- " + text.inline(reason) + "\n" }
                out += "\nEvidence:\n\n"
                for burst in cause.evidence { out += "- " + line(burst, text) + "\n" }
                out += "\nWhat to do:\n\n"
                for (index, step) in cause.steps.enumerated() {
                    out += "\(index + 1). " + (step.onlyFor.map { "*(" + text.inline($0) + ")* " } ?? "") + text.inline(step.text)
                    if let source = step.source { out += " (source: <\(Self.escapeURL(source))>)" }
                    out += "\n"
                    for line in step.machines { out += "   - " + text.inline(line.text) + "\n" }
                }
                if !cause.references.isEmpty {
                    out += "\nReferences:\n\n"
                    for reference in cause.references {
                        out += "- " + text.inline(reference.title) + (reference.url.map { " <\(Self.escapeURL($0))>" } ?? "") + "\n"
                    }
                }
                out += "\n"
            }
        }
        if !report.diagnosis.findings.isEmpty {
            out += "## Other findings\n\n"
            for finding in report.diagnosis.findings {
                out += "- **\(finding.category.rawValue)**: " + text.inline(finding.title)
                if let first = finding.firstSeen { out += ", from \(time(first))" }
                if let last = finding.lastSeen, last != finding.firstSeen { out += " to \(time(last))" }
                out += "\n"
            }
            out += "\n"
        }
        let notes = report.notes
        if !notes.isEmpty {
            out += "## What could hide a problem\n\n"
            for note in notes { out += "- " + text.inline(note) + "\n" }
            out += "\n"
        }
        out += "## Coverage\n\n| machine | records | first | last |\n|---|---:|---|---|\n"
        for span in coverage.machines {
            out += "| \(MarkdownText.cell(span.machine)) | \(Format.count(span.records)) | \(time(span.first)) | \(time(span.last)) |\n"
        }
        out += "\nRecords by level: " + Level.reportOrder.map { "\($0.name) \(Format.count(coverage.recordsByLevel[$0] ?? 0))" }
            .joined(separator: ", ") + ". Unparsed lines: \(Format.count(coverage.totals.unparsedLines)).\n"
        if !report.warnings.isEmpty {
            out += "\n## Warnings\n\n"
            for warning in report.warnings.prefix(100) { out += "- " + Self.warning(warning, text) + "\n" }
        }
        return out
    }

    /// `` `path:line` ``: the message — the hint.
    static func warning(_ warning: ScanWarning, _ text: MarkdownText) -> String {
        var place = warning.path
        switch warning.location {
        case .line(let line)?: place += ":\(line)"
        case .byteOffset(let offset)?: place += " at byte \(offset)"
        case .compressedOffset(let offset)?: place += " at compressed byte \(offset)"
        case nil: break
        }
        return MarkdownText.code(place) + ": " + text.inline(warning.message)
            + (warning.hint.map { " — " + text.inline($0) } ?? "")
    }

    private func line(_ burst: Burst, _ text: MarkdownText) -> String {
        var line = "`\(burst.ruleID)` " + MarkdownText.code(Report.location(burst.example))
            + (burst.exampleIsOwn ? "" : " (the nearest record kept, at \(time(burst.example.time)))") + " — \(time(burst.first))"
        if burst.count > 1 { line += ", ×\(burst.count) until \(time(burst.last))" }
        return line + ": " + text.inline(Format.clip(burst.example.message, 200))
    }

    /// URLs from rule files go inside `<…>`; angle brackets and spaces would end them.
    static func escapeURL(_ url: String) -> String {
        String(url.unicodeScalars.filter { $0 != "<" && $0 != ">" && $0 != " " }.map(Character.init))
    }
}
