internal import CGISLogShims
public import GISLogRecords
public import GISLogInput
import GISLogSupport

/// Runs a rule set over the records of a scan and hands what it finds to a sink. One engine per scan worker.
public final class RuleEngine {
    public let ruleSet: RuleSet
    /// Where hits go (the engine's worker is the only caller, in file order).
    public let sink: any EventSink
    private let matcher: PCRE2Matcher
    /// Where a match's group ranges are written (a hit reads them while the sink has it): no array per match.
    private let groupRanges: UnsafeMutableBufferPointer<Range<Int>?>
    /// Records on which a rule may give up before it is switched off for the rest of the file.
    private let limitBudget: Int
    public private(set) var limitReports: [RuleLimitReport] = []
    /// Per rule, for the current file: how often it gave up, and where first.
    private var limitHits: [Int: (count: Int, firstLine: Int)] = [:]
    /// Read for every candidate rule of every record; only this engine's worker touches it, so the runtime's
    /// access check (a call per read) buys nothing.
    @exclusivity(unchecked) private var disabled: Set<Int> = []
    private var currentPath = ""

    let redactor: Redactor?
    let keepOriginal: Bool

    /// - Parameters:
    ///   - sink: receives every hit; `EventCollector` keeps them all as events.
    ///   - limitBudget: limit hits per rule and file before the rule is switched off for that file.
    ///   - redact: hide tokens, passwords and authorization values in the events' text.
    ///   - keepOriginal: keep each matched record as written (for NDJSON's `event.original`).
    public init(ruleSet: RuleSet, sink: any EventSink, matchLimit: UInt32 = PCRE2Matcher.defaultMatchLimit,
                limitBudget: Int = 3, redact: Bool = true, keepOriginal: Bool = false) {
        self.ruleSet = ruleSet
        self.sink = sink
        redactor = redact ? Redactor() : nil
        self.keepOriginal = keepOriginal
        matcher = PCRE2Matcher(maxCaptures: ruleSet.maxCaptures, matchLimit: matchLimit)
        groupRanges = .allocate(capacity: ruleSet.maxCaptures + 1)
        groupRanges.initialize(repeating: nil)
        self.limitBudget = limitBudget
    }

    deinit { groupRanges.deallocate() }

    public func adopt(_ event: Event, file: InputFile) {
        var event = event
        if let redactor {
            event.message = redactor.redact(event.message)
            for index in event.fields.indices { event.fields[index].value = redactor.redact(event.fields[index].value) }
        }
        if !keepOriginal { event.original = nil }
        sink.accept(event: event)
    }

    public func beginFile(_ file: InputFile) { beginFile(file, index: -1) }

    /// - Parameter index: the file's place in the scan's list of files (-1: not known).
    public func beginFile(_ file: InputFile, index: Int) {
        sink.beginFile(file, index: index)
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
        sink.endFile(file)
    }

    public func consume(_ record: inout RecordView, file: InputFile) {
        let text = record.textBytes
        let levelBit = UInt8(1) << record.level.rawValue, productBit = UInt8(1) << CompiledRule.bit(file.product)
        let gates = ruleSet.gates
        let (ungated, gated) = ruleSet.candidates(level: record.level, code: record.code)
        // With many candidates, one pass finds all their literals; with a few, one search each is cheaper.
        let filterFirst = ungated.count + gated.count >= Self.filterThreshold
        var found: LiteralFilter.Bits?
        // Whether the text has a byte above 0x7F (asked at most once): a caseless pattern may match a non-ASCII
        // letter there (`ſ` for `s`, the Kelvin sign for `k`), so a caseless text's absence proves nothing.
        var nonASCII: Bool?
        // The cheap gates first, on plain values; the compiled rule only for records that pass them.
        @inline(__always) func consider(_ index: Int) {
            let gate = gates[index]
            guard gate.levelMask & levelBit != 0, gate.productMask & productBit != 0 else { return }
            // Whether the filter has already shown the pattern's prefilter would pass.
            var prefiltered = false
            if let literal = gate.literal {
                if filterFirst && gate.literalBit != .zero {
                    if found == nil { found = ruleSet.literalFilter.scan(text) }
                    guard found! & gate.literalBit != .zero else { return }
                } else {
                    // Vectorised; glibc's memmem sets up a two-way search per call, which costs more than
                    // the search on a record of a few hundred bytes (every INFO record meets one such rule).
                    guard let base = text.baseAddress,
                          gislog_contains_text_at(base.assumingMemoryBound(to: UInt8.self), text.count,
                                                  literal.baseAddress!.assumingMemoryBound(to: UInt8.self), literal.count,
                                                  0, gate.literalAnchors) != 0
                    else { return }
                }
            } else if filterFirst && gate.prefilterBits != .zero {
                if found == nil { found = ruleSet.literalFilter.scan(text) }
                if found! & gate.prefilterBits == .zero {
                    guard gate.prefilterCaseless else { return }
                    if nonASCII == nil {
                        nonASCII = text.baseAddress.map {
                            gislog_first_non_ascii($0.assumingMemoryBound(to: UInt8.self), text.count) < text.count
                        } ?? false
                    }
                    guard nonASCII! else { return }
                }
                prefiltered = true
            }
            guard disabled.isEmpty || !disabled.contains(index) else { return }
            let compiled = ruleSet.rules[index]
            if gate.hasSources { guard compiled.admitsSource(record) else { return } }
            run(compiled, index: index, on: &record, text: text, file: file, prefiltered: prefiltered)
        }
        for index in ungated { consider(Int(index)) }
        for index in gated { consider(Int(index)) }
    }

    /// Candidate rules from which one pass over the text beats a search per rule.
    static let filterThreshold = 4

    private func run(_ compiled: CompiledRule, index: Int, on record: inout RecordView, text: UnsafeRawBufferPointer,
                     file: InputFile, prefiltered: Bool) {
        let outcome: PCRE2MatchResult
        switch matcher.match(compiled.pattern, text, into: groupRanges, prefiltered: prefiltered) {
        case .match(let count):
            // The exception's match reads no groups, so it leaves these ranges alone.
            if compiled.exception != nil && compiled.vetoes(text, matcher) { return }
            withUnsafePointer(to: &record) { recordAddress in
                withUnsafePointer(to: file) { fileAddress in
                    sink.accept(RuleHit(compiled: compiled, ruleIndex: index,
                                        groups: UnsafeBufferPointer(rebasing: groupRanges[..<count]), text: text,
                                        recordAddress: recordAddress, fileAddress: fileAddress, engine: self))
                }
            }
            return
        case .other(let other):
            outcome = other
        }
        switch outcome {
        case .match, .noMatch:
            break
        case .limitReached, .failed:
            let hits = limitHits[index].map { ($0.count + 1, $0.firstLine) } ?? (1, record.line)
            limitHits[index] = hits
            if hits.0 >= limitBudget { disabled.insert(index) }
        }
    }

    /// The full event of a hit: strings copied out of the record, secrets redacted as the engine was asked.
    func event(of hit: borrowing RuleHit) -> Event {
        var event = Self.event(hit.compiled, record: hit.record, groups: hit.groups, text: hit.text, file: hit.file)
        if keepOriginal { event.original = TextRepair.string(hit.record.recordBytes) }
        if hit.record.isUnterminated { event.unterminated = true }
        if let redactor {
            event.message = redactor.redact(event.message)
            for index in event.fields.indices { event.fields[index].value = redactor.redact(event.fields[index].value) }
            event.original = event.original.map(redactor.redact)
        }
        return event
    }

    static func event(_ compiled: CompiledRule, record: RecordView, groups: UnsafeBufferPointer<Range<Int>?>,
                      text: UnsafeRawBufferPointer,
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

/// Where a rule engine sends what it finds. Each engine (one per scan worker) has its own sink and calls it
/// from its worker only, in file order, so a sink needs no locking; the scan merges sinks afterwards.
public protocol EventSink: AnyObject {
    /// A rule matched a record. The hit borrows the record: it is valid only during the call. Keep what you
    /// need — counts, times, `hit.field(_:)` bytes, or the whole event built by `hit.event()`.
    func accept(_ hit: borrowing RuleHit)
    /// An event built already: read from another gislog's feed (its rules ran there).
    func accept(event: Event)
    /// Called before the first record of each file.
    func beginFile(_ file: InputFile)
    /// Called before the first record of each file, with the file's place in the scan's list of files
    /// (-1 when not known): a sink that writes per file in that order needs it.
    func beginFile(_ file: InputFile, index: Int)
    /// Called after the last record of each file.
    func endFile(_ file: InputFile)
}

extension EventSink {
    public func beginFile(_ file: InputFile) {}
    public func beginFile(_ file: InputFile, index: Int) { beginFile(file) }
    public func endFile(_ file: InputFile) {}
}

/// One rule's match on one record, as the engine found it. Valid only during `EventSink.accept`: it points
/// into the reader's buffer (see `RecordView`).
public struct RuleHit: ~Copyable {
    // Unowned and unchecked, as `engine`: the rule set and the engine outlive every hit, and a hit per match
    // should cost no reference counting.
    public unowned(unsafe) let compiled: CompiledRule
    /// The rule's index in the rule set (a dense key for per-rule tables).
    public let ruleIndex: Int
    /// Group 0 and each capture group (nil: took no part), in the engine's memory.
    let groups: UnsafeBufferPointer<Range<Int>?>
    let text: UnsafeRawBufferPointer
    /// Where the engine's record and file lie while the sink runs: a hit is made per match, and copies of
    /// them cost a retain and a release of each of their strings.
    let recordAddress: UnsafePointer<RecordView>
    let fileAddress: UnsafePointer<InputFile>
    unowned(unsafe) let engine: RuleEngine

    /// The record (time, level, machine, line, offset…).
    public var record: RecordView { unsafeAddress { recordAddress } }
    public var file: InputFile { unsafeAddress { fileAddress } }

    /// The full event: strings copied, secrets redacted as the scan was asked.
    public func event() -> Event { engine.event(of: self) }

    /// The raw bytes of group `number` when it took part in the match (see `CompiledRule.namedGroups`).
    @inline(__always)
    package func group(_ number: Int) -> UnsafeRawBufferPointer? {
        guard number >= 0, number < groups.count, let range = groups[number] else { return nil }
        return UnsafeRawBufferPointer(rebasing: text[range])
    }

    /// The raw bytes of a named group that took part in the match (XML entities not decoded), or nil.
    package func field(_ name: String) -> UnsafeRawBufferPointer? {
        for (number, groupName) in compiled.namedGroups where groupName == name && number < groups.count {
            guard let range = groups[number] else { return nil }
            return UnsafeRawBufferPointer(rebasing: text[range])
        }
        return nil
    }
}

/// A sink that keeps every event, in the order found: for tests, samples and small inputs.
public final class EventCollector: EventSink {
    public private(set) var events: [Event] = []

    public init() {}

    public func accept(_ hit: borrowing RuleHit) { events.append(hit.event()) }
    public func accept(event: Event) { events.append(event) }
}
