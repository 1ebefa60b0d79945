import GISLogCorrelation
import GISLogRules
import GISLogRecords
import GISLogSupport
import GISLogProbe

/// The report as one JSON document with a stable, documented shape (see the README). Keys are added,
/// never renamed or removed.
public struct JSONReport {
    public let report: Report

    public init(_ report: Report) { self.report = report }

    private var zone: LogTimeZone { report.zone }
    private func time(_ millis: Int64?) -> String? { millis.map { zone.format(utcMillis: $0) } }

    public func render() -> String {
        var text = ""
        render { text += $0 }
        return text
    }

    /// Renders the same text in pieces of about 64 KiB: the list of a big site's 100,000 files need not
    /// sit whole in memory before it is written.
    public func render(chunks emit: (String) -> Void) {
        var json = JSONWriter(pretty: true)
        json.beginObject()
        json.key("gislog"); json.beginObject(); json.field("version", report.version); json.endObject()
        json.key("inputs"); json.beginArray(); for path in report.inputs { json.value(path) }; json.endArray()
        json.field("time_zone", zone.name)
        json.key("time_range")
        writeRange(report.coverage.timeRange, into: &json)
        json.key("time_window")
        json.beginObject()
        json.field("since", time(report.since))
        json.field("until", time(report.until))
        json.endObject()
        json.key("arcgis_version")
        if let site = report.diagnosis.arcgisVersion {
            json.beginObject()
            json.field("version", site.version.description)
            json.field("source", site.source)
            json.endObject()
        } else {
            json.null()
        }
        json.key("causes")
        json.beginArray()
        for cause in report.diagnosis.causes { write(cause, into: &json) }
        json.endArray()
        json.key("findings")
        json.beginArray()
        for finding in report.diagnosis.findings { write(finding, into: &json) }
        json.endArray()
        json.key("notes"); json.beginArray(); for note in report.notes { json.value(note) }; json.endArray()
        json.key("coverage")
        writeCoverage(into: &json, emit: emit)
        json.key("events")
        writeEventSummary(into: &json)
        json.key("warnings")
        Self.writeWarnings(report.warnings, into: &json)
        json.endObject()
        emit(json.takeOutput() + "\n")
    }

    private func writeRange(_ range: (first: Int64, last: Int64)?, into json: inout JSONWriter) {
        guard let range else { json.null(); return }
        json.beginObject()
        json.field("first", time(range.first))
        json.field("last", time(range.last))
        json.endObject()
    }

    private func write(_ cause: RankedCause, into json: inout JSONWriter) {
        json.beginObject()
        json.field("id", cause.id.rawValue)
        json.field("rank", cause.rank)
        json.key("confidence"); json.value(cause.confidence)
        json.field("primary", cause.isPrimary)
        json.field("finding_id", cause.findingID)
        json.field("title", cause.title)
        json.field("summary", cause.summary)
        json.key("reasons"); json.beginArray(); for reason in cause.reasons { json.value(reason) }; json.endArray()
        json.key("machines"); json.beginArray(); for machine in cause.machines { json.value(machine) }; json.endArray()
        json.key("peers"); json.beginArray(); for peer in cause.peers { json.value(peer) }; json.endArray()
        json.field("events", cause.events)
        json.field("first_seen", time(cause.firstSeen))
        json.field("last_seen", time(cause.lastSeen))
        json.key("evidence"); writeBursts(cause.evidence, into: &json)
        json.key("steps"); json.beginArray(); for step in cause.steps { json.value(step.line) }; json.endArray()
        json.key("step_details"); WorkaroundStep.writeDetails(cause.steps, into: &json)
        json.key("references")
        json.beginArray()
        for reference in cause.references {
            json.beginObject(); json.field("title", reference.title); json.field("url", reference.url); json.endObject()
        }
        json.endArray()
        if let probes = report.causeProbes {
            json.key("probe"); json.beginArray(); for probe in probes[cause.findingID] ?? [] { ProbeJSON.write(probe, into: &json) }; json.endArray()
        }
        json.endObject()
    }

    private func write(_ finding: Finding, into json: inout JSONWriter) {
        json.beginObject()
        json.field("finding_id", finding.findingID)
        json.field("category", finding.category.rawValue)
        json.field("title", finding.title)
        json.key("machines"); json.beginArray(); for machine in finding.machines { json.value(machine) }; json.endArray()
        json.field("events", finding.events)
        json.field("first_seen", time(finding.firstSeen))
        json.field("last_seen", time(finding.lastSeen))
        json.key("evidence"); writeBursts(finding.evidence, into: &json)
        json.endObject()
    }

    private func writeBursts(_ bursts: [Burst], into json: inout JSONWriter) {
        json.beginArray()
        for burst in bursts {
            json.beginObject()
            json.field("rule", burst.ruleID)
            json.field("category", burst.category.rawValue)
            json.field("machine", burst.machine)
            json.field("path", burst.example.path)
            json.field("line", burst.example.line)
            // The example's own time: outside first … last when the nearest kept record stands for the burst.
            json.field("example_time", time(burst.example.time))
            json.field("count", burst.count)
            json.field("first", time(burst.first))
            json.field("last", time(burst.last))
            json.key("rate_per_minute")
            if let rate = burst.ratePerMinute { json.value((rate * 100).rounded() / 100) } else { json.null() }
            json.field("message", burst.example.message)
            json.endObject()
        }
        json.endArray()
    }

    func writeCoverage(into json: inout JSONWriter, emit: (String) -> Void) {
        let coverage = report.coverage
        let totals = coverage.totals
        json.beginObject()
        json.field("records", totals.records)
        json.key("records_by_level")
        json.beginObject()
        for level in Level.reportOrder { json.field(level.name, coverage.recordsByLevel[level] ?? 0) }
        json.endObject()
        json.field("unparsed", totals.unparsedLines)
        json.field("oversized_records", totals.oversizedRecords)
        json.field("unterminated_records", totals.unterminatedRecords)
        json.field("records_without_time", totals.badTimes)
        json.key("time_range")
        writeRange(coverage.timeRange, into: &json)
        json.key("bytes")
        json.beginObject()
        json.field("stored", coverage.storedBytes)
        json.field("decoded", totals.decodedBytes)
        json.endObject()
        json.key("file_counts")
        json.beginObject()
        json.field("read", coverage.filesRead)
        json.field("damaged", coverage.filesDamaged)
        json.field("failed", coverage.filesFailed)
        json.field("skipped", coverage.skipped.count)
        json.field("gzip", coverage.gzipFiles)
        json.endObject()
        json.key("machines")
        json.beginArray()
        for span in coverage.machines {
            json.beginObject()
            json.field("name", span.machine)
            json.field("records", span.records)
            json.field("first", time(span.first))
            json.field("last", time(span.last))
            json.endObject()
        }
        json.endArray()
        json.key("files")
        json.beginArray()
        for file in coverage.files {
            json.beginObject()
            json.field("path", file.file.path)
            json.field("status", file.status.rawValue)
            json.field("product", file.file.product.rawValue)
            json.field("component", file.file.component.rawValue)
            json.field("machine", file.file.machine)
            json.field("format", file.format?.rawValue)
            json.field("gzip", file.encoding.gzip)
            json.field("encoding", file.encoding.utf16?.rawValue ?? "utf-8")
            json.field("stored_bytes", file.storedBytes)
            json.field("decoded_bytes", file.counters.decodedBytes)
            json.field("records", file.counters.records)
            json.field("unparsed", file.counters.unparsedLines)
            json.endObject()
            if json.output.utf8.count >= 64 << 10 { emit(json.takeOutput()) }
        }
        json.endArray()
        json.key("skipped")
        json.beginArray()
        for file in coverage.skipped {
            json.beginObject()
            json.field("path", file.path)
            json.field("reason", file.reason.rawValue)
            json.endObject()
        }
        json.endArray()
        json.endObject()
    }

    private func writeEventSummary(into json: inout JSONWriter) {
        json.beginObject()
        json.field("total", report.eventTotal)
        json.field("rules_loaded", report.rulesLoaded)
        json.key("by_rule")
        json.beginArray()
        for tally in report.eventCounts.sorted(by: { ($0.category, -$0.count, $0.rule) < ($1.category, -$1.count, $1.rule) }) {
            json.beginObject()
            json.field("rule", tally.rule)
            json.field("category", tally.category.rawValue)
            json.field("count", tally.count)
            json.endObject()
        }
        json.endArray()
        json.endObject()
    }

    static func writeWarnings(_ warnings: [ScanWarning], into json: inout JSONWriter) {
        json.beginArray()
        for warning in warnings {
            json.beginObject()
            json.field("kind", warning.kind.rawValue)
            json.field("path", warning.path)
            switch warning.location {
            case .line(let line)?: json.field("line", line)
            case .byteOffset(let offset)?: json.field("byte_offset", offset)
            case .compressedOffset(let offset)?: json.field("compressed_offset", offset)
            case nil: break
            }
            json.field("message", warning.message)
            json.field("hint", warning.hint)
            json.endObject()
        }
        json.endArray()
    }
}
