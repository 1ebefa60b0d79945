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

/// What one scan worker's rule engine feeds: the bounded ledger always, and on request a list of every event,
/// a sink that sees every event as it is found (the streamed NDJSON feed) and the events of the current record
/// (the every-record feed).
final class WorkerSink: EventSink {
    let ledger: EvidenceLedger
    let collector: EventCollector?
    let hits: RecordHits?
    let feed: (any EventSink)?

    init(ledger: EvidenceLedger, collector: EventCollector?, hits: RecordHits?, feed: (any EventSink)? = nil) {
        self.ledger = ledger
        self.collector = collector
        self.hits = hits
        self.feed = feed
    }

    func accept(_ hit: borrowing RuleHit) {
        ledger.accept(hit)
        collector?.accept(hit)
        hits?.accept(hit)
        feed?.accept(hit)
    }

    func accept(event: Event) {
        ledger.accept(event: event)
        collector?.accept(event: event)
        hits?.accept(event: event)
        feed?.accept(event: event)
    }

    func beginFile(_ file: InputFile, index: Int) { feed?.beginFile(file, index: index) }

    func endFile(_ file: InputFile) { feed?.endFile(file) }
}

/// The every-record feed's writer is a scan consumer like the rule engine it wraps.
extension ECSRecordWriter: RecordConsumer {}

extension LogScanner {
    /// Runs `ruleSet` over every record into a ledger (and a list of every event when `collectEvents`);
    /// rules that gave up on records become `rule_limit` warnings naming the rule, the file and the first line.
    /// - Parameters:
    ///   - sampleWidth: the ledger's sample window (the burst gap).
    ///   - recordFeed: also write every record to this feed as it is read (`--records all`).
    ///   - eventSink: makes, per worker thread (0, 1, …), a sink that sees every event as it is found (the
    ///     streamed NDJSON feed), beside the ledger. Not with `recordFeed` (one feed at a time).
    public func run(ruleSet: RuleSet, progress: ScanProgress? = nil, incremental: IncrementalContext? = nil,
                    sampleWidth: Int64 = 10 * 60_000, collectEvents: Bool = false,
                    recordFeed: ECSRecordFeed? = nil, eventSink: ((_ worker: Int) -> any EventSink)? = nil) -> RuleScanResult {
        precondition(recordFeed == nil || eventSink == nil, "one feed at a time")
        let redact = options.redactSecrets, keepOriginal = options.keepOriginalRecords
        var workers = 0
        func engine(hits: RecordHits? = nil) -> RuleEngine {
            let sink = WorkerSink(ledger: EvidenceLedger(ruleSet: ruleSet, sampleWidth: sampleWidth),
                                  collector: collectEvents ? EventCollector() : nil, hits: hits,
                                  feed: eventSink?(workers))
            workers += 1
            return RuleEngine(ruleSet: ruleSet, sink: sink, redact: redact, keepOriginal: keepOriginal)
        }
        let result: ScanResult, engines: [RuleEngine]
        if let recordFeed {
            let writers: [ECSRecordWriter]
            (result, writers) = run(progress: progress, incremental: incremental) {
                let hits = RecordHits(), worker = workers
                return ECSRecordWriter(engine: engine(hits: hits), hits: hits, feed: recordFeed, worker: worker)
            }
            // What waits for its turn goes out now; a failed write shows in `recordFeed.failed`.
            recordFeed.finish()
            engines = writers.map(\.engine)
        } else {
            (result, engines) = run(progress: progress, incremental: incremental) { engine() }
        }
        return collect(result, engines: engines, ruleSet: ruleSet, sampleWidth: sampleWidth)
    }

    /// Merges the workers' ledgers (and events), with a `rule_limit` warning per rule that gave up.
    private func collect(_ scan: ScanResult, engines: [RuleEngine], ruleSet: RuleSet, sampleWidth: Int64) -> RuleScanResult {
        var result = scan
        let ledger = EvidenceLedger(ruleSet: ruleSet, sampleWidth: sampleWidth)
        var events: [Event] = []
        for engine in engines {
            let sink = engine.sink as! WorkerSink
            ledger.merge(draining: sink.ledger)
            events += sink.collector?.events ?? []
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
