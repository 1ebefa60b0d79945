/// Finds a literal that every match of a pattern must contain, so that a cheap byte search can skip the
/// regex on records that cannot match.
///
/// Conservative by design: it only reads the top level of the pattern, gives up on alternation there and
/// on inline options, and treats anything it does not understand as a break between literals. A group
/// that holds nothing but literal text and is not optional or repeated (`(?<name>ERROR_INTERNET_INVALID_CA)`)
/// is read as that text, so the literal can run through it.
enum LiteralExtractor {
    static let minimumLength = 4

    static func requiredLiteral(in pattern: String) -> String? {
        let scalars = Array(pattern.unicodeScalars)
        var runs = Runs()
        var depth = 0
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if depth > 0 {
                switch scalar {
                case "\\": index += 2; continue
                case "(": depth += 1
                case ")": depth -= 1
                case "[": index = skipClass(scalars, from: index); continue
                default: break
                }
                index += 1
                if depth == 0 { runs.end(); skipQuantifier(scalars, &index) }
                continue
            }
            switch scalar {
            case "|":
                return nil
            case "(":
                if index + 1 < scalars.count, scalars[index + 1] == "?",
                   index + 2 < scalars.count, scalars[index + 2] != "<", scalars[index + 2] != ":", scalars[index + 2] != "=",
                   scalars[index + 2] != "!", scalars[index + 2] != ">", scalars[index + 2] != "P" {
                    return nil  // inline options such as (?i) change what a literal means
                }
                if let (text, end) = literalGroup(scalars, at: index) {
                    // Required exactly as written: the run goes on through it.
                    runs.current.append(contentsOf: text)
                    index = end
                    continue
                }
                runs.end()
                depth = 1
                index += 1
            case "[":
                runs.end()
                index = skipClass(scalars, from: index)
                skipQuantifier(scalars, &index)
            case "\\":
                guard index + 1 < scalars.count else { return nil }
                let escaped = scalars[index + 1]
                index += 2
                if escaped.properties.isAlphabetic || ("0"..."9").contains(escaped) {
                    runs.end()  // \d, \w, \b, \1 …: not a literal
                    skipQuantifier(scalars, &index)
                } else {
                    appendLiteral(escaped, scalars, &index, &runs)
                }
            case ".", "^", "$":
                runs.end()
                index += 1
                skipQuantifier(scalars, &index)
            case "*", "+", "?", "{":
                runs.end()
                index += 1
            default:
                index += 1
                appendLiteral(scalar, scalars, &index, &runs)
            }
        }
        runs.end()
        guard runs.best.count >= minimumLength else { return nil }
        return String(String.UnicodeScalarView(runs.best))
    }

    /// The text of a group at `start` that matches exactly one literal text — a capturing, named or
    /// non-capturing group of plain characters and escaped punctuation — and the index after it; nil when
    /// the group holds anything else or a quantifier follows it (then it may be absent or repeated).
    static func literalGroup(_ scalars: [Unicode.Scalar], at start: Int) -> (text: [Unicode.Scalar], end: Int)? {
        var index = start + 1
        if index < scalars.count, scalars[index] == "?" {
            // `(?:`, `(?<name>` and `(?P<name>` only: lookarounds, atomic groups and the rest are not text.
            index += 1
            guard index < scalars.count else { return nil }
            switch scalars[index] {
            case ":":
                index += 1
            case "<", "P":
                if scalars[index] == "P" {
                    index += 1
                    guard index < scalars.count, scalars[index] == "<" else { return nil }
                }
                index += 1
                guard index < scalars.count, scalars[index] != "=", scalars[index] != "!" else { return nil }
                while index < scalars.count, scalars[index] != ">" {
                    guard scalars[index] == "_" || scalars[index].properties.isAlphabetic
                        || ("0"..."9").contains(scalars[index]) else { return nil }
                    index += 1
                }
                index += 1
            default:
                return nil
            }
        }
        var text: [Unicode.Scalar] = []
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case ")":
                index += 1
                if index < scalars.count, ["*", "+", "?", "{"].contains(scalars[index]) { return nil }
                return (text, index)
            case "\\":
                guard index + 1 < scalars.count else { return nil }
                let escaped = scalars[index + 1]
                guard !escaped.properties.isAlphabetic, !("0"..."9").contains(escaped) else { return nil }
                text.append(escaped)
                index += 2
            case "(", "|", "[", ".", "^", "$", "*", "+", "?", "{":
                return nil
            default:
                text.append(scalar)
                index += 1
            }
        }
        return nil
    }

    /// The literal run being read and the longest one so far.
    private struct Runs {
        var best: [Unicode.Scalar] = []
        var current: [Unicode.Scalar] = []

        mutating func end() {
            if current.count > best.count { best = current }
            current = []
        }
    }

    /// Adds a literal scalar unless a quantifier follows that makes it optional or repeated.
    private static func appendLiteral(_ scalar: Unicode.Scalar, _ scalars: [Unicode.Scalar], _ index: inout Int,
                                      _ runs: inout Runs) {
        if index < scalars.count, scalars[index] == "+" {
            // `x+` always ends in an x, which can start a run but not extend the one before it.
            runs.end()
            runs.current.append(scalar)
            skipQuantifier(scalars, &index)
            return
        }
        if index < scalars.count, ["*", "?", "{"].contains(scalars[index]) {
            runs.end()
            skipQuantifier(scalars, &index)
            return
        }
        runs.current.append(scalar)
    }

    private static func skipClass(_ scalars: [Unicode.Scalar], from start: Int) -> Int {
        var index = start + 1
        if index < scalars.count, scalars[index] == "^" { index += 1 }
        if index < scalars.count, scalars[index] == "]" { index += 1 }
        while index < scalars.count, scalars[index] != "]" {
            index += scalars[index] == "\\" ? 2 : 1
        }
        return index + 1
    }

    private static func skipQuantifier(_ scalars: [Unicode.Scalar], _ index: inout Int) {
        guard index < scalars.count else { return }
        switch scalars[index] {
        case "*", "+", "?":
            index += 1
        case "{":
            while index < scalars.count, scalars[index] != "}" { index += 1 }
            index += 1
        default:
            return
        }
        if index < scalars.count, scalars[index] == "?" || scalars[index] == "+" { index += 1 }
    }
}
