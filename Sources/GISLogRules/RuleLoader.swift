import GISLogRecords
import GISLogInput

/// Reads rule files: YAML into `Rule` values, with every problem collected as a `RuleIssue`.
///
/// A file is a list of rules, or a mapping with a `rules:` list. The smallest rule has four keys:
/// `id`, `title`, `category`, `pattern`.
public enum RuleLoader {
    /// Every key a rule may have.
    static let ruleKeys = [
        "id", "title", "category", "level", "status", "description", "author", "date", "modified",
        "pattern", "unless", "caseless", "log_levels", "codes", "sources", "products", "literal", "references",
        "falsepositives", "tags", "evidence", "samples",
    ]
    static let fileKeys = ["rules", "causes", "scoring", "title", "description"]
    static let sampleKeys = ["match", "no_match"]
    static let sampleItemKeys = ["text", "fields"]
    static let referenceKeys = ["title", "url"]

    /// Parses one rule file's text.
    /// - Parameters:
    ///   - file: the name used in messages and in each rule's origin.
    ///   - isBuiltin: the file is part of the pack built into gislog.
    /// - Returns: the rules read, and every problem found (the rules are unusable if there is any).
    public static func parse(_ text: String, file: String, isBuiltin: Bool = false) -> (rules: [Rule], issues: [RuleIssue]) {
        let parsed = parseFile(text, file: file, isBuiltin: isBuiltin)
        return (parsed.rules, parsed.issues)
    }

    /// Parses a file that may hold rules, a `causes:` list, or both.
    static func parseFile(_ text: String, file: String, isBuiltin: Bool) -> (rules: [Rule], causes: [CauseDefinition], issues: [RuleIssue]) {
        let parsed = parseFileWithScoring(text, file: file, isBuiltin: isBuiltin)
        return (parsed.rules, parsed.causes, parsed.issues)
    }

    /// Parses a file that may hold rules, a `causes:` list, a `scoring:` table, or several of them.
    static func parseFileWithScoring(_ text: String, file: String, isBuiltin: Bool)
        -> (rules: [Rule], causes: [CauseDefinition], scoring: [ScoringEntry], issues: [RuleIssue]) {
        var scoring: [ScoringEntry] = []
        let parsed = parseFileContent(text, file: file, isBuiltin: isBuiltin, scoring: &scoring)
        return (parsed.rules, parsed.causes, scoring, parsed.issues)
    }

    private static func parseFileContent(_ text: String, file: String, isBuiltin: Bool, scoring: inout [ScoringEntry])
        -> (rules: [Rule], causes: [CauseDefinition], issues: [RuleIssue]) {
        var issues: [RuleIssue] = []
        let root: YAMLNode
        do {
            root = try YAMLParser.parse(text)
        } catch {
            return ([], [], [RuleIssue(file: file, line: error.line, column: error.column, message: "YAML: " + error.message)])
        }
        var list: [YAMLNode] = []
        var causes: [CauseDefinition] = []
        switch root.value {
        case .sequence(let items):
            list = items
        case .mapping(let entries):
            if entries.isEmpty { return ([], [], []) }
            for entry in entries where !fileKeys.contains(entry.key.scalar ?? "") {
                issues.append(issue(file, entry.key, nil, "unknown key '\(entry.key.scalar ?? "")' at the top of the file"
                                    + suggestion(entry.key.scalar ?? "", fileKeys) + "; a rule file is a list of rules or has a 'rules:' list"))
            }
            if let causesNode = entries.first(where: { $0.key.scalar == "causes" })?.value {
                causes = parseCauses(causesNode, file: file, isBuiltin: isBuiltin, issues: &issues)
            }
            if let scoringNode = entries.first(where: { $0.key.scalar == "scoring" })?.value {
                scoring = parseScoring(scoringNode, file: file, issues: &issues)
            }
            if let rulesNode = entries.first(where: { $0.key.scalar == "rules" })?.value {
                guard case .sequence(let items) = rulesNode.value else {
                    issues.append(issue(file, rulesNode, nil, "'rules' must be a list of rules"))
                    return ([], causes, issues)
                }
                list = items
            } else if !entries.contains(where: { $0.key.scalar == "causes" || $0.key.scalar == "scoring" }) {
                issues.append(issue(file, root, nil, "no 'rules:' list; a rule file is a list of rules or has a 'rules:' list"))
                return ([], [], issues)
            }
        case .scalar:
            if root.isNull { return ([], [], []) }
            return ([], [], [issue(file, root, nil, "expected a list of rules")])
        }
        var rules: [Rule] = []
        var seen: [String: Int] = [:]
        for node in list {
            // Duplicate ids within a file are found here, even when one of the rules has other problems.
            if case .mapping(let entries) = node.value, let idNode = entries.first(where: { $0.key.scalar == "id" })?.value,
               let id = idNode.scalar {
                if let first = seen[id] {
                    issues.append(issue(file, node, id, "duplicate id (also at \(file):\(first))"))
                    continue
                }
                seen[id] = node.line
            }
            if let rule = parseRule(node, file: file, isBuiltin: isBuiltin, issues: &issues) { rules.append(rule) }
        }
        return (rules, causes, issues)
    }

    private static func parseRule(_ node: YAMLNode, file: String, isBuiltin: Bool, issues: inout [RuleIssue]) -> Rule? {
        guard case .mapping(let entries) = node.value else {
            issues.append(issue(file, node, nil, "expected a rule (a mapping with id, title, category and pattern)"))
            return nil
        }
        let byKey = Dictionary(entries.map { ($0.key.scalar ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        let id = byKey["id"]?.value.scalar
        var ok = true
        func report(_ at: YAMLNode, _ message: String) {
            issues.append(issue(file, at, id, message))
            ok = false
        }
        for entry in entries where !ruleKeys.contains(entry.key.scalar ?? "") {
            let key = entry.key.scalar ?? ""
            report(entry.key, "unknown key '\(key)'" + suggestion(key, ruleKeys))
        }
        for required in ["id", "title", "category", "pattern"] where byKey[required] == nil {
            report(node, "missing '\(required)' (every rule needs id, title, category and pattern)")
        }
        func text(_ key: String) -> String? {
            guard let value = byKey[key]?.value else { return nil }
            guard let scalar = value.scalar, !value.isNull else {
                report(value, "'\(key)' must be text")
                return nil
            }
            return scalar
        }
        // Keep going after a missing key, so that every other problem of the rule is reported too.
        let idText = text("id") ?? "", title = text("title") ?? "-", categoryText = text("category") ?? "certificate"
        let pattern = text("pattern") ?? "-"
        if byKey["id"] != nil, idText.isEmpty || !idText.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) }) {
            report(byKey["id"]!.value, "id '\(idText)' must be letters, digits, '.', '_' or '-' (ids are stable names other tools rely on)")
        }
        if title.trimmingSpaces().isEmpty { report(byKey["title"]?.value ?? node, "'title' is empty") }
        if pattern.isEmpty { report(byKey["pattern"]?.value ?? node, "'pattern' is empty") }
        guard let category = RuleCategory(rawValue: categoryText) else {
            report(byKey["category"]!.value, "unknown category '\(categoryText)'; expected one of "
                   + RuleCategory.allCases.map(\.rawValue).joined(separator: ", "))
            return nil
        }
        let patternNode = byKey["pattern"]?.value ?? node
        var origin = RuleOrigin(file: file, line: node.line, isBuiltin: isBuiltin)
        origin.patternLine = patternNode.line
        if case .scalar(_, let quoted) = patternNode.value, quoted {
            origin.patternColumn = patternNode.column + 1
        } else {
            origin.patternColumn = patternNode.column
        }
        var rule = Rule(id: idText, title: title, category: category, pattern: pattern, origin: origin)
        if let level = text("level") {
            if let severity = RuleSeverity(rawValue: level) { rule.severity = severity } else {
                report(byKey["level"]!.value, "unknown level '\(level)'; expected one of "
                       + RuleSeverity.allCases.map(\.rawValue).joined(separator: ", ")
                       + " (record levels such as SEVERE go under 'log_levels')")
            }
        }
        rule.status = text("status")
        rule.description = text("description")
        rule.author = text("author")
        rule.date = text("date")
        rule.modified = text("modified")
        if let caseless = text("caseless") {
            switch caseless {
            case "true", "yes": rule.caseless = true
            case "false", "no": rule.caseless = false
            default: report(byKey["caseless"]!.value, "'caseless' must be true or false")
            }
        }
        if let unless = text("unless") {
            if unless.isEmpty { report(byKey["unless"]!.value, "'unless' is empty") }
            rule.unless = unless
        }
        if let literal = text("literal") {
            if literal.isEmpty { report(byKey["literal"]!.value, "'literal' is empty") }
            rule.literal = literal
        }
        for item in strings("log_levels", byKey, report) {
            let level = Level(name: item.text.uppercased())
            if level == .unknown || item.text.uppercased() != level.name {
                report(item.node, "unknown log level '\(item.text)'; expected SEVERE, WARNING, INFO, FINE, VERBOSE or DEBUG")
            } else {
                rule.logLevels.insert(level)
            }
        }
        for item in strings("codes", byKey, report) {
            if let code = Int(item.text), code >= 0 { rule.codes.insert(code) } else {
                report(item.node, "code '\(item.text)' is not a number")
            }
        }
        rule.sources = strings("sources", byKey, report).map(\.text)
        for item in strings("products", byKey, report) {
            if let product = Product(rawValue: item.text.lowercased()), product != .unknown { rule.products.insert(product) } else {
                report(item.node, "unknown product '\(item.text)'; expected server, portal or datastore")
            }
        }
        rule.tags = strings("tags", byKey, report).map(\.text)
        if let evidence = text("evidence") {
            if let value = Evidence(rawValue: evidence) { rule.evidence = value } else {
                report(byKey["evidence"]!.value, "unknown evidence '\(evidence)'; expected one of "
                       + Evidence.allCases.map(\.rawValue).joined(separator: ", "))
            }
        }
        rule.falsePositives = strings("falsepositives", byKey, report).map(\.text)
        if let references = byKey["references"]?.value {
            rule.references = parseReferences(references, report)
        }
        if let samples = byKey["samples"]?.value {
            parseSamples(samples, into: &rule, report)
        }
        return ok ? rule : nil
    }

    /// A list of scalars (or a single scalar) under `key`.
    private static func strings(_ key: String, _ byKey: [String: YAMLEntry],
                                _ report: (YAMLNode, String) -> Void) -> [(text: String, node: YAMLNode)] {
        guard let value = byKey[key]?.value else { return [] }
        switch value.value {
        case .scalar(let text, _):
            return value.isNull ? [] : [(text, value)]
        case .sequence(let items):
            var out: [(String, YAMLNode)] = []
            for item in items {
                if let text = item.scalar { out.append((text, item)) } else { report(item, "'\(key)' must be a list of values") }
            }
            return out
        case .mapping:
            report(value, "'\(key)' must be a list")
            return []
        }
    }

    static func parseReferences(_ node: YAMLNode, _ report: (YAMLNode, String) -> Void) -> [RuleReference] {
        guard case .sequence(let items) = node.value else {
            report(node, "'references' must be a list of URLs or of {title, url}")
            return []
        }
        var references: [RuleReference] = []
        for item in items {
            switch item.value {
            case .scalar(let text, _):
                references.append(text.hasPrefix("http") ? RuleReference(title: text, url: text) : RuleReference(title: text, url: nil))
            case .mapping(let entries):
                for entry in entries where !referenceKeys.contains(entry.key.scalar ?? "") {
                    report(entry.key, "unknown key '\(entry.key.scalar ?? "")' in a reference; expected title and url")
                }
                let title = entries.first { $0.key.scalar == "title" }?.value.scalar
                let url = entries.first { $0.key.scalar == "url" }?.value.scalar
                guard title != nil || url != nil else { report(item, "a reference needs a title or a url"); continue }
                references.append(RuleReference(title: title ?? url!, url: url))
            case .sequence:
                report(item, "a reference is a URL or {title, url}")
            }
        }
        return references
    }

    private static func parseSamples(_ node: YAMLNode, into rule: inout Rule, _ report: (YAMLNode, String) -> Void) {
        guard case .mapping(let entries) = node.value else {
            report(node, "'samples' must have 'match' and/or 'no_match' lists")
            return
        }
        for entry in entries {
            let key = entry.key.scalar ?? ""
            guard sampleKeys.contains(key) else {
                report(entry.key, "unknown key '\(key)' in samples" + suggestion(key, sampleKeys))
                continue
            }
            guard case .sequence(let items) = entry.value.value else {
                report(entry.value, "'\(key)' must be a list of lines")
                continue
            }
            for item in items {
                switch item.value {
                case .scalar(let text, _):
                    let sample = RuleSample(text: text, fields: [:], line: item.line)
                    if key == "match" { rule.mustMatch.append(sample) } else { rule.mustNotMatch.append(sample) }
                case .mapping(let fields):
                    var sample = RuleSample(text: "", fields: [:], line: item.line)
                    for field in fields {
                        switch field.key.scalar ?? "" {
                        case "text":
                            sample.text = field.value.scalar ?? ""
                        case "fields":
                            guard case .mapping(let pairs) = field.value.value else {
                                report(field.value, "'fields' must map group names to the values they must capture")
                                continue
                            }
                            for pair in pairs {
                                sample.fields[pair.key.scalar ?? ""] = pair.value.isNull ? .some(nil) : .some(pair.value.scalar ?? "")
                            }
                        default:
                            report(field.key, "unknown key '\(field.key.scalar ?? "")' in a sample; expected text and fields")
                        }
                    }
                    if key == "no_match" && !sample.fields.isEmpty {
                        report(item, "a 'no_match' sample cannot have fields")
                    }
                    if key == "match" { rule.mustMatch.append(sample) } else { rule.mustNotMatch.append(sample) }
                case .sequence:
                    report(item, "a sample is a line of text or {text, fields}")
                }
            }
        }
    }

    static func issue(_ file: String, _ node: YAMLNode, _ id: String?, _ message: String) -> RuleIssue {
        RuleIssue(file: file, line: node.line, column: node.column, ruleID: id, message: message)
    }

    /// ` (did you mean 'pattern'?)` when a known word is close to `word`.
    static func suggestion(_ word: String, _ known: [String]) -> String {
        let scored = known.map { ($0, editDistance(word.lowercased(), $0)) }.min { $0.1 < $1.1 }
        guard let (best, distance) = scored, distance <= max(2, word.count / 3) else { return "" }
        return " (did you mean '\(best)'?)"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
