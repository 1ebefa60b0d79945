public import GISLogRules
public import GISLogReports
public import GISLogCorrelation
public import GISLogRecords
import GISLogSupport

/// A scan with rules: the coverage, and the events the rules found, in time order.
public struct RuleScanResult: Sendable {
    public var scan: ScanResult
    public var ruleSet: RuleSet
    /// Events ordered by time (events without a time last), then by file and line.
    public var events: [Event]
    public var limitReports: [RuleLimitReport]
}

extension LogScanner {
    /// Runs `ruleSet` over every record and collects the events; rules that gave up on records become
    /// `rule_limit` warnings naming the rule, the file and the first line.
    /// - Parameter eventSink: makes, per worker thread (0, 1, …), a sink that sees every hit and event too
    ///   (the NDJSON feed's), beside the one that collects events for correlation.
    public func run(ruleSet: RuleSet, progress: ScanProgress? = nil, incremental: IncrementalContext? = nil,
                    eventSink: ((_ worker: Int) -> any EventSink)? = nil) -> RuleScanResult {
        let redact = options.redactSecrets, keepOriginal = options.keepOriginalRecords
        var collectors: [EventCollector] = []
        var (result, engines) = run(progress: progress, incremental: incremental) {
            let collector = EventCollector()
            let sink: any EventSink = eventSink.map { EventFanOut(collector, $0(collectors.count)) } ?? collector
            collectors.append(collector)
            return RuleEngine(ruleSet: ruleSet, sink: sink, redact: redact, keepOriginal: keepOriginal)
        }
        let events = collectors.flatMap(\.events).inLogOrder()
        let limits = engines.flatMap(\.limitReports).sorted { ($0.path, $0.ruleID) < ($1.path, $1.ruleID) }
        for report in limits {
            result.warnings.append(ScanWarning(
                .ruleLimit, path: report.path, at: .line(report.firstLine),
                "rule '\(report.ruleID)' hit its match limit on \(report.count) record(s) (first here)"
                    + (report.disabled ? " and was switched off for the rest of this file" : ""),
                hint: "the rule's pattern backtracks too much on long records; make it more specific"))
        }
        return RuleScanResult(scan: result, ruleSet: ruleSet, events: events, limitReports: limits)
    }
}

extension Report {
    /// The report of a scan with rules.
    public init(version: String, inputs: [String], zone: LogTimeZone, scan: RuleScanResult, diagnosis: Diagnosis,
                since: Int64? = nil, until: Int64? = nil) {
        self.init(version: version, inputs: inputs, zone: zone, coverage: scan.scan.coverage, warnings: scan.scan.warnings,
                  ruleSet: scan.ruleSet, events: scan.events, diagnosis: diagnosis, since: since, until: until)
    }
}
