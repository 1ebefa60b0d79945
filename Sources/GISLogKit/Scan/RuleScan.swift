/// A scan with rules: the coverage, and the events the rules found, in time order.
public struct RuleScanResult: Sendable {
    public var scan: ScanResult
    public var ruleSet: RuleSet
    /// Events ordered by time (events without a time last), then by file and line.
    public var events: [Event]
    public var limitReports: [RuleLimitReport]

    /// Events in time order (events without a time last), then by file, line and rule: the order every
    /// report and the correlation use, whatever order the worker threads found them in.
    public static func ordered(_ events: [Event]) -> [Event] {
        events.sorted { a, b in
            switch (a.time, b.time) {
            case let (x?, y?) where x != y: return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return (a.path, a.line, a.ruleID) < (b.path, b.line, b.ruleID)
            }
        }
    }
}

extension Scanner {
    /// Runs `ruleSet` over every record and collects the events; rules that gave up on records become
    /// `rule_limit` warnings naming the rule, the file and the first line.
    public func run(ruleSet: RuleSet, progress: ScanProgress? = nil, incremental: IncrementalContext? = nil) -> RuleScanResult {
        let redact = options.redactSecrets, keepOriginal = options.keepOriginalRecords
        let (result, engines) = run(progress: progress, incremental: incremental) {
            RuleEngine(ruleSet: ruleSet, redact: redact, keepOriginal: keepOriginal)
        }
        return RuleScanResult.collect(result, engines: engines, ruleSet: ruleSet)
    }
}

extension RuleScanResult {
    /// The events of every worker's engine in order, with a `rule_limit` warning per rule that gave up.
    static func collect(_ scan: ScanResult, engines: [RuleEngine], ruleSet: RuleSet) -> RuleScanResult {
        var result = scan
        let events = RuleScanResult.ordered(engines.flatMap(\.events))
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
