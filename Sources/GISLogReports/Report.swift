public import GISLogCorrelation
public import GISLogRules
public import GISLogRecords
public import GISLogSupport
public import GISLogProbe

/// Everything a report shows: what was read, what the rules found, what the correlation concluded.
/// Renderers (text, JSON, Markdown, HTML) only lay it out.
public struct Report: Sendable {
    public var version: String
    public var inputs: [String]
    public var zone: LogTimeZone
    public var coverage: Coverage
    public var warnings: [ScanWarning]
    public var rulesLoaded: Int
    /// The events, counted and sampled (bounded, whatever the number of events).
    public var ledger: EvidenceLedger
    /// Events per rule in the reported span, with the rule's category.
    public var eventCounts: [(rule: String, category: RuleCategory, count: Int)] = []
    /// Events in the reported span.
    public var eventTotal: Int { eventCounts.reduce(0) { $0 + $1.count } }
    /// Every event, in log order, for the NDJSON feed only (empty for the other formats).
    public var events: [Event]
    /// What each rule's events are evidence of, by rule id.
    public var ruleEvidence: [String: Evidence] = [:]
    public var diagnosis: Diagnosis
    /// Rule titles, whether each rule is built in, and its first reference URL, by id (for the NDJSON feed).
    public var ruleTitles: [String: String] = [:]
    public var ruleOrigins: [String: Bool] = [:]
    public var ruleReferences: [String: String] = [:]

    /// Whether this run read only what earlier runs had not (`--state`).
    public var incremental = false

    /// With `gislog scan --probe`: each cause's probes of its peers, by finding id (nil: no probing).
    public var causeProbes: [String: [ProbeResult]]?

    /// The span asked for with `--since` / `--until`, resolved to instants (nil: open).
    public var since: Int64?
    public var until: Int64?

    /// Whether the report has nothing worth mailing: no cause, and no finding other than restarts.
    public var isClean: Bool {
        diagnosis.causes.isEmpty && !diagnosis.findings.contains { $0.category != .restart }
    }

    /// - Parameters:
    ///   - events: every event found, in log order; the report keeps those inside `since`..<`until`.
    public init(version: String, inputs: [String], zone: LogTimeZone, coverage: Coverage, warnings: [ScanWarning],
                ruleSet: RuleSet, ledger: EvidenceLedger, events: [Event] = [], diagnosis: Diagnosis,
                since: Int64? = nil, until: Int64? = nil) {
        self.version = version
        self.inputs = inputs
        self.zone = zone
        self.since = since
        self.until = until
        self.coverage = coverage
        self.warnings = warnings
        rulesLoaded = ruleSet.rules.count
        self.ledger = ledger
        eventCounts = ledger.counts(from: since, until: until)
        self.events = events.filter { event in
            guard let time = event.time else { return since == nil && until == nil }
            return (since.map { time >= $0 } ?? true) && (until.map { time < $0 } ?? true)
        }
        self.diagnosis = diagnosis
        for compiled in ruleSet.rules {
            ruleTitles[compiled.rule.id] = compiled.rule.title
            ruleOrigins[compiled.rule.id] = compiled.rule.origin.isBuiltin
            if let url = compiled.rule.references.lazy.compactMap(\.url).first { ruleReferences[compiled.rule.id] = url }
            if let evidence = compiled.rule.evidence { ruleEvidence[compiled.rule.id] = evidence }
        }
    }

    /// Exit status for scripts and cron: 1 when at least one cause is ranked, else 0.
    public var exitStatus: Int32 { diagnosis.causes.isEmpty ? 0 : 1 }

    /// What could hide a problem, from what was read: added to the correlation's own caveats.
    public var notes: [String] {
        var notes = diagnosis.caveats
        // An incremental run reads a slice of the logs: too little to judge their log level.
        for span in coverage.machines where span.records > 0 && !incremental {
            let quiet = [Level.info, .fine, .verbose, .debug].reduce(0) { $0 + span.records(at: $1) }
            if quiet == 0 {
                notes.append("The logs of \(span.machine) hold no INFO or lower records (log level WARNING or higher?): "
                             + "restarts are logged at INFO and below, so a restart of this machine cannot be seen.")
            }
        }
        if let range = coverage.timeRange {
            for span in coverage.machines {
                if let last = span.last, range.last - last > 6 * 3_600_000 {
                    notes.append("No logs from \(span.machine) after \(zone.format(utcMillis: last)), "
                                 + "\(DurationText.describe(range.last - last)) before the end of the scanned span.")
                }
            }
        }
        if coverage.totals.records == 0 && !incremental {
            notes.append("No ArcGIS records were read: check that the paths hold ArcGIS Server or Portal logs.")
        }
        return notes
    }

    /// Evidence as `path:line`.
    static func location(_ event: Event) -> String { "\(event.path):\(event.line)" }

    /// Where a burst's example is, and — when it is not a record of the burst itself but the nearest one
    /// kept — that it is not, with its time.
    static func location(of burst: Burst, time: (Int64?) -> String) -> String {
        let place = location(burst.example)
        return burst.exampleIsOwn ? place : place + " (the nearest record kept, at \(time(burst.example.time)))"
    }
}

extension Report {
    /// A log time in the report's zone, for the human-readable formats.
    func timeText(_ millis: Int64?) -> String { millis.map { zone.format(utcMillis: $0) } ?? "unknown time" }
}
