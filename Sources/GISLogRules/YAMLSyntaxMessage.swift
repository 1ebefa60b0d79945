import GISLogSupport

/// Rewords libyaml's syntax errors for the people who edit rule files: placed where the cause is (an
/// unclosed quote where it opens, not at the end of the file where libyaml noticed), saying what was
/// expected and what to write.
enum YAMLSyntaxMessage {
    /// A block collection around the error, 1-based.
    struct Collection {
        var isMapping: Bool
        var line: Int
        var column: Int

        var described: String {
            isMapping ? "the keys of the mapping on line \(line) are at column \(column)"
                : "the items of the list on line \(line) are at column \(column)"
        }
    }

    /// - Parameters:
    ///   - open: the block collections open around the error, outermost first.
    ///   - justClosed: a block collection that a dedent closed just before the error.
    ///   - lastEnd: where the last value ended, to recognise text left over on its line.
    static func error(_ raw: LibYAMLError, text: String, open: [Collection], justClosed: Collection?,
                      lastEnd: YAMLEvent.Mark?) -> YAMLError {
        let source = Source(text)
        if raw.isReaderError {
            let at = source.mark(ofByte: raw.problemOffset)
            let code = String(raw.problemValue, radix: 16, uppercase: true)
            let padded = String(repeating: "0", count: max(0, 2 - code.count)) + code
            if raw.problem.hasPrefix("control characters") {
                return at.error("a control character (U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code)) is not "
                                + "allowed in YAML; remove it, or write it as \"\\x\(padded)\" in double quotes")
            }
            return at.error("unreadable text here (\(raw.problem))")
        }
        let problem = raw.problem, context = raw.context ?? ""
        let at = raw.problemMark, from = raw.contextMark

        if problem.hasPrefix("found a tab character")
            || (problem == "found character that cannot start any token" && source.scalar(at) == "\t") {
            return at.error("a tab indents this line; indent with spaces")
        }
        // A tab among the spaces that indent the line libyaml stopped on is the likeliest cause of whatever
        // it says (a tab after spaces reads as text that continues the line above).
        if !context.hasSuffix("quoted scalar"), let tab = source.indentingTab(line: at.line), tab <= at.column {
            return YAMLEvent.Mark(line: at.line, column: tab).error("a tab indents this line; indent with spaces")
        }
        if context.hasSuffix("quoted scalar") {
            let quote = source.scalar(from) ?? "\""
            let close = quote == "'" ? "end it with ' (inside single quotes, write '' for a quote)"
                : "end it with \" (inside double quotes, write \\\" for a quote)"
            switch problem {
            case "found unexpected end of stream":
                return from.error("the quoted text is not closed: " + close)
            case "found unexpected document indicator":
                return from.error("the quoted text is not closed before the document marker on line \(at.line + 1): " + close)
            case "found unknown escape character":
                let escape = source.scalar(YAMLEvent.Mark(line: at.line, column: at.column + 1)).map { String($0) } ?? ""
                return at.error("unknown escape '\\\(escape)' in double quotes (write '\\\\' for a backslash, or use single quotes)")
            case "did not find expected hexdecimal number":
                // libyaml stops after the backslash and the letter.
                let backslash = YAMLEvent.Mark(line: at.line, column: max(0, at.column - 2))
                let letter = source.scalar(YAMLEvent.Mark(line: at.line, column: backslash.column + 1)) ?? "x"
                let digits = letter == "x" ? 2 : letter == "u" ? 4 : 8
                return backslash.error("'\\\(letter)' needs \(digits) hexadecimal digits")
            case "found invalid Unicode character escape code":
                return at.error("this escape names no Unicode character")
            default:
                break
            }
        }
        if context == "while parsing a flow sequence" || context == "while parsing a flow mapping",
           problem.hasPrefix("did not find expected ','") {
            let list = context.hasSuffix("sequence")
            let closer = list ? "]" : "}"
            if at.line > from.line || source.isAtEnd(at) {
                return from.error(list ? "the '[' is not closed: end the list with ']' (and separate its items with ',')"
                                  : "the '{' is not closed: end the mapping with '}' (and separate its entries with ',')")
            }
            return at.error("expected ',' or '\(closer)' here, in the \(list ? "list" : "mapping") that starts at column \(from.column + 1)")
        }
        switch problem {
        case "mapping values are not allowed in this context":
            let line = source.line(at.line)
            let first = line.firstIndex { $0 != " " } ?? 0
            let before = String(String.UnicodeScalarView(line[first..<max(first, min(at.column, line.count))]))
            if before.hasPrefix("---") {
                return at.error("put the document on the line after '---'")
            }
            if let separator = before.firstRange(of: ": ") {
                // `key: text: more` — the value after the first ': ', written in single quotes.
                let offset = before.unicodeScalars.distance(from: before.unicodeScalars.startIndex, to: separator.upperBound)
                let rest = line[min(line.count, first + offset)...].drop { $0 == " " }
                var value = String(String.UnicodeScalarView(rest))
                if let comment = value.firstRange(of: " #") { value = String(value[..<comment.lowerBound]) }
                value = value.trimmingSpaces()
                let column = line.count - rest.count
                return YAMLEvent.Mark(line: at.line, column: column).error(
                    "a value that holds ': ' must be in quotes: write '\(value.replacing("'", with: "''"))'")
            }
            if before.hasPrefix("- ") || first >= at.column {
                return at.error("a value that holds ': ' must be in quotes")
            }
            let key = before.count > 40 ? String(before.prefix(40)) + "…" : before
            return YAMLEvent.Mark(line: at.line, column: first).error(
                "unexpected '\(key):' inside the value above: a 'key:' lines up with the other keys of its mapping "
                + "(check the indentation), and text that holds ': ' goes in quotes")
        case "block sequence entries are not allowed in this context":
            return at.error("a list item ('- ') cannot start here: put the list on the lines below its key, indented, "
                            + "or put text that starts with '- ' in quotes")
        case "did not find expected key", "did not find expected '-' indicator":
            if let lastEnd, lastEnd.line == at.line {
                return at.error("unexpected text after the value (put the whole value in quotes, or start a comment with ' #')")
            }
            let column = at.column + 1
            let inner = open.last ?? Collection(isMapping: problem.hasSuffix("key"), line: from.line + 1, column: from.column + 1)
            if column == inner.column {
                if inner.isMapping {
                    return at.error(source.scalar(at) == "-"
                                    ? "a list item where a 'key: value' line was expected (indent the list under its key)"
                                    : "expected 'key: value' here, like the other lines of the mapping on line \(inner.line)")
                }
                return at.error("unexpected text in the list on line \(inner.line): expected another item ('- ') here, "
                                + "or indent this line under a key")
            }
            let around = [justClosed, inner].compactMap { $0 }.map(\.described).joined(separator: ", ")
            return at.error("this line is indented to column \(column), which lines up with nothing above it: \(around); "
                            + "check the indentation")
        case "found character that cannot start any token":
            let character = source.scalar(at).map { String($0) } ?? "?"
            return at.error("'\(character)' cannot start a value in YAML; put the value in quotes")
        case "did not find expected node content":
            if source.scalar(at) == "," { return at.error("expected a value before this ','; remove the extra comma") }
            if let character = source.scalar(at), "]}|>%@`".unicodeScalars.contains(character) {
                return at.error("'\(character)' cannot start a value here; put the value in quotes")
            }
            return at.error(context.contains("flow") ? "expected a value here (check the commas in this '[…]' or '{…}')"
                            : "expected a value here")
        case "did not find expected comment or line break":
            if context.hasSuffix("block scalar") {
                return at.error("unexpected text after '|' or '>': the text starts on the next line (only '-', '+', "
                                + "an indentation digit or a ' #' comment may follow)")
            }
            return at.error("unexpected text at the end of this line (a comment starts with ' #')")
        case "did not find expected alphabetic or numeric character":
            if context.hasSuffix("anchor") { return from.error("an anchor needs a name: '&name' (letters, digits, '-', '_')") }
            if context.hasSuffix("alias") { return from.error("an alias needs a name: '*name' (letters, digits, '-', '_')") }
        case "found undefined tag handle":
            return from.error("tags ('!…') are not supported in rule files: every value is read as text; remove the tag")
        case "did not find expected <document start>":
            // At the end of the file, the cause is the last line with text (a '%' directive or '...').
            return source.lastText(atOrBefore: at).error(
                "a rule file holds one YAML document, and this text comes after its end ('...' or a '%' line); "
                + "remove it, or put more rules in the same list")
        case "could not find expected ':'":
            return from.error("expected ':' after this key, on the same line ('key: value')")
        default:
            break
        }
        var message = problem
        if !context.isEmpty { message += " (\(context) at line \(from.line + 1), column \(from.column + 1))" }
        return at.error(message)
    }

    /// The text split into lines as libyaml counts them, to look at the characters around an error.
    private struct Source {
        let text: String
        let lines: [[Unicode.Scalar]]

        init(_ text: String) {
            self.text = text
            var lines: [[Unicode.Scalar]] = [[]]
            var afterCR = false
            for (offset, scalar) in text.unicodeScalars.enumerated() {
                if offset == 0 && scalar == "\u{FEFF}" { continue }  // libyaml drops a byte-order mark
                defer { afterCR = scalar == "\r" }
                if scalar == "\n" && afterCR { continue }
                if Self.isBreak(scalar) { lines.append([]) } else { lines[lines.count - 1].append(scalar) }
            }
            self.lines = lines
        }

        /// YAML 1.1's line breaks, which libyaml counts.
        static func isBreak(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "\n" || scalar == "\r" || scalar == "\u{85}" || scalar == "\u{2028}" || scalar == "\u{2029}"
        }

        func line(_ number: Int) -> [Unicode.Scalar] { number < lines.count ? lines[number] : [] }

        func scalar(_ mark: YAMLEvent.Mark) -> Unicode.Scalar? {
            let line = line(mark.line)
            return mark.column < line.count ? line[mark.column] : nil
        }

        /// Nothing but spaces, line breaks and comments from `mark` on.
        func isAtEnd(_ mark: YAMLEvent.Mark) -> Bool {
            for number in mark.line..<max(mark.line, lines.count) {
                let rest = line(number).dropFirst(number == mark.line ? mark.column : 0).drop { $0 == " " || $0 == "\t" }
                if let first = rest.first, first != "#" { return false }
            }
            return true
        }

        /// The column of the first tab in the spaces and tabs that start a line.
        func indentingTab(line number: Int) -> Int? {
            let line = line(number)
            let indentation = line.prefix { $0 == " " || $0 == "\t" }
            return indentation.firstIndex(of: "\t")
        }

        /// The first character of the last line with text at or before `mark` (`mark` itself when it is on
        /// text).
        func lastText(atOrBefore mark: YAMLEvent.Mark) -> YAMLEvent.Mark {
            if scalar(mark) != nil { return mark }
            var number = min(mark.line, lines.count - 1)
            while number > 0 {
                let line = line(number)
                if let first = line.firstIndex(where: { $0 != " " && $0 != "\t" }), line[first] != "#" {
                    return YAMLEvent.Mark(line: number, column: first)
                }
                number -= 1
            }
            return mark
        }

        /// The place of a byte offset (libyaml gives reader errors by offset only).
        func mark(ofByte offset: Int) -> YAMLEvent.Mark {
            var line = 0, column = 0, bytes = 0, afterCR = false
            for scalar in text.unicodeScalars {
                if bytes >= offset { break }
                let first = bytes == 0
                bytes += UTF8.width(scalar)
                if first && scalar == "\u{FEFF}" { continue }
                defer { afterCR = scalar == "\r" }
                if scalar == "\n" && afterCR { continue }
                if Self.isBreak(scalar) { line += 1; column = 0 } else { column += 1 }
            }
            return YAMLEvent.Mark(line: line, column: column)
        }
    }
}

extension YAMLEvent.Mark {
    /// An error at this place (libyaml counts from 0, messages from 1).
    func error(_ message: String) -> YAMLError {
        YAMLError(line: line + 1, column: column + 1, message: message)
    }
}
