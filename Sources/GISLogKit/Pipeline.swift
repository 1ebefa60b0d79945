public import GISLogReports
public import GISLogCorrelation
public import GISLogRules

/// One whole `gislog scan`: read (only what is new, with a state), run the rules, correlate on log time,
/// and build the report and the next state. The command line only gathers the inputs and writes the output.
public struct Pipeline {
    public var options: ScanOptions
    public var ruleSet: RuleSet
    public var correlation: CorrelationOptions
    /// The previous run's state, for an incremental run (`--state`); nil for a full scan.
    public var previous: ScanState?
    /// The time of this run (milliseconds since the epoch).
    public var now: Int64
    /// The gislog version, for the report.
    public var version: String
    /// Keep every event for the report (the NDJSON feed writes them all).
    public var collectEvents = false
    /// Where to write every record as it is read (`--records all`); nil for the matched events only.
    public var recordFeed: ECSRecordFeed?

    public init(options: ScanOptions, ruleSet: RuleSet, correlation: CorrelationOptions, previous: ScanState? = nil,
                now: Int64, version: String) {
        self.options = options
        self.ruleSet = ruleSet
        self.correlation = correlation
        self.previous = previous
        self.now = now
        self.version = version
    }

    /// What a run produced.
    public struct Outcome: Sendable {
        public var report: Report
        /// The state to save once the report is out (incremental runs only).
        public var nextState: ScanState?
    }

    /// Runs the scan. Blocking: call it from a thread that may wait.
    /// - Parameters:
    ///   - scanner: the scanner for `options` (made first, so the caller can see what it found).
    ///   - progress: counts files and bytes, and moves to correlating when reading is done.
    ///   - eventSink: per worker thread, a sink that sees every new event as it is found (the NDJSON feed).
    ///
    /// Takes `previous` (a pipeline runs once): the last run's table of files becomes the next state's,
    /// changed in place rather than copied.
    public mutating func run(_ scanner: LogScanner, progress: ScanProgress? = nil,
                             eventSink: ((_ worker: Int) -> any EventSink)? = nil) -> Outcome {
        var previous = previous.take()
        var incremental = previous.map { IncrementalContext(checkpoints: $0.files, now: now) }
        var scanned = scanner.run(ruleSet: ruleSet, progress: progress, incremental: incremental,
                                  sampleWidth: correlation.burstGap, collectEvents: collectEvents,
                                  recordFeed: recordFeed, eventSink: eventSink)
        incremental = nil  // its indexes (several MB on a big site) are not needed past reading
        // Taken out, so that the report keeps no second reference.
        let checkpoints = scanned.scan.takeCheckpoints()
        let ledger = scanned.ledger
        // What this run read, before earlier runs' context joins it: the report counts only new events.
        let newCounts = ledger.counts(from: correlation.reportFrom, until: correlation.reportUntil)
        progress?.enter(.correlating, count: newCounts.reduce(0) { $0 + $1.count })
        var coverage = scanned.scan.coverage
        if let previous {
            // Correlation sees the recent events of earlier runs too: a restart read yesterday explains
            // failures read today.
            ledger.absorb(previous.series)
            for event in previous.context { ledger.accept(event: event) }
            coverage = previous.extending(coverage)
        }
        ledger.seal()
        var correlation = correlation
        if let previous {
            // As context only, like events before --since: a cause reported again counts and shows today's
            // failures, not yesterday's.
            correlation.readByEarlierRuns = previous.machineLastSeen
        }
        var diagnosis = Correlator(options: correlation, ruleSet: ruleSet, coverage: coverage, zone: options.timeZone)
            .diagnose(ledger: ledger)
        let allFindingIDs = diagnosis.findingIDs
        if let previous { diagnosis = diagnosis.withoutReported(Set(previous.reported)).diagnosis }
        var report = Report(version: version, inputs: options.paths, zone: options.timeZone, scan: scanned,
                            diagnosis: diagnosis, since: correlation.reportFrom, until: correlation.reportUntil)
        report.incremental = previous != nil
        report.eventCounts = newCounts
        // Only now is the last run's table referenced once (the index let it go): it is changed in place.
        let nextState = previous.take()?.advanced(
            run: consume checkpoints, ledger: ledger, coverage: scanned.scan.coverage,
            reported: allFindingIDs, now: now,
            keep: correlation.lookback + correlation.restartWindow + 3_600_000)
        return Outcome(report: report, nextState: nextState)
    }
}
