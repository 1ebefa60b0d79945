internal import Glibc
import GISLogInput
import GISLogSupport

/// A rule file's text and where it came from.
public struct RuleSource: Sendable {
    /// `builtin:certificate.yaml` or a path.
    public var name: String
    public var text: String
    public var isBuiltin: Bool

    public init(name: String, text: String, isBuiltin: Bool) {
        self.name = name
        self.text = text
        self.isBuiltin = isBuiltin
    }
}

/// Loads the rules a scan uses: the pack built into gislog, plus rule files given with `--rules`, whose
/// rules replace built-in rules with the same id.
public enum RulePack {
    /// The name of the built-in causes file among `builtinSources`.
    public static let builtinCausesName = "builtin:causes.yaml"

    /// The built-in rule files (`rules/*.yaml`, embedded at build time).
    public static var builtinSources: [RuleSource] {
        BuiltinRules.files.map { RuleSource(name: "builtin:" + $0.name, text: $0.text, isBuiltin: true) }
    }

    /// Reads rule files: each path is a `.yaml`/`.yml` file or a folder of them (walked recursively).
    /// - Throws: `RuleLoadError` when a path cannot be read or holds no rule file.
    public static func sources(paths: [String]) throws(RuleLoadError) -> [RuleSource] {
        var sources: [RuleSource] = []
        var issues: [RuleIssue] = []
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else {
                issues.append(RuleIssue(file: path, line: 0, column: 0, ruleID: nil,
                                        message: "cannot read: \(systemErrorText(errno))"))
                continue
            }
            let files: [String]
            if info.st_mode & S_IFMT == S_IFDIR {
                files = LogDiscovery.discover(paths: [path], filter: .ruleFiles).files.map(\.path)
                if files.isEmpty {
                    issues.append(RuleIssue(file: path, line: 0, column: 0, ruleID: nil, message: "no .yaml rule files in this folder"))
                }
            } else {
                files = [path]
            }
            for file in files.sorted() {
                do throws(InputError) {
                    let bytes = try readWholeFile(file, limit: 16 << 20)
                    guard let text = String(validating: bytes, as: UTF8.self) else {
                        issues.append(RuleIssue(file: file, line: 0, column: 0, ruleID: nil,
                                                message: "not UTF-8 text; save the rule file as UTF-8"))
                        continue
                    }
                    sources.append(RuleSource(name: file, text: text, isBuiltin: false))
                } catch {
                    issues.append(RuleIssue(file: file, line: 0, column: 0, ruleID: nil, message: error.description))
                }
            }
        }
        if !issues.isEmpty { throw RuleLoadError(issues: issues) }
        return sources
    }

    /// Parses, validates and compiles rule files into a rule set, and runs every rule's samples.
    ///
    /// Rules from later sources replace earlier rules with the same id when the earlier one is built in;
    /// any other duplicate id is an error.
    /// At most this many rules in one rule set: more would make every scan slow to start and to run.
    public static let maxRules = 20_000
    /// At most this many bytes in one pattern.
    public static let maxPatternLength = 16_384

    /// Which rules' samples `load` runs.
    public enum SampleCheck: Sendable {
        /// Every rule's (`rules check`).
        case all
        /// Only rules from files given by the user; the built-in pack's samples are checked by its tests, and
        /// skipping them keeps a scan's start-up short.
        case localOnly
        /// None (`rules test` reports them one by one instead).
        case none
    }

    /// - Parameter checkSamples: whose samples to run; a sample that misbehaves refuses the whole set.
    /// - Throws: `RuleLoadError` with every problem in every file; nothing is loaded then.
    public static func load(_ sources: [RuleSource], checkSamples: SampleCheck = .all) throws(RuleLoadError) -> RuleSet {
        var issues: [RuleIssue] = []
        var rules: [Rule] = []
        var positions: [String: Int] = [:]
        var causes: [CauseID: CauseDefinition] = [:]
        var scoring: [String: Double] = [:]
        var userScoring: [ScoringEntry] = []
        for source in sources {
            let (parsed, parsedCauses, parsedScoring, problems) = RuleLoader.parseFileWithScoring(
                source.text, file: source.name, isBuiltin: source.isBuiltin)
            issues += problems
            // The built-in causes file names every weight; other files may only change them.
            if source.isBuiltin {
                for entry in parsedScoring { scoring[entry.name] = entry.value }
            } else {
                userScoring += parsedScoring
            }
            for cause in parsedCauses {
                if let earlier = causes[cause.id], !(earlier.origin.isBuiltin && !cause.origin.isBuiltin) {
                    issues.append(RuleIssue(file: source.name, line: cause.origin.line, column: 1, ruleID: cause.id.rawValue,
                                            message: "cause defined twice (also at \(earlier.origin))"))
                    continue
                }
                causes[cause.id] = cause
            }
            for rule in parsed {
                if let existing = positions[rule.id], rules[existing].origin.file != source.name {
                    let earlier = rules[existing]
                    if earlier.origin.isBuiltin && !rule.origin.isBuiltin {
                        rules[existing] = rule  // a local rule replaces the built-in one
                        continue
                    }
                    issues.append(RuleIssue(file: source.name, line: rule.origin.line, column: 1, ruleID: rule.id,
                                            message: "duplicate id (also at \(earlier.origin))"))
                    continue
                }
                positions[rule.id] = rules.count
                rules.append(rule)
            }
        }
        if rules.count > maxRules {
            let last = rules[maxRules]
            issues.append(RuleIssue(file: last.origin.file, line: last.origin.line, column: 1, ruleID: last.id,
                                    message: "more than \(maxRules) rules in all (\(rules.count)); a scan with that many "
                                        + "would crawl — split the files and run them separately, or merge related rules"))
            throw RuleLoadError(issues: issues)
        }
        var compiled: [CompiledRule] = []
        for rule in rules {
            if rule.pattern.utf8.count > maxPatternLength {
                issues.append(RuleIssue(file: rule.origin.file, line: rule.origin.patternLine, column: rule.origin.patternColumn,
                                        ruleID: rule.id, message: "pattern is \(rule.pattern.utf8.count) bytes; at most "
                                            + "\(maxPatternLength) are allowed (split it into several rules)"))
                continue
            }
            do throws(PCRE2Error) {
                let pattern = try PCRE2Pattern(rule.pattern, caseless: rule.caseless)
                var exception: PCRE2Pattern?
                do throws(PCRE2Error) {
                    exception = try rule.unless.map { unless throws(PCRE2Error) in try PCRE2Pattern(unless, caseless: rule.caseless) }
                } catch {
                    issues.append(RuleIssue(file: rule.origin.file, line: rule.origin.line, column: 1, ruleID: rule.id,
                                            message: "bad 'unless' pattern: PCRE2 says: \(error)"))
                    continue
                }
                let candidate = CompiledRule(rule: rule, pattern: pattern, exception: exception)
                let runSamples = switch checkSamples {
                case .all: true
                case .localOnly: !rule.origin.isBuiltin
                case .none: false
                }
                for result in runSamples ? RuleSampleTester.run(candidate) : [] {
                    if let failure = result.failure {
                        issues.append(RuleIssue(file: rule.origin.file, line: result.sample.line, column: 1, ruleID: rule.id,
                                                message: (result.expectedMatch ? "match" : "no_match") + " sample " + failure))
                    }
                }
                compiled.append(candidate)
            } catch {
                let column = rule.origin.patternColumn + (error.patternOffset ?? 0)
                issues.append(RuleIssue(file: rule.origin.file, line: rule.origin.patternLine, column: column, ruleID: rule.id,
                                        message: "bad pattern: PCRE2 says: \(error)"))
            }
        }
        let ids = Set(rules.map(\.id))
        for cause in causes.values.sorted(by: { $0.id.rawValue < $1.id.rawValue }) {
            for ruleID in cause.explains where !ids.contains(ruleID) && !cause.origin.isBuiltin {
                issues.append(RuleIssue(file: cause.origin.file, line: cause.origin.line, column: 1, ruleID: cause.id.rawValue,
                                        message: "explains '\(ruleID)', which is not a loaded rule"))
            }
        }
        for entry in userScoring {
            if scoring[entry.name] == nil && !scoring.isEmpty {
                issues.append(RuleIssue(file: entry.origin.file, line: entry.origin.line, column: 1, ruleID: nil,
                                        message: "unknown scoring weight '\(entry.name)'"
                                            + RuleLoader.suggestion(entry.name, scoring.keys.sorted())))
            } else {
                scoring[entry.name] = entry.value
            }
        }
        if !issues.isEmpty { throw RuleLoadError(issues: issues) }
        return RuleSet(rules: compiled, causes: CauseID.allCases.compactMap { causes[$0] }, scoring: scoring)
    }
}
