import GISLogInput

/// The ids of the causes gislog can rank. Other tools and tests rely on them; they never change.
public enum CauseID: String, Sendable, Hashable, CaseIterable {
    case untrustedCA = "untrusted-ca"
    case tokenExpiry = "token-expiry"
    case selfSignedCertificate = "self-signed-certificate"
    case machineRestart = "machine-restart"
    case expiredCertificate = "expired-certificate"
    case hostnameMismatch = "hostname-mismatch"
    case revocationCheckFailed = "revocation-check-failed"
    case clientCertificateRequired = "client-certificate-required"

    /// The four causes of Esri's article on error 12045; they compete to explain the same failures.
    public static let seedCauses: [CauseID] = [.untrustedCA, .tokenExpiry, .selfSignedCertificate, .machineRestart]
}

/// The words of a cause, from a causes file: title, explanation, which events it can explain, and the
/// steps to take, with `{placeholders}` that the report fills from the logs.
public struct CauseDefinition: Sendable, Hashable {
    public var id: CauseID
    public var title: String
    public var summary: String
    /// Rule ids whose events this cause can explain.
    public var explains: [String]
    public var steps: [CauseStep]
    public var references: [RuleReference]
    public var origin: RuleOrigin
}

extension RuleLoader {
    static let causeKeys = ["id", "title", "summary", "explains", "steps", "references"]

    /// Parses a `causes:` list.
    static func parseCauses(_ node: YAMLNode, file: String, isBuiltin: Bool, issues: inout [RuleIssue]) -> [CauseDefinition] {
        guard case .sequence(let items) = node.value else {
            issues.append(issue(file, node, nil, "'causes' must be a list"))
            return []
        }
        var causes: [CauseDefinition] = []
        for item in items {
            guard case .mapping(let entries) = item.value else {
                issues.append(issue(file, item, nil, "expected a cause (a mapping with id, title, summary, explains, steps)"))
                continue
            }
            let byKey = Dictionary(entries.map { ($0.key.scalar ?? "", $0) }, uniquingKeysWith: { first, _ in first })
            let idText = byKey["id"]?.value.scalar
            var ok = true
            func report(_ at: YAMLNode, _ message: String) {
                issues.append(issue(file, at, idText, message))
                ok = false
            }
            for entry in entries where !causeKeys.contains(entry.key.scalar ?? "") {
                report(entry.key, "unknown key '\(entry.key.scalar ?? "")' in a cause" + suggestion(entry.key.scalar ?? "", causeKeys))
            }
            for required in ["id", "title", "summary", "steps"] where byKey[required] == nil {
                report(item, "missing '\(required)' (a cause needs id, title, summary and steps)")
            }
            guard let idText, let id = CauseID(rawValue: idText) else {
                if let idNode = byKey["id"]?.value {
                    report(idNode, "unknown cause id '\(idText ?? "")'; gislog computes the evidence of "
                           + CauseID.allCases.map(\.rawValue).joined(separator: ", ") + " and a causes file may change their words")
                }
                continue
            }
            func list(_ key: String) -> [String] {
                guard let value = byKey[key]?.value else { return [] }
                guard case .sequence(let items) = value.value else { report(value, "'\(key)' must be a list"); return [] }
                return items.compactMap { element in
                    guard let text = element.scalar else { report(element, "'\(key)' must be a list of text"); return nil }
                    return text
                }
            }
            let references = byKey["references"].map { entry in parseReferences(entry.value) { report($0, $1) } } ?? []
            let cause = CauseDefinition(
                id: id, title: (byKey["title"]?.value.scalar ?? "").trimmingSpaces(),
                summary: (byKey["summary"]?.value.scalar ?? "").trimmingCharacters(),
                explains: list("explains"), steps: byKey["steps"].map { parseSteps($0.value) { report($0, $1) } } ?? [], references: references,
                origin: RuleOrigin(file: file, line: item.line, isBuiltin: isBuiltin))
            if ok { causes.append(cause) }
        }
        return causes
    }
}

extension RuleLoader {
    static let stepKeys = ["do", "source", "when", "each", "each_do"]
    static let conditionKeys = ["failing", "client", "peer", "version"]

    /// Parses a cause's `steps:`: each a text, or a mapping with `do`, `source`, `when`, `each`, `each_do`.
    static func parseSteps(_ node: YAMLNode, _ report: (YAMLNode, String) -> Void) -> [CauseStep] {
        guard case .sequence(let items) = node.value else {
            report(node, "'steps' must be a list of steps (text, or {do, source, when, each, each_do})")
            return []
        }
        var steps: [CauseStep] = []
        for item in items {
            switch item.value {
            case .scalar(let text, _):
                steps.append(CauseStep(text: text))
            case .sequence:
                report(item, "a step is a text or a mapping with 'do' (and 'source', 'when', 'each', 'each_do')")
            case .mapping(let entries):
                for entry in entries where !stepKeys.contains(entry.key.scalar ?? "") {
                    report(entry.key, "unknown key '\(entry.key.scalar ?? "")' in a step" + suggestion(entry.key.scalar ?? "", stepKeys))
                }
                let byKey = Dictionary(entries.map { ($0.key.scalar ?? "", $0.value) }, uniquingKeysWith: { first, _ in first })
                guard let text = byKey["do"]?.scalar, !text.trimmingSpaces().isEmpty else {
                    report(item, "a step needs 'do': the words of the step")
                    continue
                }
                var step = CauseStep(text: text)
                if let source = byKey["source"] {
                    if let url = source.scalar, url.hasPrefix("https://") || url.hasPrefix("http://") {
                        step.source = url
                    } else {
                        report(source, "'source' must be the URL of the documentation the step is written from")
                    }
                }
                if let when = byKey["when"] { step.when = parseCondition(when, report) }
                if let each = byKey["each"] {
                    if let name = each.scalar, let machines = StepMachines(rawValue: name) {
                        step.each = machines
                    } else {
                        report(each, "'each' must be one of " + StepMachines.allCases.map(\.rawValue).joined(separator: ", ")
                               + " (whose machines the step is repeated on)")
                    }
                }
                if let eachDo = byKey["each_do"] {
                    if let line = eachDo.scalar { step.eachText = line } else { report(eachDo, "'each_do' must be a text") }
                }
                if (step.each == nil) != (step.eachText == nil) {
                    report(item, "'each' and 'each_do' go together: whose machines, and the line written for each one")
                }
                steps.append(step)
            }
        }
        return steps
    }

    private static func parseCondition(_ node: YAMLNode, _ report: (YAMLNode, String) -> Void) -> StepCondition {
        guard case .mapping(let entries) = node.value else {
            report(node, "'when' must be a mapping of failing, client, peer and version")
            return StepCondition()
        }
        var condition = StepCondition()
        func values<T: RawRepresentable & CaseIterable>(_ node: YAMLNode, _ key: String, as type: T.Type) -> [T] where T.RawValue == String {
            let texts: [YAMLNode]
            switch node.value {
            case .scalar: texts = [node]
            case .sequence(let items): texts = items
            case .mapping: texts = []
            }
            var out: [T] = []
            for text in texts {
                if let value = text.scalar.flatMap(T.init(rawValue:)) { out.append(value); continue }
                report(text, "'\(key)' takes " + T.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return out
        }
        for entry in entries {
            switch entry.key.scalar ?? "" {
            case "failing": condition.failing = values(entry.value, "failing", as: Product.self).filter { $0 != .unknown }
            case "client": condition.client = values(entry.value, "client", as: TLSClient.self)
            case "peer": condition.peer = values(entry.value, "peer", as: PeerRole.self)
            case "version":
                if let text = entry.value.scalar, let range = VersionRange(text) {
                    condition.version = range
                } else {
                    report(entry.value, "'version' must be a range such as '>= 10.8', '< 10.8' or '>= 10.5 < 10.8'")
                }
            case let key:
                report(entry.key, "unknown key '\(key)' in 'when'" + suggestion(key, conditionKeys))
            }
        }
        return condition
    }
}

/// One weight of the diagnosis (`scoring:` in a causes file): a name such as `restart.onset` and a number.
public struct ScoringEntry: Sendable, Hashable {
    public var name: String
    public var value: Double
    public var origin: RuleOrigin
}

extension RuleLoader {
    /// Parses a `scoring:` table: names to numbers.
    static func parseScoring(_ node: YAMLNode, file: String, issues: inout [RuleIssue]) -> [ScoringEntry] {
        guard case .mapping(let entries) = node.value else {
            issues.append(issue(file, node, nil, "'scoring' must be a table of names and numbers (restart.onset: 4.0)"))
            return []
        }
        var table: [ScoringEntry] = []
        for entry in entries {
            let name = entry.key.scalar ?? ""
            guard let text = entry.value.scalar, let value = Double(text.trimmingSpaces()), value.isFinite else {
                issues.append(issue(file, entry.value, nil, "scoring '\(name)' must be a finite number"))
                continue
            }
            table.append(ScoringEntry(name: name, value: value, origin: RuleOrigin(file: file, line: entry.key.line, isBuiltin: false)))
        }
        return table
    }
}
