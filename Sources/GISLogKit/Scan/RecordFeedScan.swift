extension Scanner {
    /// Runs `ruleSet` over every record like `run(ruleSet:)`, and writes each record to `feed` as an ECS
    /// document as it is read (`--records all`). The events are collected for the correlation as usual.
    public func run(ruleSet: RuleSet, feed: ECSRecordFeed, progress: ScanProgress? = nil,
                    incremental: IncrementalContext? = nil) -> RuleScanResult {
        let redact = options.redactSecrets, keepOriginal = options.keepOriginalRecords
        let (result, writers) = run(progress: progress, incremental: incremental) {
            ECSRecordWriter(engine: RuleEngine(ruleSet: ruleSet, redact: redact, keepOriginal: keepOriginal), feed: feed)
        }
        for writer in writers { writer.flush() }
        return RuleScanResult.collect(result, engines: writers.map(\.engine), ruleSet: ruleSet)
    }
}
