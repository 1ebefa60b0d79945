internal import CGISLogShims

/// A rule with its compiled pattern and the cheap gates checked before the pattern runs.
public final class CompiledRule: Sendable {
    public let rule: Rule
    public let pattern: PCRE2Pattern
    /// The literal every match contains (declared, or derived from the pattern), as bytes.
    let literal: [UInt8]?
    let levelMask: UInt8
    let sourcesLowercased: [[UInt8]]
    let productMask: UInt8
    /// Group numbers of the named groups, and their names.
    let namedGroups: [(number: Int, name: String)]

    init(rule: Rule, pattern: PCRE2Pattern) {
        self.rule = rule
        self.pattern = pattern
        let literalText = rule.literal ?? (rule.caseless ? nil : LiteralExtractor.requiredLiteral(in: rule.pattern))
        literal = literalText.map { Array($0.utf8) }
        levelMask = rule.logLevels.isEmpty ? 0xFF : rule.logLevels.reduce(0) { $0 | 1 << $1.rawValue }
        sourcesLowercased = rule.sources.map { Array($0.lowercased().utf8) }
        productMask = rule.products.isEmpty ? 0xFF : rule.products.reduce(0) { $0 | 1 << Self.bit($1) }
        namedGroups = pattern.groupNames
    }

    static func bit(_ product: Product) -> UInt8 {
        UInt8(Product.allCases.firstIndex(of: product)!)
    }

    /// The literal the rule requires before its pattern runs, for `rules list`.
    public var requiredLiteral: String? { literal.map { String(decoding: $0, as: UTF8.self) } }

    /// Level, source and product gates (the code gate is applied by the rule set's index).
    @inline(__always)
    func admits(_ record: RecordView, product: Product) -> Bool {
        guard levelMask & (1 << record.level.rawValue) != 0, productMask & (1 << Self.bit(product)) != 0 else { return false }
        if sourcesLowercased.isEmpty { return true }
        guard let source = record.bytes(.source) else { return false }
        return sourcesLowercased.contains { wanted in
            wanted.count == source.count && zip(wanted, source).allSatisfy { $0 == ($1 >= 0x41 && $1 <= 0x5A ? $1 + 0x20 : $1) }
        }
    }

    /// The named groups that took part in a match, as event fields.
    func fields(groups: [Range<Int>?], text: UnsafeRawBufferPointer, decoded: Bool) -> [EventField] {
        var fields: [EventField] = []
        for (number, name) in namedGroups where number < groups.count {
            guard let range = groups[number] else { continue }
            let bytes = UnsafeRawBufferPointer(rebasing: text[range])
            fields.append(EventField(name: name, value: decoded ? TextRepair.string(bytes) : TextRepair.xmlString(bytes)))
        }
        return fields
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

/// A loaded, validated, compiled set of rules, indexed so that a record meets only the rules whose level
/// and code gates it passes. Shared by all scan threads.
public final class RuleSet: Sendable {
    public let rules: [CompiledRule]
    /// Per level: rules without a code gate.
    private let ungated: [[Int]]
    /// Codes that gate rules, sorted, and the rules for each (parallel arrays: a binary search per record
    /// is cheaper than hashing into a dictionary).
    private let gateCodes: [Int]
    private let gateRules: [[Int]]
    /// The largest capture count, to size match data.
    public let maxCaptures: Int
    /// The causes the correlation can rank, with their words and steps (from the causes files).
    public let causes: [CauseDefinition]

    public init(rules: [CompiledRule], causes: [CauseDefinition] = []) {
        self.rules = rules
        self.causes = causes
        var ungated = Array(repeating: [Int](), count: Level.allCases.count)
        var byCode: [Int: [Int]] = [:]
        for (index, compiled) in rules.enumerated() {
            if compiled.rule.codes.isEmpty {
                for level in Level.allCases where compiled.levelMask & (1 << level.rawValue) != 0 {
                    ungated[Int(level.rawValue)].append(index)
                }
            } else {
                for code in compiled.rule.codes { byCode[code, default: []].append(index) }
            }
        }
        self.ungated = ungated
        gateCodes = byCode.keys.sorted()
        gateRules = gateCodes.map { byCode[$0]! }
        maxCaptures = rules.map(\.pattern.captureCount).max() ?? 0
    }

    /// An empty rule set.
    public static let empty = RuleSet(rules: [])

    /// Calls `body` with the index of every rule whose level and code gates admit the record.
    @inline(__always)
    func forEachCandidate(level: Level, code: Int?, _ body: (Int) -> Void) {
        for index in ungated[Int(level.rawValue)] { body(index) }
        guard let code, !gateCodes.isEmpty else { return }
        var low = 0, high = gateCodes.count
        while low < high {
            let middle = (low + high) / 2
            if gateCodes[middle] < code { low = middle + 1 } else { high = middle }
        }
        guard low < gateCodes.count, gateCodes[low] == code else { return }
        for index in gateRules[low] where rules[index].levelMask & (1 << level.rawValue) != 0 { body(index) }
    }

    /// The rule with `id`.
    public func rule(id: String) -> CompiledRule? { rules.first { $0.rule.id == id } }
}
