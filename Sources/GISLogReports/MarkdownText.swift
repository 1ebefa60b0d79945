/// Text in a Markdown report that must read well twice: as plain text in a mail, and rendered. So it is
/// escaped only where Markdown would otherwise act on it — never a backslash before every dot and dash —
/// while host names and paths go into code spans and URLs become autolinks (`<https://…>`), which a
/// renderer links and a reader can copy whole. Log text still cannot turn into HTML, images or links.
public struct MarkdownText {
    /// Names (machines, peers) set as code spans wherever they appear in running text, outside URLs; matched
    /// without regard to ASCII case, as whole names.
    private let hosts: [[Unicode.Scalar]]

    public init(hosts: [String] = []) {
        var names = Set<String>()
        for host in hosts where !host.isEmpty {
            names.insert(host.lowercased())
            // A peer `host:port` also appears as its host alone.
            if let colon = host.lastIndex(of: ":"), host[host.index(after: colon)...].allSatisfy(\.isNumber) {
                names.insert(String(host[..<colon]).lowercased())
            }
        }
        self.hosts = names.filter { !$0.isEmpty }.sorted { $0.count > $1.count }.map { Array($0.unicodeScalars) }
    }

    // MARK: - Pieces

    /// `text` as a code span, whatever backticks it holds; line breaks and control characters folded.
    public static func code(_ text: String) -> String {
        let content = fold(text)
        var longest = 0, run = 0
        for scalar in content.unicodeScalars {
            run = scalar == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        // A space keeps a backtick at either end from joining the fence (Markdown strips one on each side).
        let pad = content.hasPrefix("`") || content.hasSuffix("`") || content.isEmpty ? " " : ""
        return fence + pad + content + pad + fence
    }

    /// A code span for a table cell: a pipe would end the cell even inside code.
    public static func cell(_ text: String) -> String {
        code(text).replacingPipes()
    }

    /// A URL as an autolink, when it can be one (no spaces or angle brackets); otherwise as code.
    public static func link(_ url: String) -> String {
        let folded = fold(url)
        if folded.unicodeScalars.contains(where: { $0 == " " || $0 == "<" || $0 == ">" }) { return code(folded) }
        return "<" + folded + ">"
    }

    // MARK: - Running text

    /// Running text (one line): URLs as autolinks, known hosts as code spans, a pair of backticks kept as the
    /// code span it is, and only the characters escaped that Markdown would act on here. Written as if at
    /// the start of a line (after a list marker or as a paragraph), so a leading `#`, `>`, `-`, `1.` is
    /// escaped too.
    public func inline(_ text: String) -> String {
        let scalars = Array(Self.fold(text).trimmingSpaces().unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        var atStart = true
        func emit(_ piece: String) {
            out.append(contentsOf: piece.unicodeScalars)
            atStart = false
        }
        while i < scalars.count {
            let scalar = scalars[i]
            if let end = Self.urlEnd(scalars, at: i) {
                emit("<" + String(String.UnicodeScalarView(scalars[i..<end])) + ">")
                i = end
                continue
            }
            if scalar == "`" {
                let (run, close) = Self.codeSpan(scalars, at: i)
                if let close {
                    emit(String(String.UnicodeScalarView(scalars[i..<close + run])))
                    i = close + run
                } else {
                    for _ in 0..<run { emit("\\`") }
                    i += run
                }
                continue
            }
            if let length = hostMatch(scalars, at: i) {
                emit(Self.code(String(String.UnicodeScalarView(scalars[i..<i + length]))))
                i += length
                continue
            }
            if atStart, let escaped = Self.lineStart(scalars, at: i) {
                emit(escaped.text)
                i += escaped.length
                continue
            }
            emit(Self.escaped(scalars, at: i))
            i += 1
        }
        return String(out)
    }

    /// The length of a known host name at `i`, standing as a whole name.
    private func hostMatch(_ scalars: [Unicode.Scalar], at i: Int) -> Int? {
        guard !hosts.isEmpty, i == 0 || !Self.isNamePart(scalars[i - 1]) else { return nil }
        for host in hosts where i + host.count <= scalars.count {
            var equal = true
            for k in 0..<host.count where Self.lower(scalars[i + k]) != host[k] {
                equal = false
                break
            }
            guard equal else { continue }
            let after = i + host.count
            // `name.` at the end of a sentence is still the name; `name.example` is another one.
            if after < scalars.count && Self.isNamePart(scalars[after])
                && !(scalars[after] == "." && (after + 1 == scalars.count || !Self.isNamePart(scalars[after + 1]))) {
                continue
            }
            return host.count
        }
        return nil
    }

    // MARK: - Characters

    /// Line breaks and tabs as spaces, other control characters as U+FFFD.
    static func fold(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A, 0x0D, 0x09: out.append(" ")
            case 0..<0x20, 0x7F, 0x80..<0xA0: out.append("\u{FFFD}")
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// The scalar at `i`, escaped if Markdown would act on it where it stands.
    private static func escaped(_ s: [Unicode.Scalar], at i: Int) -> String {
        let scalar = s[i]
        let next: Unicode.Scalar? = i + 1 < s.count ? s[i + 1] : nil
        let previous: Unicode.Scalar? = i > 0 ? s[i - 1] : nil
        switch scalar {
        case "*", "~":
            return "\\" + String(scalar)
        case "_":
            // Inside a word (`ERROR_INTERNET_INVALID_CA`) an underscore is never emphasis.
            let inWord = previous.map(isWordPart) ?? false && next.map(isWordPart) ?? false
            return inWord ? "_" : "\\_"
        case "\\":
            // Only a backslash before punctuation (or at the end, a hard line break) means anything.
            guard let next else { return "\\\\" }
            return isASCIIPunctuation(next) ? "\\\\" : "\\"
        case "<":
            // A tag, a comment or an autolink starts with `<` and a letter, `/`, `!` or `?`. An entity, not a
            // backslash: older renderers do not honour `\\<` and would pass the tag through.
            guard let next, next.properties.isAlphabetic || next == "/" || next == "!" || next == "?" else { return "<" }
            return "&lt;"
        case "&":
            // An entity (`&amp;`, `&#60;`) would be decoded.
            guard let next, next.properties.isAlphabetic || next == "#" else { return "&" }
            return "&amp;"
        case "]":
            // `[text](url)`, `[text][ref]` and `[ref]: url` make links; a bracket alone does not.
            guard let next, next == "(" || next == "[" || next == ":" else { return "]" }
            return "\\]"
        default:
            return String(scalar)
        }
    }

    /// What starts a block at the beginning of a line: headings, quotes, list markers, rules, HTML,
    /// link definitions and task boxes.
    private static func lineStart(_ s: [Unicode.Scalar], at i: Int) -> (text: String, length: Int)? {
        let scalar = s[i]
        if scalar == "<" { return ("&lt;", 1) }
        if ["#", ">", "-", "+", "=", "[", "|"].contains(scalar) { return ("\\" + String(scalar), 1) }
        // An ordered list marker: up to nine digits and `.` or `)`.
        var j = i
        while j < s.count, j - i < 10, ("0"..."9").contains(s[j]) { j += 1 }
        if j > i, j - i <= 9, j < s.count, s[j] == "." || s[j] == ")" {
            return (String(String.UnicodeScalarView(s[i..<j])) + "\\" + String(s[j]), j - i + 1)
        }
        return nil
    }

    /// The end of a URL starting at `i` (`http://` or `https://`), without the punctuation that ends a
    /// sentence around it.
    private static func urlEnd(_ s: [Unicode.Scalar], at i: Int) -> Int? {
        guard s[i] == "h" || s[i] == "H", i == 0 || !isWordPart(s[i - 1]) else { return nil }
        var k = i
        for expected in "http".unicodeScalars {
            guard k < s.count, lower(s[k]) == expected else { return nil }
            k += 1
        }
        if k < s.count, lower(s[k]) == "s" { k += 1 }
        for expected in "://".unicodeScalars {
            guard k < s.count, s[k] == expected else { return nil }
            k += 1
        }
        let hostStart = k
        while k < s.count, !(s[k] == " " || s[k] == "<" || s[k] == ">" || s[k] == "\"" || s[k] == "`"
                             || s[k] == "\u{FFFD}" || s[k] == "\\") { k += 1 }
        // Trailing punctuation belongs to the sentence; a `)` only when the URL opened none.
        while k > hostStart {
            let last = s[k - 1]
            if [".", ",", ";", ":", "!", "?", "'", "…"].contains(last) { k -= 1; continue }
            if last == ")" {
                let opened = s[hostStart..<k].filter { $0 == "(" }.count, closed = s[hostStart..<k].filter { $0 == ")" }.count
                if closed > opened { k -= 1; continue }
            }
            break
        }
        return k > hostStart ? k : nil
    }

    /// A run of backticks at `i` and where the matching run closes it, if it does.
    private static func codeSpan(_ s: [Unicode.Scalar], at i: Int) -> (run: Int, close: Int?) {
        var run = 0
        while i + run < s.count, s[i + run] == "`" { run += 1 }
        var k = i + run
        while k < s.count {
            if s[k] == "`" {
                var other = 0
                while k + other < s.count, s[k + other] == "`" { other += 1 }
                if other == run { return (run, k) }
                k += other
            } else {
                k += 1
            }
        }
        return (run, nil)
    }

    private static func lower(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar
    }

    private static func isWordPart(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    /// Letters, digits, `-`, `_` and `.`: what a host name is made of.
    private static func isNamePart(_ scalar: Unicode.Scalar) -> Bool {
        isWordPart(scalar) || scalar == "-" || scalar == "_" || scalar == "."
    }

    private static func isASCIIPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (0x21...0x2F ~= scalar.value || 0x3A...0x40 ~= scalar.value || 0x5B...0x60 ~= scalar.value
                           || 0x7B...0x7E ~= scalar.value)
    }
}

private extension String {
    func replacingPipes() -> String {
        var out = ""
        for character in self { out += character == "|" ? "\\|" : String(character) }
        return out
    }
}
