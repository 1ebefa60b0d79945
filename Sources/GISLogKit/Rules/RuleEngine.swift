internal import CGISLogShims

/// Runs a rule set over the records of a scan and keeps the events. One engine per scan worker.
public final class RuleEngine: RecordConsumer {
    public let ruleSet: RuleSet
    private let matcher: PCRE2Matcher
    /// Records on which a rule may give up before it is switched off for the rest of the file.
    private let limitBudget: Int
    public private(set) var events: [Event] = []
    public private(set) var limitReports: [RuleLimitReport] = []
    /// Per rule, for the current file: how often it gave up, and where first.
    private var limitHits: [Int: (count: Int, firstLine: Int)] = [:]
    private var disabled: Set<Int> = []
    private var currentPath = ""

    /// - Parameter limitBudget: limit hits per rule and file before the rule is switched off for that file.
    private let redactor: Redactor?

    private let keepOriginal: Bool

    /// - Parameters:
    ///   - redact: hide tokens, passwords and authorization values in the events' text.
    ///   - keepOriginal: keep each matched record as written (for NDJSON's `event.original`).
    public init(ruleSet: RuleSet, matchLimit: UInt32 = PCRE2Matcher.defaultMatchLimit, limitBudget: Int = 3,
                redact: Bool = true, keepOriginal: Bool = false) {
        self.ruleSet = ruleSet
        redactor = redact ? Redactor() : nil
        self.keepOriginal = keepOriginal
        matcher = PCRE2Matcher(maxCaptures: ruleSet.maxCaptures, matchLimit: matchLimit)
        self.limitBudget = limitBudget
    }

    public func adopt(_ event: Event, file: InputFile) {
        var event = event
        if let redactor {
            event.message = redactor.redact(event.message)
            for index in event.fields.indices { event.fields[index].value = redactor.redact(event.fields[index].value) }
        }
        if !keepOriginal { event.original = nil }
        events.append(event)
    }

    public func beginFile(_ file: InputFile) {
        currentPath = file.path
        limitHits.removeAll(keepingCapacity: true)
        disabled.removeAll(keepingCapacity: true)
    }

    public func endFile(_ file: InputFile) {
        for (index, hits) in limitHits.sorted(by: { $0.key < $1.key }) {
            limitReports.append(RuleLimitReport(ruleID: ruleSet.rules[index].rule.id, path: file.path, count: hits.count,
                                                firstLine: hits.firstLine, disabled: disabled.contains(index)))
        }
        limitHits.removeAll(keepingCapacity: true)
    }

    public func consume(_ record: inout RecordView, file: InputFile) {
        let text = record.textBytes
        let levelBit = UInt8(1) << record.level.rawValue, productBit = UInt8(1) << CompiledRule.bit(file.product)
        let gates = ruleSet.gates
        let (ungated, gated) = ruleSet.candidates(level: record.level, code: record.code)
        // With many candidates, one pass finds all their literals; with a few, one search each is cheaper.
        let filterFirst = ungated.count + gated.count >= Self.filterThreshold
        var found: UInt64?
        // The cheap gates first, on plain values; the compiled rule only for records that pass them.
        @inline(__always) func consider(_ index: Int) {
            let gate = gates[index]
            guard gate.levelMask & levelBit != 0, gate.productMask & productBit != 0 else { return }
            if let literal = gate.literal {
                if filterFirst && gate.literalBit != 0 {
                    if found == nil { found = ruleSet.literalFilter.scan(text) }
                    guard found! & gate.literalBit != 0 else { return }
                } else {
                    guard let base = text.baseAddress,
                          gislog_memmem(base, text.count, literal.baseAddress!, literal.count) != nil else { return }
                }
            }
            guard disabled.isEmpty || !disabled.contains(index) else { return }
            let compiled = ruleSet.rules[index]
            if gate.hasSources { guard compiled.admitsSource(record) else { return } }
            run(compiled, index: index, on: &record, text: text, file: file)
        }
        for index in ungated { consider(Int(index)) }
        for index in gated { consider(Int(index)) }
    }

    /// Candidate rules from which one pass over the text beats a search per rule.
    static let filterThreshold = 4

    private func run(_ compiled: CompiledRule, index: Int, on record: inout RecordView, text: UnsafeRawBufferPointer,
                     file: InputFile) {
        switch matcher.match(compiled.pattern, text) {
        case .match(let groups):
            if compiled.exception != nil && compiled.vetoes(text, matcher) { return }
            var event = Self.event(compiled, record: record, groups: groups, text: text, file: file)
            if keepOriginal { event.original = TextRepair.string(record.recordBytes) }
            if let redactor {
                event.message = redactor.redact(event.message)
                for index in event.fields.indices { event.fields[index].value = redactor.redact(event.fields[index].value) }
                event.original = event.original.map(redactor.redact)
            }
            events.append(event)
        case .noMatch:
            break
        case .limitReached, .failed:
            let hits = limitHits[index].map { ($0.count + 1, $0.firstLine) } ?? (1, record.line)
            limitHits[index] = hits
            if hits.0 >= limitBudget { disabled.insert(index) }
        }
    }

    static func event(_ compiled: CompiledRule, record: RecordView, groups: [Range<Int>?], text: UnsafeRawBufferPointer,
                      file: InputFile) -> Event {
        let fields = compiled.fields(groups: groups, text: text, decoded: record.isDecoded)
        let rule = compiled.rule
        return Event(
            ruleID: rule.id, category: rule.category, severity: rule.severity, time: record.time, machine: record.machine,
            product: file.product, component: file.component, path: file.path, line: record.line,
            byteOffset: record.byteOffset, level: record.level, code: record.code, source: record.string(.source),
            process: record.string(.process), thread: record.string(.thread), user: record.string(.user),
            requestID: record.string(.requestID), methodName: record.string(.methodName), message: record.text,
            fields: fields, original: nil)
    }
}
