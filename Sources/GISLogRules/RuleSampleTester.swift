import GISLogRecords
import GISLogInput
import GISLogSupport

/// Runs a rule's samples: each `match` sample must match (yielding the fields it lists), each `no_match`
/// sample must not.
///
/// A sample that is a whole `<Msg …>` record goes through the record parser and the rule's level, code and
/// source gates, exactly as in a scan; a bare line is matched as message text.
public enum RuleSampleTester {
    /// The outcome of one sample.
    public struct Result: Sendable, Hashable {
        public var sample: RuleSample
        public var expectedMatch: Bool
        /// Nil when the sample behaved as declared; otherwise why not.
        public var failure: String?
    }

    public static func run(_ compiled: CompiledRule) -> [Result] {
        let matcher = PCRE2Matcher(maxCaptures: compiled.pattern.captureCount)
        var results: [Result] = []
        for sample in compiled.rule.mustMatch {
            results.append(Result(sample: sample, expectedMatch: true, failure: check(sample, compiled, matcher, expectMatch: true)))
        }
        for sample in compiled.rule.mustNotMatch {
            results.append(Result(sample: sample, expectedMatch: false, failure: check(sample, compiled, matcher, expectMatch: false)))
        }
        return results
    }

    private static func check(_ sample: RuleSample, _ compiled: CompiledRule, _ matcher: PCRE2Matcher,
                              expectMatch: Bool) -> String? {
        let outcome = evaluate(sample.text, compiled, matcher)
        switch outcome {
        case .gated(let reason):
            return expectMatch ? "did not match: \(reason)" : nil
        case .limit:
            return "the pattern hit its match limit on this sample (catastrophic backtracking?)"
        case .noMatch:
            return expectMatch ? "did not match" : nil
        case .match(let fields):
            guard expectMatch else {
                let shown = fields.isEmpty ? "" : " (captured " + fields.map { "\($0.name)=\($0.value)" }.joined(separator: ", ") + ")"
                return "matched, but is declared as no_match" + shown
            }
            var problems: [String] = []
            for (name, expected) in sample.fields.sorted(by: { $0.key < $1.key }) {
                guard compiled.namedGroups.contains(where: { $0.name == name }) else {
                    problems.append("field '\(name)' is not a named group of the pattern")
                    continue
                }
                let actual = fields.first { $0.name == name }?.value
                if actual != expected {
                    problems.append("field '\(name)' is \(actual.map { "'\($0)'" } ?? "missing"), expected "
                                    + (expected.map { "'\($0)'" } ?? "it to be missing"))
                }
            }
            return problems.isEmpty ? nil : problems.joined(separator: "; ")
        }
    }

    private enum Outcome {
        case gated(String)
        case noMatch
        case limit
        case match([EventField])
    }

    private struct Collector: RecordSink {
        let body: (inout RecordView) -> Void
        init(_ body: @escaping (inout RecordView) -> Void) { self.body = body }
        func accept(_ record: inout RecordView) { body(&record) }
    }

    private static func evaluate(_ text: String, _ compiled: CompiledRule, _ matcher: PCRE2Matcher) -> Outcome {
        if text.hasPrefix("<Msg") {
            var outcome = Outcome.gated("the sample is not a complete <Msg> record")
            let warnings = WarningLog(path: "sample")
            let reader = RecordReader(source: MemorySource(Array(text.utf8)), warnings: warnings, zone: .utc,
                                      buffer: ReadBuffer(maxRecordBytes: 1 << 16, chunkSize: 1 << 16))
            var collector = Collector { record in
                outcome = evaluate(record: record, compiled, matcher)
            }
            try? reader.run(&collector)
            return outcome
        }
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes { raw in
            let buffer = UnsafeRawBufferPointer(raw)
            guard compiled.literalPresent(in: buffer) else { return .noMatch }
            return outcome(matcher.match(compiled.pattern, buffer), compiled, buffer, decoded: true, matcher)
        }
    }

    private static func evaluate(record: RecordView, _ compiled: CompiledRule, _ matcher: PCRE2Matcher) -> Outcome {
        let rule = compiled.rule
        if !rule.logLevels.isEmpty && !rule.logLevels.contains(record.level) {
            return .gated("its level \(record.level.name) is not in log_levels")
        }
        if !rule.codes.isEmpty && !(record.code.map(rule.codes.contains) ?? false) {
            return .gated("its code \(record.code.map(String.init) ?? "(none)") is not in codes")
        }
        if !compiled.admits(record, product: rule.products.first ?? .unknown) {
            return .gated("its source \(record.string(.source) ?? "(none)") is not in sources")
        }
        let text = record.textBytes
        guard compiled.literalPresent(in: text) else { return .noMatch }
        return outcome(matcher.match(compiled.pattern, text), compiled, text, decoded: record.isDecoded, matcher)
    }

    private static func outcome(_ result: PCRE2MatchResult, _ compiled: CompiledRule, _ text: UnsafeRawBufferPointer,
                                decoded: Bool, _ matcher: PCRE2Matcher) -> Outcome {
        switch result {
        case .noMatch: return .noMatch
        case .limitReached, .failed: return .limit
        case .match(let groups):
            if compiled.vetoes(text, matcher) { return .noMatch }
            return .match(compiled.fields(groups: groups, text: text, decoded: decoded))
        }
    }
}
