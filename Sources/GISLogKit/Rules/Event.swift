/// A record that a rule matched: the unit that correlation, reports and the NDJSON feed work with.
///
/// Built only on a hit, so its strings cost nothing for the records that match no rule.
public struct Event: Sendable, Hashable {
    public var ruleID: String
    public var category: RuleCategory
    public var severity: RuleSeverity
    /// The record's instant (milliseconds since the epoch); nil when its time could not be read.
    public var time: Int64?
    /// The machine the record belongs to (folder layout, else its `machine` attribute).
    public var machine: String
    public var product: Product
    public var component: Component
    public var path: String
    /// 1-based line of the record in the (decompressed) file.
    public var line: Int
    /// Byte offset of the record in the (decompressed) file.
    public var byteOffset: Int64
    public var level: Level
    public var code: Int?
    public var source: String?
    public var process: String?
    public var thread: String?
    public var user: String?
    public var requestID: String?
    public var methodName: String?
    /// The message, trimmed, entities decoded, invalid UTF-8 repaired.
    public var message: String
    /// The rule's named groups that took part in the match, in group order.
    public var fields: [EventField]
    /// The whole record as written (for NDJSON's opt-in `event.original`).
    public var original: String?

    /// The value of a named field.
    public func field(_ name: String) -> String? { fields.first { $0.name == name }?.value }
}

/// A named capture of a rule's pattern.
public struct EventField: Sendable, Hashable {
    public var name: String
    public var value: String
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
