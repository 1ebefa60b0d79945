internal import CGISLogShims
import GISLogRecords
import GISLogInput
import GISLogSupport

/// A rule with its compiled pattern and the cheap gates checked before the pattern runs.
public final class CompiledRule: Sendable {
    public let rule: Rule
    public let pattern: PCRE2Pattern
    /// The literal every match contains (declared, or derived from the pattern), as bytes.
    let literal: [UInt8]?
    /// The compiled `unless` pattern: a text it matches is not an event of the rule.
    let exception: PCRE2Pattern?
    let levelMask: UInt8
    let sourcesLowercased: [[UInt8]]
    let productMask: UInt8
    /// Group numbers of the named groups, and their names.
    package let namedGroups: [(number: Int, name: String)]

    init(rule: Rule, pattern: PCRE2Pattern, exception: PCRE2Pattern? = nil) {
        self.rule = rule
        self.pattern = pattern
        self.exception = exception
        let literalText = rule.literal ?? (rule.caseless ? nil : LiteralExtractor.requiredLiteral(in: rule.pattern))
        literal = literalText.map { Array($0.utf8) }
        levelMask = rule.logLevels.isEmpty ? 0xFF : rule.logLevels.reduce(0) { $0 | 1 << $1.rawValue }
        sourcesLowercased = rule.sources.map { Array($0.lowercased().utf8) }
        productMask = rule.products.isEmpty ? 0xFF : rule.products.reduce(0) { $0 | 1 << Self.bit($1) }
        namedGroups = pattern.groupNames
    }

    /// The product's bit in `productMask` (a switch: this runs for every record a rule looks at).
    @inline(__always)
    static func bit(_ product: Product) -> UInt8 {
        switch product {
        case .server: 0
        case .portal: 1
        case .dataStore: 2
        case .unknown: 3
        }
    }

    /// The literal the rule requires before its pattern runs, for `rules list`.
    public var requiredLiteral: String? { literal.map { String(decoding: $0, as: UTF8.self) } }

    /// Level, source and product gates (the code gate is applied by the rule set's index).
    @inline(__always)
    func admits(_ record: borrowing RecordView, product: Product) -> Bool {
        guard levelMask & (1 << record.level.rawValue) != 0, productMask & (1 << Self.bit(product)) != 0 else { return false }
        return admitsSource(record)
    }

    /// The source gate: the record's `source` is one of the rule's (ASCII case-insensitively), if it names any.
    func admitsSource(_ record: borrowing RecordView) -> Bool {
        if sourcesLowercased.isEmpty { return true }
        guard let source = record.bytes(.source) else { return false }
        return sourcesLowercased.contains { wanted in
            wanted.count == source.count && zip(wanted, source).allSatisfy { $0 == ($1 >= 0x41 && $1 <= 0x5A ? $1 + 0x20 : $1) }
        }
    }

    /// The named groups that took part in a match, as event fields.
    func fields<Groups: RandomAccessCollection<Range<Int>?>>(groups: Groups, text: UnsafeRawBufferPointer,
                                                               decoded: Bool) -> [EventField] where Groups.Index == Int {
        var fields: [EventField] = []
        for (number, name) in namedGroups where number < groups.count {
            guard let range = groups[number] else { continue }
            let bytes = UnsafeRawBufferPointer(rebasing: text[range])
            fields.append(EventField(name: name, value: decoded ? TextRepair.string(bytes) : TextRepair.xmlString(bytes)))
        }
        return fields
    }

    /// Whether the rule's `unless` pattern vetoes a text its pattern matched (a limit hit vetoes nothing).
    func vetoes(_ text: UnsafeRawBufferPointer, _ matcher: PCRE2Matcher) -> Bool {
        guard let exception else { return false }
        if case .match = matcher.matches(exception, text) { return true }
        return false
    }

    /// Whether the text contains the required literal (always true without one).
    @inline(__always)
    func literalPresent(in text: UnsafeRawBufferPointer) -> Bool {
        guard let literal, let base = text.baseAddress else { return literal == nil }
        return literal.withUnsafeBytes { needle in
            gislog_memmem(base, text.count, needle.baseAddress!, needle.count) != nil
        }
    }
}

/// What the per-record loop checks before a rule's pattern runs, as plain values: rejecting a rule touches
/// no reference-counted object.
struct RuleGate {
    var levelMask: UInt8
    var productMask: UInt8
    var hasSources: Bool
    /// The required literal (in `RuleSet`'s literal storage), or nil.
    var literal: UnsafeRawBufferPointer?
    /// Where the search for `literal` tests each position first (`gislog_text_anchors`).
    var literalAnchors: UInt32 = 0
    /// The literal's bit in `RuleSet.literalFilter`'s answer, or none when the filter does not know it.
    var literalBit: LiteralFilter.Bits = .zero
    /// For a rule without a literal: the bits of its pattern prefilter's texts when the filter knows them
    /// all (then one of them must occur for the pattern to match), else none.
    var prefilterBits: LiteralFilter.Bits = .zero
    /// Whether one of those texts is caseless (a non-ASCII text may then match without containing it).
    var prefilterCaseless = false
}

/// A loaded, validated, compiled set of rules, indexed so that a record meets only the rules whose level
/// and code gates it passes. Shared by all scan threads.
// SAFETY: every stored property is immutable after init; the raw memory is written only in init and freed
// in deinit, when no scan can be using the set.
public final class RuleSet: @unchecked Sendable {
    public let rules: [CompiledRule]
    /// Per rule, its gates as plain values.
    let gates: UnsafeMutableBufferPointer<RuleGate>
    /// The required literals, back to back.
    private let literals: UnsafeMutableRawBufferPointer
    /// Finds the rules' literals in one pass, for records that meet many rules.
    let literalFilter: LiteralFilter
    /// Candidate rule indices, back to back: first the rules without a code gate per level, then the rules
    /// of each gating code. `ungated[level]` and `gateRules[n]` are ranges into it.
    private let candidates: UnsafeMutableBufferPointer<Int32>
    private let ungated: [Range<Int>]
    /// Codes that gate rules, sorted, and the range of their rules (parallel arrays: a binary search per
    /// record is cheaper than hashing into a dictionary).
    private let gateCodes: [Int]
    private let gateRules: [Range<Int>]
    /// The largest capture count, to size match data.
    public let maxCaptures: Int
    /// The causes the correlation can rank, with their words and steps (from the causes files).
    public let causes: [CauseDefinition]
    /// The diagnosis's weights by name (`scoring:` in the causes files; the built-in file names them all).
    public let scoring: [String: Double]

    public init(rules: [CompiledRule], causes: [CauseDefinition] = [], scoring: [String: Double] = [:]) {
        self.scoring = scoring
        self.rules = rules
        self.causes = causes
        var ungatedLists = Array(repeating: [Int](), count: Level.allCases.count)
        var byCode: [Int: [Int]] = [:]
        for (index, compiled) in rules.enumerated() {
            if compiled.rule.codes.isEmpty {
                for level in Level.allCases where compiled.levelMask & (1 << level.rawValue) != 0 {
                    ungatedLists[Int(level.rawValue)].append(index)
                }
            } else {
                for code in compiled.rule.codes { byCode[code, default: []].append(index) }
            }
        }
        gateCodes = byCode.keys.sorted()
        let lists = ungatedLists + gateCodes.map { byCode[$0]! }
        candidates = .allocate(capacity: max(1, lists.reduce(0) { $0 + $1.count }))
        var ranges: [Range<Int>] = []
        var next = 0
        for list in lists {
            for (offset, index) in list.enumerated() { candidates[next + offset] = Int32(index) }
            ranges.append(next..<(next + list.count))
            next += list.count
        }
        ungated = Array(ranges[..<ungatedLists.count])
        gateRules = Array(ranges[ungatedLists.count...])

        let prefilterBytes = rules.reduce(0) { $0 + ($1.pattern.prefilter?.alternatives.reduce(0) { $0 + $1.bytes.count } ?? 0) }
        // Each literal once for its gate and at most once for the filter; each prefilter text at most once.
        let literalBytes = rules.reduce(0) { $0 + ($1.literal?.count ?? 0) }
        literals = .allocate(byteCount: max(1, 2 * literalBytes + prefilterBytes), alignment: 1)
        gates = .allocate(capacity: max(1, rules.count))
        var offset = 0
        var filtered: [[UInt8]: Int] = [:], filteredCaseless: [[UInt8]: Int] = [:]
        var filterTexts: [LiteralFilter.Text] = []
        let storage = literals
        /// The text in the set's storage.
        func store(_ bytes: [UInt8]) -> UnsafeRawBufferPointer {
            let slot = UnsafeMutableRawBufferPointer(rebasing: storage[offset..<(offset + bytes.count)])
            slot.copyBytes(from: bytes)
            offset += bytes.count
            return UnsafeRawBufferPointer(slot)
        }
        /// The filter's bit for a text, or none when it is too short or the filter is full.
        func filterBit(_ bytes: [UInt8], caseless: Bool) -> LiteralFilter.Bits {
            guard bytes.count >= 2 else { return .zero }
            if let number = caseless ? filteredCaseless[bytes] : filtered[bytes] { return LiteralFilter.bit(number) }
            guard filterTexts.count < LiteralFilter.capacity else { return .zero }
            let number = filterTexts.count
            if caseless { filteredCaseless[bytes] = number } else { filtered[bytes] = number }
            filterTexts.append(LiteralFilter.Text(bytes: store(bytes), caseless: caseless))
            return LiteralFilter.bit(number)
        }
        for (index, compiled) in rules.enumerated() {
            var gate = RuleGate(levelMask: compiled.levelMask, productMask: compiled.productMask,
                                hasSources: !compiled.sourcesLowercased.isEmpty, literal: nil)
            if let bytes = compiled.literal {
                let stored = store(bytes)
                gate.literal = stored
                gate.literalAnchors = gislog_text_anchors(stored.baseAddress!.assumingMemoryBound(to: UInt8.self), stored.count)
                gate.literalBit = filterBit(bytes, caseless: false)
            } else if let prefilter = compiled.pattern.prefilter, !prefilter.alternatives.isEmpty {
                let bits = prefilter.alternatives.map { filterBit($0.bytes, caseless: $0.caseless) }
                // Only when the filter knows every text: a missing one could be the one that occurs.
                if bits.allSatisfy({ $0 != .zero }) {
                    gate.prefilterBits = bits.reduce(.zero, |)
                    gate.prefilterCaseless = prefilter.alternatives.contains(where: \.caseless)
                }
            }
            gates[index] = gate
        }
        literalFilter = LiteralFilter(texts: filterTexts)
        maxCaptures = rules.map(\.pattern.captureCount).max() ?? 0
    }

    deinit {
        gates.deallocate()
        literals.deallocate()
        candidates.deallocate()
    }

    /// The indices of the rules whose level and code gates admit a record: those for its level without a
    /// code gate, and those gated on its code (still to be checked against the level).
    @inline(__always)
    func candidates(level: Level, code: Int?) -> (ungated: UnsafeBufferPointer<Int32>, gated: UnsafeBufferPointer<Int32>) {
        let all = UnsafeBufferPointer(candidates)
        let first = UnsafeBufferPointer(rebasing: all[ungated[Int(level.rawValue)]])
        guard let code, !gateCodes.isEmpty else { return (first, UnsafeBufferPointer(rebasing: all[0..<0])) }
        var low = 0, high = gateCodes.count
        while low < high {
            let middle = (low + high) / 2
            if gateCodes[middle] < code { low = middle + 1 } else { high = middle }
        }
        guard low < gateCodes.count, gateCodes[low] == code else { return (first, UnsafeBufferPointer(rebasing: all[0..<0])) }
        return (first, UnsafeBufferPointer(rebasing: all[gateRules[low]]))
    }

    /// The rule with `id`.
    public func rule(id: String) -> CompiledRule? { rules.first { $0.rule.id == id } }
}
