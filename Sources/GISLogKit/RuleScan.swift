public import GISLogRules
public import GISLogReports
public import GISLogCorrelation
public import GISLogRecords
import GISLogSupport
import GISLogInput

/// A scan with rules: the coverage, and what the rules found.
public struct RuleScanResult: Sendable {
    public var scan: ScanResult
    public var ruleSet: RuleSet
    /// Every event, counted and sampled, merged over the workers (not sealed: earlier runs' context may
    /// still be added).
    public var ledger: EvidenceLedger
    /// Every event in log order, when the scan was asked to keep them (`collectEvents`); else empty.
    public var events: [Event]
    public var limitReports: [RuleLimitReport]
}

/// Hands each hit to several sinks.
final class FanOutSink: EventSink {
    let sinks: [any EventSink]
    init(_ sinks: [any EventSink]) { self.sinks = sinks }
    func accept(_ hit: borrowing RuleHit) { for sink in sinks { sink.accept(hit) } }
    func accept(event: Event) { for sink in sinks { sink.accept(event: event) } }
    func beginFile(_ file: InputFile) { for sink in sinks { sink.beginFile(file) } }
    func endFile(_ file: InputFile) { for sink in sinks { sink.endFile(file) } }
}

extension LogScanner {
    /// Runs `ruleSet` over every record into a ledger (and a list of every event when `collectEvents`);
    /// rules that gave up on records become `rule_limit` warnings naming the rule, the file and the first line.
    /// - Parameter sampleWidth: the ledger's sample window (the burst gap).
    public func run(ruleSet: RuleSet, progress: ScanProgress? = nil, incremental: IncrementalContext? = nil,
                    sampleWidth: Int64 = 10 * 60_000, collectEvents: Bool = false) -> RuleScanResult {
        let redact = options.redactSecrets, keepOriginal = options.keepOriginalRecords
        var (result, engines) = run(progress: progress, incremental: incremental) {
            let ledger = EvidenceLedger(ruleSet: ruleSet, sampleWidth: sampleWidth)
            let sink: any EventSink = collectEvents ? FanOutSink([ledger, EventCollector()]) : ledger
            return RuleEngine(ruleSet: ruleSet, sink: sink, redact: redact, keepOriginal: keepOriginal)
        }
        let ledger = EvidenceLedger(ruleSet: ruleSet, sampleWidth: sampleWidth)
        var events: [Event] = []
        for engine in engines {
            if let fan = engine.sink as? FanOutSink {
                ledger.merge(fan.sinks[0] as! EvidenceLedger)
                events += (fan.sinks[1] as! EventCollector).events
            } else {
                ledger.merge(engine.sink as! EvidenceLedger)
            }
        }
        events = events.inLogOrder()
        let limits = engines.flatMap(\.limitReports).sorted { ($0.path, $0.ruleID) < ($1.path, $1.ruleID) }
        for report in limits {
            result.warnings.append(ScanWarning(
                .ruleLimit, path: report.path, at: .line(report.firstLine),
                "rule '\(report.ruleID)' hit its match limit on \(report.count) record(s) (first here)"
                    + (report.disabled ? " and was switched off for the rest of this file" : ""),
                hint: "the rule's pattern backtracks too much on long records; make it more specific"))
        }
        return RuleScanResult(scan: result, ruleSet: ruleSet, ledger: ledger, events: events, limitReports: limits)
    }
}

extension Report {
    /// The report of a scan with rules.
    public init(version: String, inputs: [String], zone: LogTimeZone, scan: RuleScanResult, diagnosis: Diagnosis,
                since: Int64? = nil, until: Int64? = nil) {
        self.init(version: version, inputs: inputs, zone: zone, coverage: scan.scan.coverage, warnings: scan.scan.warnings,
                  ruleSet: scan.ruleSet, ledger: scan.ledger, events: scan.events, diagnosis: diagnosis,
                  since: since, until: until)
    }
}
