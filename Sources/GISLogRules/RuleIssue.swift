/// One problem in a rule file: where it is, which rule, what is wrong and, where possible, what to write.
public struct RuleIssue: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var ruleID: String?
    public var message: String

    public var description: String {
        "\(file):\(line):\(column): " + (ruleID.map { "rule '\($0)': " } ?? "") + message
    }
}

/// A rule set that could not be loaded: every problem found, one per line. Nothing runs with a half-loaded
/// rule set.
public struct RuleLoadError: Error, Sendable, CustomStringConvertible {
    public var issues: [RuleIssue]

    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}
