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
    public var steps: [String]
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
                explains: list("explains"), steps: list("steps"), references: references,
                origin: RuleOrigin(file: file, line: item.line, isBuiltin: isBuiltin))
            if ok { causes.append(cause) }
        }
        return causes
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
