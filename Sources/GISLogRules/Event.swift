public import GISLogRecords
public import GISLogInput

/// A record that a rule matched: the unit that correlation, reports and the NDJSON feed work with.
///
/// Built only on a hit, so its strings cost nothing for the records that match no rule. A value type whose
/// fields live in one shared box: correlation copies events into many lists, and a copy is then a single
/// retain rather than one per string; setting a field copies the box first when it is shared.
public struct Event: Sendable, Hashable {
    /// Widest fields first, the one-byte ones last: laid out in this order, the box of every event (and of
    /// every sample a ledger keeps) is 32 bytes smaller than with the small fields among the strings.
    struct Values: Hashable {
        var ruleID: String
        var machine: String
        var path: String
        var message: String
        var source: String?
        var process: String?
        var thread: String?
        var user: String?
        var requestID: String?
        var methodName: String?
        var original: String?
        var fields: [EventField]
        var line: Int
        var byteOffset: Int64
        var time: Int64?
        var code: Int?
        var category: RuleCategory
        var severity: RuleSeverity
        var product: Product
        var component: Component
        var level: Level
        var unterminated = false
    }

    // SAFETY: the box is mutated only through `update`, after `isKnownUniquelyReferenced` has shown that no
    // other value (so no other thread) can see it; shared boxes are only read.
    private final class Box: @unchecked Sendable {
        var values: Values
        init(_ values: Values) { self.values = values }
    }

    private var box: Box

    @inline(__always)
    private mutating func update(_ change: (inout Values) -> Void) {
        if !isKnownUniquelyReferenced(&box) { box = Box(box.values) }
        change(&box.values)
    }

    public var ruleID: String {
        get { box.values.ruleID }
        set { update { $0.ruleID = newValue } }
    }
    public var category: RuleCategory {
        get { box.values.category }
        set { update { $0.category = newValue } }
    }
    public var severity: RuleSeverity {
        get { box.values.severity }
        set { update { $0.severity = newValue } }
    }
    /// The record's instant (milliseconds since the epoch); nil when its time could not be read.
    public var time: Int64? {
        get { box.values.time }
        set { update { $0.time = newValue } }
    }
    /// The machine the record belongs to (folder layout, else its `machine` attribute).
    public var machine: String {
        get { box.values.machine }
        set { update { $0.machine = newValue } }
    }
    public var product: Product {
        get { box.values.product }
        set { update { $0.product = newValue } }
    }
    public var component: Component {
        get { box.values.component }
        set { update { $0.component = newValue } }
    }
    public var path: String {
        get { box.values.path }
        set { update { $0.path = newValue } }
    }
    /// 1-based line of the record in the (decompressed) file.
    public var line: Int {
        get { box.values.line }
        set { update { $0.line = newValue } }
    }
    /// Byte offset of the record in the (decompressed) file.
    public var byteOffset: Int64 {
        get { box.values.byteOffset }
        set { update { $0.byteOffset = newValue } }
    }
    public var level: Level {
        get { box.values.level }
        set { update { $0.level = newValue } }
    }
    public var code: Int? {
        get { box.values.code }
        set { update { $0.code = newValue } }
    }
    public var source: String? {
        get { box.values.source }
        set { update { $0.source = newValue } }
    }
    public var process: String? {
        get { box.values.process }
        set { update { $0.process = newValue } }
    }
    public var thread: String? {
        get { box.values.thread }
        set { update { $0.thread = newValue } }
    }
    public var user: String? {
        get { box.values.user }
        set { update { $0.user = newValue } }
    }
    public var requestID: String? {
        get { box.values.requestID }
        set { update { $0.requestID = newValue } }
    }
    public var methodName: String? {
        get { box.values.methodName }
        set { update { $0.methodName = newValue } }
    }
    /// The message, trimmed, entities decoded, invalid UTF-8 repaired.
    public var message: String {
        get { box.values.message }
        set { update { $0.message = newValue } }
    }
    /// The rule's named groups that took part in the match, in group order.
    public var fields: [EventField] {
        get { box.values.fields }
        set { update { $0.fields = newValue } }
    }
    /// The whole record as written (for NDJSON's opt-in `event.original`).
    public var original: String? {
        get { box.values.original }
        set { update { $0.original = newValue } }
    }

    /// Whether the record had no closing `</Msg>` (it was cut off, by a crash, say, and read as it is).
    public var unterminated: Bool {
        get { box.values.unterminated }
        set { update { $0.unterminated = newValue } }
    }

    /// Optional fields default to nil, as in a memberwise initializer.
    public init(ruleID: String, category: RuleCategory, severity: RuleSeverity, time: Int64? = nil, machine: String,
                product: Product, component: Component, path: String, line: Int, byteOffset: Int64, level: Level,
                code: Int? = nil, source: String? = nil, process: String? = nil, thread: String? = nil,
                user: String? = nil, requestID: String? = nil, methodName: String? = nil, message: String,
                fields: [EventField], original: String? = nil) {
        box = Box(Values(
            ruleID: ruleID, machine: machine, path: path, message: message, source: source, process: process,
            thread: thread, user: user, requestID: requestID, methodName: methodName, original: original,
            fields: fields, line: line, byteOffset: byteOffset, time: time, code: code, category: category,
            severity: severity, product: product, component: component, level: level))
    }

    public static func == (lhs: Event, rhs: Event) -> Bool { lhs.box === rhs.box || lhs.box.values == rhs.box.values }

    public func hash(into hasher: inout Hasher) { hasher.combine(box.values) }

    /// The value of a named field.
    public func field(_ name: String) -> String? { fields.first { $0.name == name }?.value }
}

/// A named capture of a rule's pattern.
public struct EventField: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A rule that ran out of its match budget on a record, as a report line.
public struct RuleLimitReport: Sendable, Hashable {
    public var ruleID: String
    public var path: String
    /// Records on which the rule gave up.
    public var count: Int
    /// First record where it gave up.
    public var firstLine: Int
    /// The rule was switched off for the rest of the file.
    public var disabled: Bool
}

extension Sequence<Event> {
    /// The events in time order (events without a time last), then by file, line and rule: the order every
    /// report and the correlation use, whatever order the worker threads found them in.
    public func inLogOrder() -> [Event] {
        sorted { a, b in
            switch (a.time, b.time) {
            case let (x?, y?) where x != y: return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return (a.path, a.line, a.ruleID) < (b.path, b.line, b.ruleID)
            }
        }
    }
}
