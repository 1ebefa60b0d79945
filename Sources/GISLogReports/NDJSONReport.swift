import GISLogCorrelation
import GISLogRules
import GISLogRecords
import GISLogSupport
import GISLogProbe

/// The event feed for a SIEM: one JSON object per line, ECS field names as nested objects. First every
/// extracted event (`event.kind: "event"`), then one coverage line per machine (`event.kind: "state"`: what
/// was read, so that another gislog can merge this feed), then the causes and findings (`event.kind: "alert"`).
///
/// Schema: `docs/ndjson-schema-v1.json` (`gislog.schema_version` is 1). Every line is valid JSON whatever
/// the log text holds.
public struct NDJSONReport {
    public let report: Report
    /// Include the raw record as `event.original`.
    public let includeOriginal: Bool

    public static let schemaVersion = 1

    /// Write the matched events; false when the records were already written as they were read
    /// (`--records all`), so only the coverage lines and the alerts remain.
    public var includesEvents = true

    public init(_ report: Report, includeOriginal: Bool = false) {
        self.report = report
        self.includeOriginal = includeOriginal
    }

    private var zone: LogTimeZone { report.zone }
    private func time(_ millis: Int64?) -> String? { millis.map { zone.format(utcMillis: $0) } }

    /// Writes the lines to `sink` one at a time (a large scan need not build one big string).
    public func write(to sink: (String) -> Void) {
        if includesEvents {
            let encoder = NDJSONEventEncoder(layout: eventLayout, redact: false)
            let bytes = JSONBytes(capacity: 4096)
            for event in report.events {
                bytes.removeAll()
                encoder.append(event, to: bytes)
                sink(String(decoding: bytes.bytes, as: UTF8.self))
            }
        }
        writeSummary(to: sink)
    }

    /// The lines after the events: coverage per machine, then causes and findings. A scan that streamed
    /// its events (`NDJSONEventStream`) ends the feed with these.
    public func writeSummary(to sink: (String) -> Void) {
        for span in report.coverage.machines { sink(line(for: span)) }
        for cause in report.diagnosis.causes { sink(line(for: cause)) }
        for finding in report.diagnosis.findings { sink(line(for: finding)) }
    }

    public func render() -> String {
        var out = ""
        write { out += $0 }
        return out
    }

    // MARK: - ECS mapping

    /// ECS `event.category` and `event.type` for a rule category (ECS's allowed values).
    static func ecs(_ category: RuleCategory, ruleID: String, starting: Bool) -> (category: [String], type: [String], outcome: String) {
        switch category {
        case .certificate: return (["network"], ["connection", "error"], "failure")
        case .connectivity: return (["network"], ["connection", "error"], "failure")
        case .token: return (["authentication"], ["error"], "failure")
        case .federation: return (["configuration", "network"], ["error"], "failure")
        case .publishing: return (["process"], ["end", "error"], "failure")
        case .restart:
                        let failed = ruleID == "site-initialization-failed" || ruleID == "services-failed-to-start"
            return (["host", "process"], [starting ? "start" : "end"] + (failed ? ["error"] : []), failed ? "failure" : "unknown")
        }
    }

    /// The event lines' layout, with this report's rule titles.
    private var eventLayout: NDJSONEventLayout {
        NDJSONEventLayout(titles: report.ruleTitles, builtin: report.ruleOrigins, references: report.ruleReferences,
                          startup: Set(report.ruleEvidence.filter { $0.value == .machineStart }.keys), zone: zone,
                          includeOriginal: includeOriginal)
    }

    private func line(for span: MachineSpan) -> String {
        var json = JSONWriter()
        json.beginObject()
        json.field("@timestamp", time(span.first))
        json.field("message", "coverage of \(span.machine): \(span.records) records")
        json.key("event")
        json.beginObject()
        json.field("kind", "state")
        json.key("category"); json.beginArray(); json.value("host"); json.endArray()
        json.key("type"); json.beginArray(); json.value("info"); json.endArray()
        json.field("outcome", "unknown")
        json.field("dataset", "gislog.coverage")
        json.field("module", "arcgis")
        json.field("start", time(span.first))
        json.field("end", time(span.last))
        json.endObject()
        json.key("host"); json.beginObject(); json.field("name", span.machine); json.endObject()
        json.key("gislog")
        json.beginObject()
        json.field("schema_version", Self.schemaVersion)
        json.key("coverage")
        json.beginObject()
        json.field("records", span.records)
        json.key("records_by_level")
        json.beginObject()
        for level in Level.reportOrder where span.records(at: level) > 0 { json.field(level.name, span.records(at: level)) }
        json.endObject()
        json.endObject()
        json.endObject()
        json.endObject()
        return json.output + "\n"
    }

    private func line(for cause: RankedCause) -> String {
        var json = JSONWriter()
        json.beginObject()
        json.field("@timestamp", time(cause.firstSeen))
        json.field("message", "\(cause.title): \(cause.events) failure(s) on \(cause.machines.joined(separator: ", ")), "
                   + "confidence \(Int((cause.confidence * 100).rounded()))%")
        json.key("event")
        json.beginObject()
        json.field("kind", "alert")
        json.key("category"); json.beginArray(); json.value("network"); json.endArray()
        json.key("type"); json.beginArray(); json.value("indicator"); json.endArray()
        json.field("outcome", "failure")
        json.field("dataset", "gislog.cause")
        json.field("module", "arcgis")
        json.field("id", cause.findingID)
        json.field("start", time(cause.firstSeen))
        json.field("end", time(cause.lastSeen))
        json.field("reason", cause.reasons.joined(separator: "; "))
        if let url = cause.references.first?.url { json.field("reference", url) }
        json.endObject()
        writeHosts(cause.machines, into: &json)
        json.key("rule")
        json.beginObject()
        json.field("id", cause.id.rawValue)
        json.field("name", cause.title)
        json.field("category", "cause")
        json.field("ruleset", "gislog-causes")
        json.endObject()
        json.key("gislog")
        json.beginObject()
        json.field("schema_version", Self.schemaVersion)
        json.key("cause")
        json.beginObject()
        json.field("id", cause.id.rawValue)
        json.field("rank", cause.rank)
        json.key("confidence"); json.value(cause.confidence)
        json.field("primary", cause.isPrimary)
        json.field("events", cause.events)
        json.key("peers"); json.beginArray(); cause.peers.forEach { json.value($0) }; json.endArray()
        json.key("steps"); json.beginArray(); cause.steps.forEach { json.value($0.line) }; json.endArray()
        json.key("step_details"); WorkaroundStep.writeDetails(cause.steps, into: &json)
        if let probes = report.causeProbes {
            json.key("probe"); json.beginArray(); for probe in probes[cause.findingID] ?? [] { ProbeJSON.write(probe, into: &json) }; json.endArray()
        }
        json.endObject()
        json.endObject()
        json.endObject()
        return json.output + "\n"
    }

    private func line(for finding: Finding) -> String {
        var json = JSONWriter()
        json.beginObject()
        json.field("@timestamp", time(finding.firstSeen))
        json.field("message", finding.title)
        let ecs = Self.ecs(finding.category, ruleID: finding.evidence.first?.ruleID ?? "",
                          starting: report.ruleEvidence[finding.evidence.first?.ruleID ?? ""] == .machineStart)
        json.key("event")
        json.beginObject()
        json.field("kind", "alert")
        json.key("category"); json.beginArray(); ecs.category.forEach { json.value($0) }; json.endArray()
        json.key("type"); json.beginArray(); json.value("info"); json.endArray()
        json.field("outcome", ecs.outcome)
        json.field("dataset", "gislog.finding")
        json.field("module", "arcgis")
        json.field("id", finding.findingID)
        json.field("start", time(finding.firstSeen))
        json.field("end", time(finding.lastSeen))
        json.endObject()
        writeHosts(finding.machines, into: &json)
        json.key("rule")
        json.beginObject()
        json.field("id", "finding-" + finding.category.rawValue)
        json.field("name", finding.title)
        json.field("category", finding.category.rawValue)
        json.field("ruleset", "gislog-findings")
        json.endObject()
        json.key("gislog")
        json.beginObject()
        json.field("schema_version", Self.schemaVersion)
        json.key("finding")
        json.beginObject()
        json.field("category", finding.category.rawValue)
        json.field("events", finding.events)
        json.endObject()
        json.endObject()
        json.endObject()
        return json.output + "\n"
    }

    /// `host.name` is one machine in ECS; all of them go to `related.hosts`.
    private func writeHosts(_ machines: [String], into json: inout JSONWriter) {
        json.key("host"); json.beginObject(); json.field("name", machines.first ?? ""); json.endObject()
        json.key("related")
        json.beginObject()
        json.key("hosts"); json.beginArray(); machines.forEach { json.value($0) }; json.endArray()
        json.endObject()
    }

    /// ECS `event.severity` is numeric; Sigma levels map onto 1–5 (what SIEM rules compare against).
    static func severityNumber(_ severity: RuleSeverity) -> Int {
        switch severity {
        case .informational: 1
        case .low: 2
        case .medium: 3
        case .high: 4
        case .critical: 5
        }
    }
}
