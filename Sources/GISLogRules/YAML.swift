/// A YAML node with the place it was written, so rule-file errors can point at a line and column.
public struct YAMLNode: Sendable, Hashable {
    public enum Value: Sendable, Hashable {
        /// A scalar; `quoted` when it was written in quotes or as a block scalar (never a null or number).
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

/// Parses the YAML that rule files use: block mappings and sequences (indentation), plain, single- and
/// double-quoted scalars (multi-line too), block scalars `|` and `>` (with `-`/`+`), flow sequences
/// `[a, b]` and flow mappings `{a: b}`, comments, and one document (`---` allowed at the top).
///
/// Refused with a message, because rule files never need them: anchors, aliases, tags, several
/// documents, complex keys. Tabs may not indent. Duplicate keys are an error.
public struct YAMLParser {
    private struct Line {
        var number: Int
        var indent: Int
        /// The text after the indentation (not trimmed at the end).
        var content: String
        /// The whole line, for block scalars.
        var raw: String
        /// Only spaces, or a comment (decided once: the parser asks many times).
        var isBlank: Bool
    }

    private var lines: [Line] = []
    private var index = 0
    /// Nesting of blocks being parsed (a line of `- - - - …` nests one level per dash).
    private var depth = 0

    /// Parses `text` into its single top-level node (an empty document is an empty mapping).
    public static func parse(_ text: String) throws(YAMLError) -> YAMLNode {
        var parser = YAMLParser()
        try parser.split(text)
        return try parser.document()
    }

    // MARK: - Lines

    private mutating func split(_ text: String) throws(YAMLError) {
        var number = 0
        // Split on bytes: as Characters, "\r\n" is one grapheme and would never equal "\n".
        for rawLine in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            var raw = String(decoding: rawLine, as: UTF8.self)
            if raw.utf8.last == UInt8(ascii: "\r") { raw = String(decoding: raw.utf8.dropLast(), as: UTF8.self) }
            if number == 1 && raw.hasPrefix("\u{FEFF}") { raw.removeFirst() }
            var indent = 0
            for character in raw {
                if character == " " { indent += 1 } else { break }
            }
            let content = String(raw.dropFirst(indent))
            if content.hasPrefix("\t") && !content.trimmingSpaces().isEmpty {
                throw YAMLError(line: number, column: indent + 1, message: "a tab indents this line; indent with spaces")
            }
            let trimmed = content.trimmingSpaces()
            lines.append(Line(number: number, indent: indent, content: content, raw: raw,
                              isBlank: trimmed.isEmpty || trimmed.hasPrefix("#")))
        }
    }

    private func isBlank(_ line: Line) -> Bool { line.isBlank }

    /// Moves to the next line that holds something; returns it, or nil at the end.
    private mutating func nextContentLine() -> Line? {
        while index < lines.count {
            if !isBlank(lines[index]) { return lines[index] }
            index += 1
        }
        return nil
    }

    private mutating func document() throws(YAMLError) -> YAMLNode {
        guard var first = nextContentLine() else {
            return YAMLNode(value: .mapping([]), line: 1, column: 1)
        }
        if first.content.trimmingSpaces() == "---" || first.content.hasPrefix("--- ") {
            let rest = first.content.dropFirst(3).trimmingSpaces()
            if rest.isEmpty || rest.hasPrefix("#") {
                index += 1
                guard let next = nextContentLine() else { return YAMLNode(value: .mapping([]), line: first.number, column: 1) }
                first = next
            } else {
                throw YAMLError(line: first.number, column: 5, message: "put the document on the line after '---'")
            }
        }
        let node = try block(indent: first.indent)
        if let extra = nextContentLine() {
            let trimmed = extra.content.trimmingSpaces()
            if trimmed == "---" || trimmed == "..." {
                index += 1
                if let more = nextContentLine() {
                    throw YAMLError(line: more.number, column: more.indent + 1,
                                    message: "a rule file holds one YAML document; put more rules in the same list or in another file")
                }
            } else {
                throw YAMLError(line: extra.number, column: extra.indent + 1,
                                message: "unexpected indentation or text here (check that it lines up with the lines above)")
            }
        }
        return node
    }

    // MARK: - Blocks

    /// A node that starts at the current line, which is indented by exactly `indent`.
    private mutating func block(indent: Int) throws(YAMLError) -> YAMLNode {
        guard let line = nextContentLine() else { return YAMLNode(value: .scalar("", quoted: false), line: 0, column: 0) }
        guard depth < ScalarScanner.maxDepth else {
            throw YAMLError(line: line.number, column: line.indent + 1,
                            message: "nested more than \(ScalarScanner.maxDepth) levels deep")
        }
        depth += 1
        defer { depth -= 1 }
        if isSequenceItem(line.content) { return try sequence(indent: indent) }
        if try keySplit(line) != nil { return try mapping(indent: indent) }
        index += 1
        return try inlineValue(text: line.content, line: line.number, column: line.indent + 1, parentIndent: indent - 1)
    }

    /// A `---` or `...` line at the left margin: the end of the document.
    private func isDocumentMarker(_ line: Line) -> Bool {
        guard line.indent == 0 else { return false }
        let trimmed = line.content.trimmingSpaces()
        return trimmed == "---" || trimmed == "..." || line.content.hasPrefix("--- ")
    }

    private func isSequenceItem(_ content: String) -> Bool {
        content == "-" || content.hasPrefix("- ") || content.hasPrefix("-\t") || content.trimmingSpaces() == "-"
    }

    private mutating func sequence(indent: Int) throws(YAMLError) -> YAMLNode {
        let start = lines[index]
        var items: [YAMLNode] = []
        while let line = nextContentLine(), line.indent == indent, isSequenceItem(line.content), !isDocumentMarker(line) {
            let afterDash = line.content.dropFirst(1)
            let spaces = afterDash.prefix { $0 == " " }.count
            let rest = String(afterDash.dropFirst(spaces))
            if rest.trimmingSpaces().isEmpty || rest.hasPrefix("#") {
                index += 1
                if let next = nextContentLine(), next.indent > indent {
                    items.append(try block(indent: next.indent))
                } else {
                    items.append(YAMLNode(value: .scalar("", quoted: false), line: line.number, column: indent + 2))
                }
            } else {
                // `- key: value` or `- - x`: the rest of the line is a block indented to where it starts.
                let itemIndent = indent + 1 + spaces
                let trimmed = rest.trimmingSpaces()
                lines[index] = Line(number: line.number, indent: itemIndent, content: rest, raw: line.raw,
                                    isBlank: trimmed.isEmpty || trimmed.hasPrefix("#"))
                items.append(try block(indent: itemIndent))
            }
        }
        if let line = nextContentLine(), line.indent > indent {
            throw YAMLError(line: line.number, column: line.indent + 1,
                            message: "this line is indented more than the list items above it")
        }
        return YAMLNode(value: .sequence(items), line: start.number, column: indent + 1)
    }

    /// Splits `key: rest` (key plain or quoted); nil when the line is not a mapping entry.
    private func keySplit(_ line: Line) throws(YAMLError) -> (key: String, quoted: Bool, rest: String, restColumn: Int)? {
        let content = line.content
        if content.hasPrefix("? ") || content == "?" {
            throw YAMLError(line: line.number, column: line.indent + 1, message: "complex keys ('?') are not supported in rule files")
        }
        if let quote = content.first, quote == "'" || quote == "\"" {
            var scanner = ScalarScanner(text: Array(content.unicodeScalars), line: line.number, column: line.indent + 1)
            guard let key = try? scanner.quoted(multiLineAllowed: false) else { return nil }
            let after = scanner.remaining
            let trimmed = after.drop { $0 == " " }
            guard trimmed.first == ":" else { return nil }
            let rest = String(String.UnicodeScalarView(trimmed.dropFirst()))
            return (key, true, rest, line.indent + 1 + (content.unicodeScalars.count - rest.unicodeScalars.count))
        }
        if let first = content.first, "[{&*!|>%@`#".contains(first) { return nil }
        // By Unicode scalars with indices (columns count scalars, as elsewhere in this parser).
        let scalars = content.unicodeScalars
        var previous: Unicode.Scalar = " "
        var position = 0
        var cursor = scalars.startIndex
        while cursor < scalars.endIndex {
            let scalar = scalars[cursor]
            let after = scalars.index(after: cursor)
            if scalar == "#" && previous == " " { return nil }
            if scalar == ":" {
                let next = after < scalars.endIndex ? scalars[after] : nil
                if next == nil || next == " " || next == "\t" {
                    let key = String(scalars[..<cursor]).trimmingSpaces()
                    let rest = String(scalars[after...])
                    return (key, false, rest, line.indent + 1 + position + 1)
                }
            }
            previous = scalar
            position += 1
            cursor = after
        }
        return nil
    }

    private mutating func mapping(indent: Int) throws(YAMLError) -> YAMLNode {
        let start = lines[index]
        var entries: [YAMLEntry] = []
        var seen: [String: Int] = [:]
        while let line = nextContentLine(), line.indent == indent, !isDocumentMarker(line) {
            guard let (key, quoted, rest, restColumn) = try keySplit(line) else {
                if isSequenceItem(line.content) {
                    throw YAMLError(line: line.number, column: line.indent + 1,
                                    message: "a list item where a 'key: value' line was expected (indent the list under its key)")
                }
                throw YAMLError(line: line.number, column: line.indent + 1, message: "expected 'key: value'")
            }
            if let first = seen[key] {
                throw YAMLError(line: line.number, column: line.indent + 1,
                                message: "duplicate key '\(key)' (first on line \(first))")
            }
            seen[key] = line.number
            let keyNode = YAMLNode(value: .scalar(key, quoted: quoted), line: line.number, column: line.indent + 1)
            index += 1
            let trimmed = rest.trimmingSpaces()
            let value: YAMLNode
            if trimmed.isEmpty || trimmed.hasPrefix("#") {
                if let next = nextContentLine(), next.indent > indent {
                    value = try block(indent: next.indent)
                } else if let next = nextContentLine(), next.indent == indent, isSequenceItem(next.content) {
                    value = try sequence(indent: indent)
                } else {
                    value = YAMLNode(value: .scalar("", quoted: false), line: line.number, column: restColumn)
                }
            } else {
                let leading = rest.prefix { $0 == " " }.count
                value = try inlineValue(text: String(rest.dropFirst(leading)), line: line.number,
                                        column: restColumn + leading, parentIndent: indent)
            }
            entries.append(YAMLEntry(key: keyNode, value: value))
        }
        if let line = nextContentLine(), line.indent > indent {
            throw YAMLError(line: line.number, column: line.indent + 1,
                            message: "this line is indented more than the keys above it")
        }
        return YAMLNode(value: .mapping(entries), line: start.number, column: indent + 1)
    }

    // MARK: - Values on a line

    /// A value that starts inside a line (after `key:` or `- `). The current line index is already past
    /// that line; continuation lines (indented more than `parentIndent`) are consumed as needed.
    private mutating func inlineValue(text: String, line: Int, column: Int, parentIndent: Int) throws(YAMLError) -> YAMLNode {
        guard let first = text.first else { return YAMLNode(value: .scalar("", quoted: false), line: line, column: column) }
        switch first {
        case "&", "*":
            throw YAMLError(line: line, column: column, message: "anchors and aliases ('&', '*') are not supported in rule files")
        case "!":
            throw YAMLError(line: line, column: column, message: "tags ('!') are not supported in rule files")
        case "|", ">":
            return try blockScalar(header: text, line: line, column: column, parentIndent: parentIndent)
        case "'", "\"", "[", "{":
            var joined = text
            while true {
                do throws(YAMLError) {
                    var scanner = ScalarScanner(text: Array(joined.unicodeScalars), line: line, column: column)
                    let node: YAMLNode
                    if first == "'" || first == "\"" {
                        node = YAMLNode(value: .scalar(try scanner.quoted(multiLineAllowed: true), quoted: true),
                                        line: line, column: column)
                    } else {
                        node = try scanner.flow()
                    }
                    try scanner.expectEndOfLine()
                    return node
                } catch let error where error.message == ScalarScanner.needMore {
                    // The value goes on: join the next line (quoted scalars and flow collections may span lines).
                    guard index < lines.count, lines[index].indent > parentIndent || isBlank(lines[index]) else {
                        throw YAMLError(line: line, column: column, message: first == "'" || first == "\""
                                        ? "the quoted text is not closed" : "the '\(first)' is not closed")
                    }
                    joined += "\n" + lines[index].raw
                    index += 1
                }
            }
        default:
            // A plain scalar, folded over more-indented continuation lines.
            var value = Self.stripComment(text).trimmingSpaces()
            while index < lines.count, !isBlank(lines[index]) || (index + 1 < lines.count && lines[index + 1].indent > parentIndent && !isBlank(lines[index + 1])) {
                let next = lines[index]
                guard next.indent > parentIndent else { break }
                if isBlank(next) { value += "\n"; index += 1; continue }
                if try keySplit(next) != nil || isSequenceItem(next.content) {
                    throw YAMLError(line: next.number, column: next.indent + 1,
                                    message: "unexpected 'key:' or list item inside a value (check the indentation)")
                }
                let piece = Self.stripComment(next.content).trimmingSpaces()
                value += value.hasSuffix("\n") ? piece : " " + piece
                index += 1
            }
            return YAMLNode(value: .scalar(value, quoted: false), line: line, column: column)
        }
    }

    static func stripComment(_ text: String) -> String {
        var previous: Character = " "
        for (offset, character) in text.enumerated() {
            if character == "#" && (previous == " " || previous == "\t") { return String(text.prefix(offset)) }
            previous = character
        }
        return text
    }

    private mutating func blockScalar(header: String, line: Int, column: Int, parentIndent: Int) throws(YAMLError) -> YAMLNode {
        let literal = header.first == "|"
        var chomp: Character = " "
        var explicitIndent: Int?
        for character in Self.stripComment(String(header.dropFirst())).trimmingSpaces() {
            if character == "-" || character == "+" { chomp = character } else if let digit = character.wholeNumberValue, digit > 0 {
                explicitIndent = digit
            } else {
                throw YAMLError(line: line, column: column, message: "unexpected '\(character)' after '\(header.first!)'")
            }
        }
        var body: [String] = []
        var contentIndent: Int? = explicitIndent.map { parentIndent + $0 }
        while index < lines.count {
            let next = lines[index]
            let blank = next.content.trimmingSpaces().isEmpty
            if !blank {
                if contentIndent == nil { contentIndent = next.indent }
                guard next.indent >= contentIndent!, next.indent > parentIndent else { break }
            }
            let cut = min(contentIndent ?? next.indent, next.raw.count)
            body.append(blank ? String(next.raw.dropFirst(min(cut, next.raw.count))) : String(next.raw.dropFirst(cut)))
            index += 1
        }
        var trailing = 0
        while let last = body.last, last.trimmingSpaces().isEmpty { body.removeLast(); trailing += 1 }
        var text: String
        if literal {
            text = body.joined(separator: "\n")
        } else {
            text = ""
            // Folding: single line breaks become spaces; each empty line is one line break; more-indented
            // lines keep their breaks.
            for (position, piece) in body.enumerated() {
                if position > 0 {
                    let previous = body[position - 1]
                    if piece.isEmpty {
                        text += "\n"
                    } else if !previous.isEmpty {
                        text += piece.hasPrefix(" ") || previous.hasPrefix(" ") ? "\n" : " "
                    }
                }
                text += piece
            }
        }
        switch chomp {
        case "-": break
        case "+": text += String(repeating: "\n", count: body.isEmpty ? trailing : trailing + 1)
        default: if !body.isEmpty { text += "\n" }
        }
        return YAMLNode(value: .scalar(text, quoted: true), line: line, column: column)
    }
}

/// Reads quoted scalars and flow collections from one (possibly joined) stretch of text.
struct ScalarScanner {
    static let needMore = "\u{0}need more"
    let text: [Unicode.Scalar]
    var position = 0
    let line: Int
    let column: Int

    init(text: [Unicode.Scalar], line: Int, column: Int) {
        self.text = text
        self.line = line
        self.column = column
    }

    var remaining: ArraySlice<Unicode.Scalar> { text[position...] }

    private var peek: Unicode.Scalar? { position < text.count ? text[position] : nil }

    private func error(_ message: String) -> YAMLError {
        // Line and column of `position` in the joined text.
        var lineNumber = line, col = column
        for scalar in text[..<min(position, text.count)] {
            if scalar == "\n" { lineNumber += 1; col = 1 } else { col += 1 }
        }
        return YAMLError(line: lineNumber, column: col, message: message)
    }

    private mutating func skipSpace(newlines: Bool) {
        while let scalar = peek, scalar == " " || scalar == "\t" || (newlines && (scalar == "\n" || scalar == "\r")) {
            position += 1
        }
    }

    mutating func expectEndOfLine() throws(YAMLError) {
        skipSpace(newlines: true)
        if let scalar = peek, scalar != "#" {
            throw error("unexpected text after the value")
        }
    }

    mutating func quoted(multiLineAllowed: Bool) throws(YAMLError) -> String {
        let quote = text[position]
        position += 1
        // Collected as UTF-8 and decoded once: appending scalar by scalar to a String is slow.
        var out = ScalarBytes()
        while true {
            guard let scalar = peek else { throw YAMLError(line: line, column: column, message: Self.needMore) }
            position += 1
            if scalar == "\n" {
                guard multiLineAllowed else { throw YAMLError(line: line, column: column, message: Self.needMore) }
                // Folding: a line break becomes a space, unless the next lines are empty.
                out.dropTrailingSpaces()
                var breaks = 0
                while let next = peek, next == " " || next == "\t" || next == "\n" || next == "\r" {
                    if next == "\n" { breaks += 1 }
                    position += 1
                }
                for _ in 0..<max(breaks, 1) { out.append(breaks == 0 ? " " : "\n") }
                continue
            }
            if quote == "'" {
                if scalar == "'" {
                    if peek == "'" { out.append("'"); position += 1; continue }
                    return out.string
                }
                out.append(scalar)
                continue
            }
            if scalar == "\"" { return out.string }
            guard scalar == "\\" else { out.append(scalar); continue }
            guard let escape = peek else { throw YAMLError(line: line, column: column, message: Self.needMore) }
            position += 1
            switch escape {
            case "n": out.append("\n")
            case "t", "\t": out.append("\t")
            case "r": out.append("\r")
            case "0": out.append("\u{0}")
            case "\\": out.append("\\")
            case "\"": out.append("\"")
            case "/": out.append("/")
            case " ": out.append(" ")
            case "e": out.append("\u{1B}")
            case "\n":
                while let next = peek, next == " " || next == "\t" { position += 1 }
            case "x", "u", "U":
                let digits = escape == "x" ? 2 : escape == "u" ? 4 : 8
                var value: UInt32 = 0
                for _ in 0..<digits {
                    guard let hex = peek, let digit = UInt32(String(hex), radix: 16) else {
                        throw error("'\\\(escape)' needs \(digits) hexadecimal digits")
                    }
                    value = value * 16 + digit
                    position += 1
                }
                guard let decoded = Unicode.Scalar(value) else { throw error("'\\\(escape)' names no character") }
                out.append(decoded)
            default:
                position -= 2
                throw error("unknown escape '\\\(escape)' in double quotes (write '\\\\' for a backslash, or use single quotes)")
            }
        }
    }

    /// How deeply collections may nest: far beyond any rule file, and well within the stack.
    static let maxDepth = 64

    /// A flow collection or a scalar inside one.
    mutating func flow(depth: Int = 0) throws(YAMLError) -> YAMLNode {
        guard depth < Self.maxDepth else { throw error("nested more than \(Self.maxDepth) levels deep") }
        skipSpace(newlines: true)
        let startLine = line, startColumn = column
        guard let opener = peek else { throw YAMLError(line: line, column: column, message: Self.needMore) }
        if opener == "[" || opener == "{" {
            position += 1
            let closer: Unicode.Scalar = opener == "[" ? "]" : "}"
            var items: [YAMLNode] = []
            var entries: [YAMLEntry] = []
            while true {
                skipSpace(newlines: true)
                guard let next = peek else { throw YAMLError(line: line, column: column, message: Self.needMore) }
                if next == closer { position += 1; break }
                let item = try flow(depth: depth + 1)
                skipSpace(newlines: true)
                if opener == "{" {
                    guard peek == ":" else { throw error("expected ':' after a key in '{…}'") }
                    position += 1
                    let value = try flow(depth: depth + 1)
                    entries.append(YAMLEntry(key: item, value: value))
                } else {
                    items.append(item)
                }
                skipSpace(newlines: true)
                guard let separator = peek else { throw YAMLError(line: line, column: column, message: Self.needMore) }
                if separator == "," { position += 1; continue }
                if separator == closer { position += 1; break }
                throw error("expected ',' or '\(closer)'")
            }
            return YAMLNode(value: opener == "[" ? .sequence(items) : .mapping(entries), line: startLine, column: startColumn)
        }
        if opener == "'" || opener == "\"" {
            return YAMLNode(value: .scalar(try quoted(multiLineAllowed: true), quoted: true), line: startLine, column: startColumn)
        }
        var out = String.UnicodeScalarView()
        while let scalar = peek, scalar != ",", scalar != "]", scalar != "}", scalar != "\n" {
            if scalar == ":" && (position + 1 >= text.count || text[position + 1] == " ") { break }
            out.append(scalar)
            position += 1
        }
        return YAMLNode(value: .scalar(String(out).trimmingSpaces(), quoted: false), line: startLine, column: startColumn)
    }
}

/// Text collected scalar by scalar, stored as UTF-8.
private struct ScalarBytes {
    private var bytes: [UInt8] = []

    mutating func append(_ scalar: Unicode.Scalar) {
        if scalar.isASCII { bytes.append(UInt8(scalar.value)) } else { UTF8.encode(scalar) { bytes.append($0) } }
    }

    /// Drops trailing spaces and tabs (before a folded line break).
    mutating func dropTrailingSpaces() {
        while let last = bytes.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { bytes.removeLast() }
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}
