/// A YAML node with the place it was written, so rule-file errors can point at a line and column.
public struct YAMLNode: Sendable, Hashable {
    public enum Value: Sendable, Hashable {
        /// A scalar; `quoted` when it was written in quotes, as a block scalar or tagged `!!str` (never a null).
        case scalar(String, quoted: Bool)
        case sequence([YAMLNode])
        /// Keys in the order written.
        case mapping([YAMLEntry])
    }

    public var value: Value
    /// 1-based line and column of the node's first character.
    public var line: Int
    public var column: Int

    /// The scalar text, or nil for collections.
    public var scalar: String? {
        if case .scalar(let text, _) = value { return text }
        return nil
    }

    /// A plain scalar that YAML reads as null (`~`, `null`, nothing).
    public var isNull: Bool {
        if case .scalar(let text, let quoted) = value { return !quoted && (text.isEmpty || text == "~" || text == "null") }
        return false
    }
}

/// One `key: value` pair of a mapping.
public struct YAMLEntry: Sendable, Hashable {
    public var key: YAMLNode
    public var value: YAMLNode
}

/// A YAML syntax problem, with its place.
public struct YAMLError: Error, Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String

    public var description: String { "line \(line), column \(column): \(message)" }
}

/// Parses rule files' YAML with libyaml, the reference C parser (see `YAMLTreeBuilder`): full YAML 1.1,
/// anchors, aliases and `<<` merge keys included; one document per file, unique keys, bounded nesting and
/// alias expansion. Syntax errors are reworded for people, with the line and column of their cause.
public enum YAMLParser {
    /// Parses `text` into its single top-level node (an empty document is an empty mapping).
    public static func parse(_ text: String) throws(YAMLError) -> YAMLNode {
        try YAMLTreeBuilder.build(text)
    }
}
