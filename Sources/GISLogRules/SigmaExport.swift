import GISLogInput
/// A file the Sigma export writes: its name in the output folder and its YAML text.
public struct SigmaFile: Sendable, Hashable {
    public var name: String
    public var text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}

/// A rule the Sigma export left out, and why.
public struct SigmaRefusal: Sendable, Hashable {
    public var ruleID: String
    public var origin: RuleOrigin
    public var reason: String

    /// One line for a person: `rule 'id' (file:line): not exported: reason`.
    public var line: String { "rule '\(ruleID)' (\(origin)): not exported: \(reason)" }
}

/// The rule pack as Sigma rules (specification 2.x): one rule per gislog rule, matching the records of
/// `gislog scan --format ndjson --records all` on their ECS field names.
///
/// - `name` is the gislog rule id, `id` a UUID derived from it (`ruleUUID`), so that SIEM results map back
///   and a re-export keeps every id.
/// - The detection is the rule's gates and pattern: `log.level` (the level gate), `event.code` (the code
///   gate), `log.logger` (the source gate), `event.dataset` (the product gate), `message|re` (the pattern,
///   rewritten by `SigmaRegex`) and `message|contains|cased` (a declared `literal`).
/// - A rule whose pattern has no exact form in Sigma's regular expressions is refused with the reason.
public enum SigmaExport {
    /// The namespace of the rules' UUIDs (version 5, RFC 9562): `ruleUUID(id)` is
    /// `uuid5(9f3c4a7e-1d2b-5e8f-a6c0-67a1b2c3d4e5, id)`, e.g. in Python `uuid.uuid5(uuid.UUID(namespace), id)`.
    public static let namespace = "9f3c4a7e-1d2b-5e8f-a6c0-67a1b2c3d4e5"

    /// Sigma statuses; another `status` in a rule file is left out.
    static let statuses: Set<String> = ["stable", "test", "experimental", "deprecated", "unsupported"]
    /// Tag namespaces Sigma knows; other tags go to the `gislog` block only.
    static let tagNamespaces: Set<String> = ["attack", "car", "cve", "d3fend", "detection", "stp", "tlp"]

    /// A rule that has a Sigma form.
    public struct Exported: Sendable {
        public var rule: Rule
        public var regex: SigmaRegex
        /// The rule's `unless` pattern, as the detection's filter.
        public var filter: SigmaRegex?
        public var file: SigmaFile
    }

    /// Exports `rules` (in their order): the files to write, and the rules left out.
    public static func export(_ rules: [Rule], names: inout Set<String>) -> (exported: [Exported], refused: [SigmaRefusal]) {
        var exported: [Exported] = []
        var refused: [SigmaRefusal] = []
        var titles = Set<String>()
        for rule in rules {
            let regex: SigmaRegex
            var filter: SigmaRegex?
            do {
                regex = try SigmaRegex.translate(rule.pattern, caseless: rule.caseless)
            } catch {
                refused.append(SigmaRefusal(ruleID: rule.id, origin: rule.origin, reason: "its pattern has \(error.reason)"))
                continue
            }
            if let unless = rule.unless {
                do {
                    filter = try SigmaRegex.translate(unless, caseless: rule.caseless)
                } catch {
                    refused.append(SigmaRefusal(ruleID: rule.id, origin: rule.origin, reason: "its 'unless' pattern has \(error.reason)"))
                    continue
                }
            }
            var title = rule.title
            if !titles.insert(title.lowercased()).inserted {
                title += " (\(rule.id))"
                titles.insert(title.lowercased())
            }
            let name = fileName(for: rule.id, taken: &names)
            exported.append(Exported(rule: rule, regex: regex, filter: filter,
                                     file: SigmaFile(name: name, text: document(rule, regex: regex, filter: filter, title: title))))
        }
        return (exported, refused)
    }

    /// `arcgis_<id>.yml` with the id's `.` and `-` as `_` (SigmaHQ's style); ids that clash or are long get
    /// a hash of the id, so every name is unique and 10 to 90 characters long.
    static func fileName(for id: String, taken: inout Set<String>) -> String {
        var stem = "arcgis_" + String(id.lowercased().unicodeScalars.map { scalar -> Character in
            scalar.properties.isAlphabetic && scalar.isASCII || ("0"..."9").contains(scalar) ? Character(scalar) : "_"
        })
        if stem.count > 70 || taken.contains(stem + ".yml") {
            stem = String(stem.prefix(60)) + "_" + String(uuid(name: id).prefix(8))
        }
        let name = stem + ".yml"
        taken.insert(name)
        return name
    }

    /// The stable id of the Sigma rule for a gislog rule id.
    public static func ruleUUID(_ id: String) -> String { uuid(name: id) }

    // MARK: - Documents

    /// The YAML of one rule.
    static func document(_ rule: Rule, regex: SigmaRegex, filter: SigmaRegex?, title: String) -> String {
        var yaml = YAMLText()
        yaml.line("title: " + YAMLText.quoted(title))
        yaml.line("id: " + ruleUUID(rule.id))
        yaml.line("name: " + YAMLText.quoted(rule.id))
        if let status = rule.status, statuses.contains(status) { yaml.line("status: " + status) }
        yaml.line("description: " + YAMLText.quoted(trimmed(rule.description ?? rule.title)))
        var references: [String] = []
        for reference in rule.references where !references.contains(reference.url ?? reference.title) {
            references.append(reference.url ?? reference.title)
        }
        yaml.list("references", references)
        if let author = rule.author { yaml.line("author: " + YAMLText.quoted(author)) }
        for (key, value) in [("date", rule.date), ("modified", rule.modified)] {
            if let value, isDate(value) { yaml.line("\(key): \(value)") }
        }
        yaml.list("tags", rule.tags.filter(isSigmaTag))
        logsource(for: rule.products, into: &yaml)
        yaml.line("detection:")
        yaml.line("    selection:")
        selection(rule, regex: regex, indent: 8, into: &yaml)
        if let filter {
            yaml.line("    filter:")
            yaml.line("        message|" + filter.modifiers + ": " + YAMLText.quoted(filter.pattern))
        }
        yaml.line("    condition: selection" + (filter == nil ? "" : " and not filter"))
        yaml.list("falsepositives", rule.falsePositives)
        yaml.line("level: " + rule.severity.rawValue)
        gislogBlock(rule, into: &yaml)
        return yaml.text
    }

    /// A rule that matches what any of `members` matches (one selection per member), for correlations
    /// that need "any restart" or "any certificate failure" as one kind of event.
    public static func anyOf(name: String, title: String, description: String, level: RuleSeverity,
                             members: [Exported], taken: inout Set<String>) -> SigmaFile {
        var yaml = YAMLText()
        yaml.line("title: " + YAMLText.quoted(title))
        yaml.line("id: " + ruleUUID(name))
        yaml.line("name: " + YAMLText.quoted(name))
        yaml.line("status: experimental")
        yaml.line("description: " + YAMLText.quoted(description))
        let products = members.map(\.rule.products)
        logsource(for: products.allSatisfy { $0 == products.first } ? products.first ?? [] : [], into: &yaml)
        yaml.line("detection:")
        var terms: [String] = []
        for (index, member) in members.enumerated() {
            yaml.line("    selection_\(index + 1):")
            selection(member.rule, regex: member.regex, indent: 8, into: &yaml)
            if let filter = member.filter {
                yaml.line("    filter_\(index + 1):")
                yaml.line("        message|" + filter.modifiers + ": " + YAMLText.quoted(filter.pattern))
                terms.append("(selection_\(index + 1) and not filter_\(index + 1))")
            } else {
                terms.append("selection_\(index + 1)")
            }
        }
        yaml.line("    condition: " + (terms.count == members.count && members.allSatisfy { $0.filter == nil }
            ? "1 of selection_*" : terms.joined(separator: " or ")))
        yaml.line("level: " + level.rawValue)
        yaml.line("gislog:")
        yaml.line("    rules: [" + members.map { YAMLText.quoted($0.rule.id) }.joined(separator: ", ") + "]")
        return SigmaFile(name: fileName(for: name, taken: &taken), text: yaml.text)
    }

    /// A Sigma correlation rule: `type` (`temporal_ordered`, `event_count`, …) over the rules named
    /// `rules`, grouped by `groupBy`, within `timespan` milliseconds.
    public static func correlation(name: String, title: String, description: String, type: String, rules: [String],
                                   groupBy: [String], timespan: Int64, level: RuleSeverity, condition: String? = nil,
                                   taken: inout Set<String>) -> SigmaFile {
        var yaml = YAMLText()
        yaml.line("title: " + YAMLText.quoted(title))
        yaml.line("id: " + ruleUUID(name))
        yaml.line("name: " + YAMLText.quoted(name))
        yaml.line("status: experimental")
        yaml.line("description: " + YAMLText.quoted(description))
        yaml.line("correlation:")
        yaml.line("    type: " + type)
        yaml.line("    rules:")
        for rule in rules { yaml.line("        - " + YAMLText.quoted(rule)) }
        yaml.line("    group-by:")
        for field in groupBy { yaml.line("        - " + field) }
        yaml.line("    timespan: " + timespanText(timespan))
        if let condition {
            yaml.line("    condition:")
            yaml.line("        " + condition)
        }
        yaml.line("level: " + level.rawValue)
        return SigmaFile(name: fileName(for: name, taken: &taken), text: yaml.text)
    }

    /// A Sigma timespan (`15m`, `2h`, `90s`); whole seconds at least.
    static func timespanText(_ milliseconds: Int64) -> String {
        let seconds = max(1, (milliseconds + 999) / 1000)
        if seconds % 86_400 == 0 { return "\(seconds / 86_400)d" }
        if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }

    static func logsource(for products: Set<Product>, into yaml: inout YAMLText) {
        yaml.line("logsource:")
        yaml.line("    product: arcgis")
        if products.count == 1, let product = products.first { yaml.line("    service: " + product.rawValue) }
    }

    /// The selection's field conditions, one per gate, indented by `indent` spaces.
    static func selection(_ rule: Rule, regex: SigmaRegex, indent: Int, into yaml: inout YAMLText) {
        let pad = String(repeating: " ", count: indent)
        func values(_ field: String, _ items: [String]) {
            guard !items.isEmpty else { return }
            if items.count == 1 { yaml.line(pad + field + ": " + items[0]); return }
            yaml.line(pad + field + ":")
            for item in items { yaml.line(pad + "    - " + item) }
        }
        values("log.level", rule.logLevels.sorted(by: >).map(\.name))
        values("event.code", rule.codes.sorted().map(String.init))
        values("log.logger", rule.sources.map(YAMLText.quoted))
        values("event.dataset", rule.products.map(\.dataset).sorted())
        if let literal = rule.literal { yaml.line(pad + "message|contains|cased: " + YAMLText.quoted(literal)) }
        yaml.line(pad + "message|" + regex.modifiers + ": " + YAMLText.quoted(regex.pattern))
    }

    /// What Sigma has no key for: the rule's category, its own tags, where it comes from, its pattern.
    static func gislogBlock(_ rule: Rule, into yaml: inout YAMLText) {
        yaml.line("gislog:")
        yaml.line("    category: " + rule.category.rawValue)
        if !rule.tags.isEmpty { yaml.line("    tags: [" + rule.tags.map(YAMLText.quoted).joined(separator: ", ") + "]") }
        yaml.line("    source: " + YAMLText.quoted(rule.origin.description))
        yaml.line("    pattern: " + YAMLText.quoted(rule.pattern))
        if let unless = rule.unless { yaml.line("    unless: " + YAMLText.quoted(unless)) }
    }

    static func isSigmaTag(_ tag: String) -> Bool {
        guard let dot = tag.firstIndex(of: "."), tagNamespaces.contains(String(tag[..<dot])) else { return false }
        return tag.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0) }
    }

    static func isDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        return bytes.enumerated().allSatisfy { $0.offset == 4 || $0.offset == 7 || ($0.element >= 0x30 && $0.element <= 0x39) }
    }

    static func trimmed(_ text: String) -> String {
        var scalars = Substring(text)
        while let first = scalars.first, first.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.isWhitespace { scalars = scalars.dropLast() }
        return String(scalars)
    }

    // MARK: - UUID version 5

    /// `uuid5(namespace, name)`: SHA-1 of the namespace's 16 bytes and the name's UTF-8, version and variant set.
    static func uuid(name: String) -> String {
        var input = namespaceBytes
        input += Array(name.utf8)
        var bytes = Array(SHA1.digest(input).prefix(16))
        bytes[6] = bytes[6] & 0x0F | 0x50
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = bytes.map { byte in String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.map(String.init).joined(separator: "-")
    }

    static let namespaceBytes: [UInt8] = {
        let hex = Array(namespace.utf8.filter { $0 != UInt8(ascii: "-") })
        return stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
    }()
}

/// YAML text written line by line, with strings quoted so that any text reads back unchanged.
struct YAMLText {
    private(set) var text = ""

    mutating func line(_ line: String) { text += line + "\n" }

    /// `key:` and one `- item` per element (nothing when empty).
    mutating func list(_ key: String, _ items: [String], indent: Int = 0) {
        guard !items.isEmpty else { return }
        let pad = String(repeating: " ", count: indent)
        line(pad + key + ":")
        for item in items { line(pad + "    - " + Self.quoted(item)) }
    }

    /// Single quotes (backslashes stay as written) unless the text holds characters only double quotes
    /// can escape: control characters, U+0085, U+2028, U+2029, a BOM.
    static func quoted(_ text: String) -> String {
        let needsEscapes = text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0.value == 0x85
            || $0.value == 0x2028 || $0.value == 0x2029 || $0.value == 0xFEFF || ($0.value >= 0x80 && $0.value < 0xA0) }
        guard needsEscapes else { return "'" + text.replacingAll("'", with: "''") + "'" }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x5C: out += "\\\\"
            case 0x22: out += "\\\""
            case 0x09: out += "\\t"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x0B: out += "\\v"
            case 0x0C: out += "\\f"
            case 0x00: out += "\\0"
            case 0x1B: out += "\\e"
            case 0x00..<0x20, 0x7F, 0x80..<0xA0, 0x2028, 0x2029, 0xFEFF:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

extension String {
    /// Every occurrence of `target` replaced (no Foundation).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}

/// SHA-1 (FIPS 180-4), for UUID version 5 only: not used for anything that needs a secure hash.
enum SHA1 {
    static func digest(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        var data = message
        let bitLength = UInt64(message.count) * 8
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { data.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        var w = [UInt32](repeating: 0, count: 80)
        for chunk in stride(from: 0, to: data.count, by: 64) {
            for i in 0..<16 {
                let base = chunk + i * 4
                w[i] = UInt32(data[base]) << 24 | UInt32(data[base + 1]) << 16 | UInt32(data[base + 2]) << 8 | UInt32(data[base + 3])
            }
            for i in 16..<80 {
                let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
                w[i] = x << 1 | x >> 31
            }
            var (a, b, c, d, e) = (h[0], h[1], h[2], h[3], h[4])
            for i in 0..<80 {
                let f: UInt32, k: UInt32
                switch i {
                case 0..<20: f = (b & c) | (~b & d); k = 0x5A82_7999
                case 20..<40: f = b ^ c ^ d; k = 0x6ED9_EBA1
                case 40..<60: f = (b & c) | (b & d) | (c & d); k = 0x8F1B_BCDC
                default: f = b ^ c ^ d; k = 0xCA62_C1D6
                }
                let temp = (a << 5 | a >> 27) &+ f &+ e &+ k &+ w[i]
                e = d
                d = c
                c = b << 30 | b >> 2
                b = a
                a = temp
            }
            h[0] = h[0] &+ a; h[1] = h[1] &+ b; h[2] = h[2] &+ c; h[3] = h[3] &+ d; h[4] = h[4] &+ e
        }
        return h.flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - UInt32($0) * 8)) } }
    }
}
