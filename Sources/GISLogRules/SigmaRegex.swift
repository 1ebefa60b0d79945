/// A rule's PCRE2 pattern rewritten in the regular-expression subset that Sigma rules may use (`.`, `^`,
/// `$`, `* + ? {n,m}`, character classes, groups, alternation), with the `i` and `s` sub-modifiers of
/// `re`.
///
/// The rewrite keeps whether a text matches, under PCRE2's own rules (UTF mode, no Unicode properties,
/// LF as the newline): named and non-capturing groups become plain groups, `\d \s \w` become classes,
/// lazy quantifiers become greedy ones (neither changes whether a match exists), `[\s\S]` becomes `.`
/// with the `s` modifier (and a plain `.` then becomes `[^\n]`), and a `\b` at either end of the pattern
/// becomes a class of non-word characters or the anchor. What has no exact form in the subset —
/// lookarounds, backreferences, atomic groups, possessive quantifiers, a case-insensitive part of a
/// pattern, `\w` or `\b` under case-insensitive matching (Unicode case folding makes `K` match the Kelvin
/// sign) — is refused with the reason, never approximated.
public struct SigmaRegex: Sendable, Hashable {
    /// The pattern in Sigma's subset.
    public var pattern: String
    /// Needs `re|i`.
    public var caseless: Bool
    /// Needs `re|s` (`.` matches a newline too).
    public var dotAll: Bool

    /// The modifiers for a Sigma field name: `re`, `re|i`, `re|s` or `re|i|s`.
    public var modifiers: String { "re" + (caseless ? "|i" : "") + (dotAll ? "|s" : "") }

    /// Why a pattern has no exact form in Sigma's subset.
    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// Rewrites `pattern` (compiled case-insensitively as a whole when `caseless`).
    public static func translate(_ pattern: String, caseless: Bool = false) throws(Refusal) -> SigmaRegex {
        var parser = Parser(Array(pattern.unicodeScalars), caseless: caseless)
        let tree = try parser.parseWhole()
        let resolved = try resolveBoundaries(tree, caseless: parser.caseless)
        var emitter = Emitter(dotAll: resolved.containsAnyCharacter)
        let text = emitter.emit(resolved)
        return SigmaRegex(pattern: text, caseless: parser.caseless, dotAll: resolved.containsAnyCharacter)
    }

    // MARK: - Syntax tree

    /// A character class as sorted, merged ranges of scalar values.
    struct CharacterSet: Hashable {
        var negated: Bool
        var ranges: [ClosedRange<UInt32>]

        static let digits = CharacterSet(negated: false, ranges: [0x30...0x39])
        /// PCRE2's `\s` without Unicode properties: tab, LF, VT, FF, CR, space.
        static let spaces = CharacterSet(negated: false, ranges: [0x09...0x0D, 0x20...0x20])
        static let word = CharacterSet(negated: false, ranges: [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])

        var inverted: CharacterSet { CharacterSet(negated: !negated, ranges: ranges) }

        /// Whether the class can only match word characters (`\w`).
        var onlyWord: Bool { !negated && !ranges.isEmpty && ranges.allSatisfy { range in Self.word.ranges.contains { $0.contains(range.lowerBound) && $0.contains(range.upperBound) } } }
        /// Whether the class can only match non-word characters.
        var onlyNonWord: Bool {
            if negated { return Self.word.ranges.allSatisfy { word in ranges.contains { $0.contains(word.lowerBound) && $0.contains(word.upperBound) } } }
            return ranges.allSatisfy { range in !Self.word.ranges.contains { $0.overlaps(range) } }
        }
    }

    indirect enum Node: Hashable {
        case character(Unicode.Scalar)
        /// `.` without the `s` flag: any character but LF.
        case anyButNewline
        /// `[\s\S]` and the like: any character.
        case anyCharacter
        case set(CharacterSet)
        case start
        case end
        case wordBoundary
        /// Alternatives, each a sequence.
        case group([[Node]])
        case repetition(Node, min: Int, max: Int?)

        var containsAnyCharacter: Bool {
            switch self {
            case .anyCharacter: true
            case .group(let alternatives): alternatives.contains { $0.contains { $0.containsAnyCharacter } }
            case .repetition(let node, _, _): node.containsAnyCharacter
            default: false
            }
        }

        /// Every match of the node begins with a word character (nil: it may be empty or begin otherwise).
        func begins(word: Bool) -> Bool {
            switch self {
            case .character(let scalar): return Self.isWord(scalar) == word
            case .set(let set): return word ? set.onlyWord : set.onlyNonWord
            case .group(let alternatives): return !alternatives.isEmpty && alternatives.allSatisfy { $0.first?.begins(word: word) ?? false }
            case .repetition(let node, let min, _): return min >= 1 && node.begins(word: word)
            default: return false
            }
        }

        /// Every match of the node ends with a word character (or with a non-word one).
        func ends(word: Bool) -> Bool {
            switch self {
            case .character, .set: return begins(word: word)
            case .group(let alternatives): return !alternatives.isEmpty && alternatives.allSatisfy { $0.last?.ends(word: word) ?? false }
            case .repetition(let node, let min, _): return min >= 1 && node.ends(word: word)
            default: return false
            }
        }

        static func isWord(_ scalar: Unicode.Scalar) -> Bool {
            CharacterSet.word.ranges.contains { $0.contains(scalar.value) }
        }
    }

    // MARK: - Parsing

    /// A recursive-descent parser for the PCRE2 syntax rule files use; anything else is refused by name.
    struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0
        var caseless: Bool

        init(_ scalars: [Unicode.Scalar], caseless: Bool) {
            self.scalars = scalars
            self.caseless = caseless
        }

        var atEnd: Bool { index >= scalars.count }
        var current: Unicode.Scalar? { atEnd ? nil : scalars[index] }

        func peek(_ text: String) -> Bool {
            let wanted = Array(text.unicodeScalars)
            guard index + wanted.count <= scalars.count else { return false }
            return Array(scalars[index..<(index + wanted.count)]) == wanted
        }

        func refuse(_ reason: String) -> Refusal { Refusal(reason: reason) }

        mutating func parseWhole() throws(Refusal) -> Node {
            // A leading (?i) makes the whole pattern caseless: Sigma's re|i.
            if peek("(?i)") {
                caseless = true
                index += 4
            }
            let alternatives = try parseAlternatives()
            guard atEnd else { throw refuse("unbalanced ')' at position \(index)") }
            return .group(alternatives)
        }

        mutating func parseAlternatives() throws(Refusal) -> [[Node]] {
            var alternatives: [[Node]] = [[]]
            while let scalar = current, scalar != ")" {
                if scalar == "|" {
                    index += 1
                    alternatives.append([])
                    continue
                }
                let atom = try parseAtom()
                guard let atom else { continue }
                let quantified = try parseQuantifier(on: atom)
                alternatives[alternatives.count - 1].append(quantified)
            }
            return alternatives
        }

        mutating func parseQuantifier(on atom: Node) throws(Refusal) -> Node {
            guard let scalar = current else { return atom }
            var bounds: (Int, Int?)?
            switch scalar {
            case "*": bounds = (0, nil); index += 1
            case "+": bounds = (1, nil); index += 1
            case "?": bounds = (0, 1); index += 1
            case "{":
                if let parsed = braceQuantifier() { bounds = parsed }
            default: break
            }
            guard let bounds else { return atom }
            switch atom {
            case .start, .end, .wordBoundary: throw refuse("a quantifier on an anchor or \\b")
            default: break
            }
            if current == "+" { throw refuse("a possessive quantifier (\(scalar)+)") }
            // Lazy or greedy: the same texts match, only the captured span differs.
            if current == "?" { index += 1 }
            if case .repetition = atom { throw refuse("a quantifier on a quantifier") }
            return .repetition(atom, min: bounds.0, max: bounds.1)
        }

        /// `{n}`, `{n,}`, `{n,m}` at `index`; nil (and nothing consumed) when the brace is a literal.
        mutating func braceQuantifier() -> (Int, Int?)? {
            var cursor = index + 1
            func number() -> Int? {
                var value: Int?
                while cursor < scalars.count, let digit = Int(String(scalars[cursor])), scalars[cursor].isASCII {
                    value = (value ?? 0) * 10 + digit
                    if value! > 65_535 { return nil }
                    cursor += 1
                }
                return value
            }
            guard let low = number() else { return nil }
            var high: Int? = low
            if cursor < scalars.count, scalars[cursor] == "," {
                cursor += 1
                high = number()
            }
            guard cursor < scalars.count, scalars[cursor] == "}" else { return nil }
            if let high, high < low { return nil }
            index = cursor + 1
            return (low, high)
        }

        /// One atom, or nil for something that matches nothing by itself (a comment).
        mutating func parseAtom() throws(Refusal) -> Node? {
            let scalar = scalars[index]
            switch scalar {
            case "(": return try parseGroup()
            case "[":
                index += 1
                return try parseClass()
            case ".":
                index += 1
                return .anyButNewline
            case "^":
                index += 1
                return .start
            case "$":
                index += 1
                return .end
            case "\\":
                return try parseEscape()
            case "*", "+", "?":
                throw refuse("a quantifier with nothing to repeat at position \(index)")
            default:
                index += 1
                return try literal(scalar)
            }
        }

        /// A literal character (under `re|i` it matches its case partners exactly as in the rule).
        func literal(_ scalar: Unicode.Scalar) throws(Refusal) -> Node { .character(scalar) }

        mutating func parseGroup() throws(Refusal) -> Node? {
            index += 1 // "("
            if current == "?" {
                index += 1
                guard let kind = current else { throw refuse("an unterminated group") }
                switch kind {
                case ":":
                    index += 1
                case "<" where peek("<=") || peek("<!"):
                    throw refuse("a lookbehind assertion (?<\(scalars[index + 1]) …)")
                case "<", "'", "P":
                    // A named group: (?<name>…), (?'name'…), (?P<name>…).
                    if kind == "P" {
                        index += 1
                        guard current == "<" else { throw refuse("the (?P construct (named backreference or recursion)") }
                    }
                    let close: Unicode.Scalar = current == "'" ? "'" : ">"
                    index += 1
                    while let scalar = current, scalar != close { index += 1 }
                    guard !atEnd else { throw refuse("an unterminated group name") }
                    index += 1
                case "=", "!":
                    throw refuse("a lookahead assertion (?\(kind) …)")
                case ">":
                    throw refuse("an atomic group (?> …)")
                case "|":
                    throw refuse("a branch-reset group (?| …)")
                case "#":
                    while let scalar = current, scalar != ")" { index += 1 }
                    guard !atEnd else { throw refuse("an unterminated comment") }
                    index += 1
                    return nil
                case "i":
                    if peek("i:") && caseless {
                        index += 2
                    } else if peek("i)") && caseless {
                        // (?i) again inside an already caseless pattern: nothing changes.
                        index += 2
                        return nil
                    } else {
                        throw refuse("a case-insensitive part of a pattern ((?i) not at its start); "
                                     + "Sigma's i modifier covers the whole pattern")
                    }
                default:
                    throw refuse("the group construct (?\(kind) …)")
                }
            }
            let alternatives = try parseAlternatives()
            guard current == ")" else { throw refuse("an unterminated group") }
            index += 1
            return .group(alternatives)
        }

        /// A backslash escape outside a class.
        mutating func parseEscape() throws(Refusal) -> Node {
            index += 1
            guard let scalar = current else { throw refuse("a pattern ending in a backslash") }
            index += 1
            switch scalar {
            case "d": return .set(.digits)
            case "D": return .set(CharacterSet.digits.inverted)
            case "s": return .set(.spaces)
            case "S": return .set(CharacterSet.spaces.inverted)
            case "w", "W":
                if caseless { throw refuse("\\\(scalar) in a case-insensitive pattern (the Kelvin sign and the long s fold to k and s)") }
                return .set(scalar == "w" ? .word : CharacterSet.word.inverted)
            case "b":
                if caseless { throw refuse("\\b in a case-insensitive pattern (the Kelvin sign and the long s fold to k and s)") }
                return .wordBoundary
            default:
                if let value = try controlEscape(scalar) { return .character(value) }
                return try literal(try escapedLiteral(scalar))
            }
        }

        /// `\t \n \r \f \e \a \xHH \x{H…}` as the character they stand for; nil for other escapes.
        mutating func controlEscape(_ scalar: Unicode.Scalar) throws(Refusal) -> Unicode.Scalar? {
            switch scalar {
            case "t": return "\t"
            case "n": return "\n"
            case "r": return "\r"
            case "f": return Unicode.Scalar(0x0C)
            case "e": return Unicode.Scalar(0x1B)
            case "a": return Unicode.Scalar(0x07)
            case "x":
                var digits = ""
                if current == "{" {
                    index += 1
                    while let next = current, next != "}" { digits.unicodeScalars.append(next); index += 1 }
                    guard !atEnd else { throw refuse("an unterminated \\x{…}") }
                    index += 1
                } else {
                    while digits.count < 2, let next = current, next.properties.isASCIIHexDigit {
                        digits.unicodeScalars.append(next)
                        index += 1
                    }
                }
                guard let value = UInt32(digits.isEmpty ? "0" : digits, radix: 16), let result = Unicode.Scalar(value) else {
                    throw refuse("the escape \\x\(digits)")
                }
                return result
            default:
                return nil
            }
        }

        /// The character after a backslash that stands for itself; letters and digits with other meanings
        /// are refused by name.
        func escapedLiteral(_ scalar: Unicode.Scalar) throws(Refusal) -> Unicode.Scalar {
            if scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)) {
                let meaning: String
                switch scalar {
                case "1"..."9", "g", "k": meaning = "a backreference"
                case "0", "o", "c": meaning = "an octal or control escape"
                case "A", "z", "Z", "G": meaning = "the anchor \\\(scalar)"
                case "B": meaning = "\\B (not a word boundary)"
                case "p", "P", "X": meaning = "a Unicode property"
                case "h", "H", "v", "V", "R", "N": meaning = "the class \\\(scalar)"
                case "Q", "E": meaning = "a \\Q…\\E literal span"
                case "K": meaning = "\\K (reset the match start)"
                case "C": meaning = "\\C (one code unit)"
                default: meaning = "the escape \\\(scalar)"
                }
                throw refuse(meaning + " (\\\(scalar))")
            }
            return scalar
        }

        /// A class after its `[`.
        mutating func parseClass() throws(Refusal) -> Node {
            var negated = false
            if current == "^" {
                negated = true
                index += 1
            }
            var ranges: [ClosedRange<UInt32>] = []
            var inverted: [CharacterSet] = []
            var first = true
            while true {
                guard let scalar = current else { throw refuse("an unterminated character class") }
                if scalar == "]" && !first { index += 1; break }
                first = false
                if peek("[:") { throw refuse("a POSIX class [:…:]") }
                var low: Unicode.Scalar
                if scalar == "\\" {
                    index += 1
                    guard let escaped = current else { throw refuse("an unterminated character class") }
                    index += 1
                    switch escaped {
                    case "d": ranges += CharacterSet.digits.ranges; continue
                    case "s": ranges += CharacterSet.spaces.ranges; continue
                    case "w", "W":
                        if caseless { throw refuse("\\\(escaped) in a case-insensitive pattern (the Kelvin sign and the long s fold to k and s)") }
                        if escaped == "w" { ranges += CharacterSet.word.ranges } else { inverted.append(CharacterSet.word) }
                        continue
                    case "D": inverted.append(.digits); continue
                    case "S": inverted.append(.spaces); continue
                    case "b": low = Unicode.Scalar(0x08)
                    default:
                        if let value = try controlEscape(escaped) { low = value } else { low = try escapedLiteral(escaped) }
                    }
                } else {
                    index += 1
                    low = scalar
                }
                // A range, unless the '-' is the last character of the class.
                if current == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
                    index += 1
                    var high = scalars[index]
                    index += 1
                    if high == "\\" {
                        guard let escaped = current else { throw refuse("an unterminated character class") }
                        index += 1
                        if let value = try controlEscape(escaped) { high = value } else {
                            if "dswDSW".unicodeScalars.contains(escaped) { throw refuse("a class shorthand as the end of a range") }
                            high = try escapedLiteral(escaped)
                        }
                    }
                    guard low.value <= high.value else { throw refuse("a class range out of order") }
                    ranges.append(low.value...high.value)
                } else {
                    ranges.append(low.value...low.value)
                }
            }
            if !inverted.isEmpty {
                // Only a class that holds a shorthand and its opposite ([\s\S], [\d\D]) has a subset form: any character.
                let merged = CharacterSet(negated: false, ranges: ranges)
                guard !negated, inverted.allSatisfy({ $0.ranges.allSatisfy { range in merged.ranges.contains { $0.contains(range.lowerBound) && $0.contains(range.upperBound) } } }) else {
                    throw refuse("a class holding \\D, \\S or \\W with other characters")
                }
                return .anyCharacter
            }
            return .set(CharacterSet(negated: negated, ranges: ranges))
        }
    }

    // MARK: - Word boundaries

    /// Rewrites each `\b` of the top-level sequence: at the start (before a word character) as
    /// `(^|[^A-Za-z0-9_])`, at the end (after one) as `([^A-Za-z0-9_]|$)`, and between a word and a
    /// non-word character as nothing. Both rewrites keep whether a text matches; any other `\b` is refused.
    static func resolveBoundaries(_ tree: Node, caseless: Bool) throws(Refusal) -> Node {
        guard case .group(let alternatives) = tree else { return tree }
        var result: [[Node]] = []
        for sequence in alternatives {
            var rewritten: [Node] = []
            for (position, node) in sequence.enumerated() {
                guard node == .wordBoundary else {
                    if containsBoundary(node) { throw Refusal(reason: "\\b inside a group or repetition") }
                    rewritten.append(node)
                    continue
                }
                let before = position > 0 ? sequence[position - 1] : nil
                let after = position + 1 < sequence.count ? sequence[position + 1] : nil
                let nonWord = Node.set(CharacterSet.word.inverted)
                if before == nil, let after, after.begins(word: true) {
                    rewritten.append(.group([[.start], [nonWord]]))
                } else if after == nil, let before, before.ends(word: true) {
                    rewritten.append(.group([[nonWord], [.end]]))
                } else if let before, let after,
                          (before.ends(word: true) && after.begins(word: false)) || (before.ends(word: false) && after.begins(word: true)) {
                    continue
                } else {
                    throw Refusal(reason: "\\b where the characters on its two sides are not known")
                }
            }
            result.append(rewritten)
        }
        return .group(result)
    }

    static func containsBoundary(_ node: Node) -> Bool {
        switch node {
        case .wordBoundary: true
        case .group(let alternatives): alternatives.contains { $0.contains(where: containsBoundary) }
        case .repetition(let inner, _, _): containsBoundary(inner)
        default: false
        }
    }

    // MARK: - Writing

    struct Emitter {
        /// The output is matched with `s`: a source `.` must not match LF, so it is written as `[^\n]`.
        let dotAll: Bool

        /// Outside a class these stand for something else and are escaped.
        static let special: Set<Unicode.Scalar> = ["\\", ".", "^", "$", "*", "+", "?", "(", ")", "[", "]", "{", "}", "|"]
        /// Inside a class.
        static let specialInClass: Set<Unicode.Scalar> = ["\\", "]", "[", "^", "-"]

        mutating func emit(_ root: Node) -> String {
            guard case .group(let alternatives) = root else { return node(root) }
            return alternatives.map { $0.map(node).joined() }.joined(separator: "|")
        }

        func node(_ node: Node) -> String {
            switch node {
            case .character(let scalar):
                return (Self.special.contains(scalar) ? "\\" : "") + String(scalar)
            case .anyButNewline:
                return dotAll ? "[^\n]" : "."
            case .anyCharacter:
                return "."
            case .set(let set):
                return "[" + (set.negated ? "^" : "") + set.ranges.map(range).joined() + "]"
            case .start:
                return "^"
            case .end:
                return "$"
            case .wordBoundary:
                return "" // resolved before writing
            case .group(let alternatives):
                return "(" + alternatives.map { $0.map(self.node).joined() }.joined(separator: "|") + ")"
            case .repetition(let inner, let min, let max):
                let quantifier: String
                switch (min, max) {
                case (0, nil): quantifier = "*"
                case (1, nil): quantifier = "+"
                case (0, 1?): quantifier = "?"
                case (let low, nil): quantifier = "{\(low),}"
                case (let low, let high?) where low == high: quantifier = "{\(low)}"
                case (let low, let high?): quantifier = "{\(low),\(high)}"
                }
                return self.node(inner) + quantifier
            }
        }

        func range(_ range: ClosedRange<UInt32>) -> String {
            func text(_ value: UInt32) -> String {
                let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
                return (Self.specialInClass.contains(scalar) ? "\\" : "") + String(scalar)
            }
            if range.lowerBound == range.upperBound { return text(range.lowerBound) }
            if range.upperBound == range.lowerBound + 1 { return text(range.lowerBound) + text(range.upperBound) }
            return text(range.lowerBound) + "-" + text(range.upperBound)
        }
    }
}
