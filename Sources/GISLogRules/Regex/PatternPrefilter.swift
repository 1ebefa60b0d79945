internal import CGISLogShims

/// Texts of which every match of a pattern contains at least one, so a cheap search can answer "no match"
/// without running the pattern: for the patterns the rule gate cannot help (no single case-sensitive
/// literal), such as `(?:curl: \(…|SSL certificate problem: …)` or `(?i)…expired token…`.
///
/// A caseless text is compared without ASCII case. Caseless matching in UTF mode also lets a few
/// non-ASCII letters stand for ASCII ones (`ſ` for `s`, the Kelvin sign for `k`), so a text with any byte
/// above 0x7F always passes a caseless alternative.
public struct PatternPrefilter: Sendable, Hashable {
    /// One text to look for, as bytes; lower case when `caseless`.
    public struct Alternative: Sendable, Hashable {
        public var bytes: [UInt8]
        public var caseless: Bool
    }

    public let alternatives: [Alternative]

    /// Whether `subject` contains one of the texts (or might, for a caseless one).
    public func mayMatch(_ subject: UnsafeRawBufferPointer) -> Bool {
        let compact = Compact(self)
        defer { compact.free() }
        return compact.mayMatch(subject)
    }

    /// Whether `text` contains `lower` (lower case ASCII) with ASCII letters compared without case.
    static func containsIgnoringCase(_ text: UnsafeRawBufferPointer, _ lower: [UInt8]) -> Bool {
        guard let base = text.baseAddress, !lower.isEmpty else { return lower.isEmpty }
        return lower.withUnsafeBufferPointer { needle in
            gislog_contains_text(base.assumingMemoryBound(to: UInt8.self), text.count, needle.baseAddress!, needle.count, 1) != 0
        }
    }

    /// The texts in plain memory, for the check before every match: no reference counting per record.
    /// Owned by whoever made it (`free`).
    struct Compact {
        let texts: UnsafeMutableBufferPointer<(bytes: UnsafeMutableRawBufferPointer, caseless: Bool, anchors: UInt32)>

        init(_ prefilter: PatternPrefilter) {
            texts = .allocate(capacity: prefilter.alternatives.count)
            for (index, alternative) in prefilter.alternatives.enumerated() {
                let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, alternative.bytes.count), alignment: 1)
                bytes.copyBytes(from: alternative.bytes)
                let anchors = gislog_text_anchors(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), alternative.bytes.count)
                texts[index] = (UnsafeMutableRawBufferPointer(rebasing: bytes[0..<alternative.bytes.count]), alternative.caseless,
                                anchors)
            }
        }

        func free() {
            for text in texts { text.bytes.baseAddress.map { $0.deallocate() } }
            texts.deallocate()
        }

        @inline(__always)
        func mayMatch(_ subject: UnsafeRawBufferPointer) -> Bool {
            guard let base = subject.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
            var nonASCII = -1
            for text in texts {
                if text.caseless {
                    if nonASCII < 0 { nonASCII = gislog_first_non_ascii(base, subject.count) < subject.count ? 1 : 0 }
                    if nonASCII == 1 { return true }
                }
                if gislog_contains_text_at(base, subject.count, text.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self),
                                           text.bytes.count, text.caseless ? 1 : 0, text.anchors) != 0 {
                    return true
                }
            }
            return false
        }
    }
}

extension LiteralExtractor {
    /// The prefilter of a pattern whose gate has no single case-sensitive literal, or nil when no texts
    /// can be derived safely. Reads, conservatively: a leading `(?i)`; alternation at the top level; and
    /// groups that must match (`(?:…)`, `(?<name>…)`, `(…)`, `(?i:…)`, with no `?`, `*` or `{0,` after
    /// them), each of whose alternatives must yield a text.
    static func prefilter(in pattern: String, caseless: Bool) -> PatternPrefilter? {
        let scalars = Array(pattern.unicodeScalars)
        guard !hasSyntaxToAvoid(scalars),
              let alternatives = texts(scalars, caseless: caseless, depth: 0) else { return nil }
        return PatternPrefilter(alternatives: alternatives.map { text in
            let bytes = Array(String(String.UnicodeScalarView(text.scalars)).utf8)
            return PatternPrefilter.Alternative(
                bytes: text.caseless ? bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 } : bytes,
                caseless: text.caseless)
        })
    }

    private typealias Text = (scalars: [Unicode.Scalar], caseless: Bool)

    /// Syntax this reading could take for text: `\Q…\E` quoting, comments, verbs, POSIX classes, and
    /// option settings (`(?x)`, `(?-i)`, …) anywhere but a leading `(?i)` (they also change the branches
    /// after them).
    private static func hasSyntaxToAvoid(_ scalars: [Unicode.Scalar]) -> Bool {
        let text = String(String.UnicodeScalarView(scalars))
        if text.contains("\\Q") || text.contains("(?#") || text.contains("(*") || text.contains("[:") { return true }
        var index = 0
        while index + 2 < scalars.count {
            if scalars[index] == "\\" {
                index += 2
                continue
            }
            if scalars[index] == "(", scalars[index + 1] == "?" {
                var end = index + 2
                while end < scalars.count, scalars[end].properties.isAlphabetic || scalars[end] == "-" || scalars[end] == "^" {
                    end += 1
                }
                // `(?` + letters + `)` sets options for the rest of the group.
                if end > index + 2, end < scalars.count, scalars[end] == ")", !(index == 0 && end == 3 && scalars[2] == "i") {
                    return true
                }
            }
            index += 1
        }
        return false
    }

    /// Texts of which every match of `scalars` contains one, or nil.
    private static func texts(_ scalars: [Unicode.Scalar], caseless: Bool, depth: Int) -> [Text]? {
        guard depth < 8 else { return nil }
        var scalars = scalars, caseless = caseless
        if scalars.starts(with: Array("(?i)".unicodeScalars)) {
            scalars.removeFirst(4)
            caseless = true
        }
        let branches = split(scalars)
        if branches.count > 1 {
            var all: [Text] = []
            for branch in branches {
                guard let found = texts(branch, caseless: caseless, depth: depth + 1) else { return nil }
                all += found
            }
            return all
        }
        // One literal run through the whole pattern is the best answer (a caseless one only if its letters
        // are ASCII: other letters have case variants the byte search would not see).
        if let literal = requiredLiteral(in: String(String.UnicodeScalarView(scalars))),
           !caseless || literal.unicodeScalars.allSatisfy(\.isASCII) {
            return [(Array(literal.unicodeScalars), caseless)]
        }
        // Else the required group whose texts are the longest (by their shortest).
        var best: [Text]?
        for (content, groupCaseless) in requiredGroups(scalars) {
            guard let found = texts(content, caseless: caseless || groupCaseless, depth: depth + 1) else { continue }
            let shortest = found.map(\.scalars.count).min() ?? 0
            if shortest >= minimumLength && shortest > (best?.map(\.scalars.count).min() ?? 0) { best = found }
        }
        return best
    }

    /// The pattern split at its top-level `|`.
    private static func split(_ scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var branches: [[Unicode.Scalar]] = [[]]
        var depth = 0, index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "\\":
                branches[branches.count - 1] += scalars[index..<min(index + 2, scalars.count)]
                index += 2
                continue
            case "[":
                let end = min(skipClassForPrefilter(scalars, from: index), scalars.count)
                branches[branches.count - 1] += scalars[index..<end]
                index = end
                continue
            case "(": depth += 1
            case ")": depth -= 1
            case "|" where depth == 0:
                branches.append([])
                index += 1
                continue
            default: break
            }
            branches[branches.count - 1].append(scalar)
            index += 1
        }
        return branches
    }

    /// The top-level groups that every match goes through, with their content and whether it is
    /// caseless (`(?i:…)`). Lookarounds, atomic groups, other options and optional groups are left out.
    private static func requiredGroups(_ scalars: [Unicode.Scalar]) -> [([Unicode.Scalar], Bool)] {
        var groups: [([Unicode.Scalar], Bool)] = []
        var index = 0
        while index < scalars.count {
            switch scalars[index] {
            case "\\":
                index += 2
            case "[":
                index = skipClassForPrefilter(scalars, from: index)
            case "(":
                guard let close = matchingParenthesis(scalars, from: index) else { return groups }
                var contentStart = index + 1
                var groupCaseless = false
                var usable = index + 1 < close && scalars[index + 1] != "*"
                if contentStart < close, scalars[contentStart] == "?" {
                    let rest = Array(scalars[(contentStart + 1)..<close])
                    if rest.first == ":" {
                        contentStart += 2
                    } else if rest.starts(with: Array("i:".unicodeScalars)) {
                        contentStart += 3
                        groupCaseless = true
                    } else if rest.first == "<" || rest.starts(with: Array("P<".unicodeScalars)) {
                        let nameStart = contentStart + (rest.first == "<" ? 2 : 3)
                        if nameStart < close, scalars[nameStart] == "=" || scalars[nameStart] == "!" {
                            usable = false
                        } else if let end = scalars[nameStart..<close].firstIndex(of: ">") {
                            contentStart = end + 1
                        } else {
                            usable = false
                        }
                    } else {
                        usable = false
                    }
                }
                let after = close + 1
                if after < scalars.count {
                    switch scalars[after] {
                    case "?", "*": usable = false
                    case "{": if after + 1 < scalars.count, scalars[after + 1] == "0" || scalars[after + 1] == "," { usable = false }
                    default: break
                    }
                }
                if usable { groups.append((Array(scalars[contentStart..<close]), groupCaseless)) }
                index = after
            default:
                index += 1
            }
        }
        return groups
    }

    private static func matchingParenthesis(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        var depth = 0, index = start
        while index < scalars.count {
            switch scalars[index] {
            case "\\": index += 2; continue
            case "[": index = skipClassForPrefilter(scalars, from: index); continue
            case "(": depth += 1
            case ")":
                depth -= 1
                if depth == 0 { return index }
            default: break
            }
            index += 1
        }
        return nil
    }

    private static func skipClassForPrefilter(_ scalars: [Unicode.Scalar], from start: Int) -> Int {
        var index = start + 1
        if index < scalars.count, scalars[index] == "^" { index += 1 }
        if index < scalars.count, scalars[index] == "]" { index += 1 }
        while index < scalars.count, scalars[index] != "]" {
            index += scalars[index] == "\\" ? 2 : 1
        }
        return index + 1
    }
}
