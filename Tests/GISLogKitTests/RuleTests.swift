import Foundation
import Testing
@testable import GISLogSupport
@testable import GISLogInput
@testable import GISLogRecords
@testable import GISLogRules
@testable import GISLogCorrelation
@testable import GISLogReports
@testable import GISLogFetch
@testable import GISLogProbe
@testable import GISLogKit

@Suite("Rule pack")
struct RulePackTests {
    @Test func builtinPackLoadsAndEverySampleBehaves() throws {
        let set = try RulePack.load(RulePack.builtinSources)
        #expect(set.rules.count >= 40)
        for compiled in set.rules {
            let results = RuleSampleTester.run(compiled)
            #expect(results.contains { $0.expectedMatch }, "rule \(compiled.rule.id) has no match sample")
            #expect(results.contains { !$0.expectedMatch }, "rule \(compiled.rule.id) has no no_match sample")
            for result in results {
                #expect(result.failure == nil, "\(compiled.rule.id) line \(result.sample.line): \(result.failure ?? "")")
            }
            #expect(compiled.pattern.isJITCompiled, "rule \(compiled.rule.id) is not JIT-compiled")
        }
        let categories = Set(set.rules.map(\.rule.category))
        #expect(categories == Set(RuleCategory.allCases))
    }

    @Test func embeddedPackMatchesTheRulesFolder() throws {
        let folder = URL(fileURLWithPath: repositoryRoot).appendingPathComponent("rules")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(BuiltinRules.files.map(\.name) == names)
        for (name, text) in BuiltinRules.files {
            let onDisk = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(text + "\n" == onDisk || text == onDisk, "\(name) differs from rules/\(name): run python3 scripts/embed-rules")
        }
    }
}

@Suite("Rule files: errors name file, line, column and rule")
struct RuleErrorTests {
    private func issues(_ text: String) -> [RuleIssue] {
        do {
            _ = try RulePack.load([RuleSource(name: "local.yaml", text: text, isBuiltin: false)])
            return []
        } catch {
            return error.issues
        }
    }

    @Test func smallestRuleIsFourKeys() throws {
        let set = try RulePack.load([RuleSource(name: "min.yaml", text: """
            - id: my-rule
              title: My rule
              category: token
              pattern: 'Token Required'
            """, isBuiltin: false)])
        #expect(set.rules.map(\.rule.id) == ["my-rule"])
        #expect(set.rules[0].rule.severity == .medium)
    }

    @Test func badPatternGivesPCRE2MessageAndPlace() throws {
        let found = issues("""
            - id: broken
              title: Broken
              category: certificate
              pattern: 'abc(def'
            """)
        let issue = try #require(found.first)
        #expect(found.count == 1)
        #expect(issue.file == "local.yaml")
        #expect(issue.line == 4)
        #expect(issue.ruleID == "broken")
        #expect(issue.message.contains("missing closing parenthesis"))
        #expect(issue.message.contains("offset 7"))
        #expect(issue.column == 13 + 7)
        #expect(issue.description.hasPrefix("local.yaml:4:20: rule 'broken': bad pattern"))
    }

    @Test func badYAMLGivesLine() throws {
        let issue = try #require(issues("- id: a\n  title: 'unclosed\n").first)
        #expect(issue.line == 2)
        #expect(issue.message.hasPrefix("YAML:"))
    }

    @Test func badYAMLNamesFileLineColumnAndWhatToDo() throws {
        let issue = try #require(issues("- id: a\n  title: A\n category: token\n  pattern: x\n").first)
        #expect(issue.description == "local.yaml:3:2: YAML: this line is indented to column 2, which lines up with nothing "
                + "above it: the keys of the mapping on line 1 are at column 3, the items of the list on line 1 are at "
                + "column 1; check the indentation")
    }

    @Test func rulesShareKeysThroughAnchorsAndMergeKeys() throws {
        let set = try RulePack.load([RuleSource(name: "shared.yaml", text: """
            - &token
              id: token-invalid
              title: Invalid token
              category: token
              log_levels: [SEVERE, WARNING]
              pattern: 'Invalid token'
            - <<: *token
              id: token-expired
              pattern: 'Token expired'
            """, isBuiltin: false)])
        #expect(set.rules.map(\.rule.id) == ["token-invalid", "token-expired"])
        let expired = set.rules[1].rule
        #expect(expired.title == "Invalid token")
        #expect(expired.category == .token)
        #expect(expired.pattern == "Token expired")
        #expect(expired.logLevels == [.severe, .warning])
        #expect(expired.origin.line == 7)
    }

    @Test func everyProblemIsNamedOnce() {
        let found = issues("""
            - id: one
              title: One
              category: certificates
              pattern: x
            - id: two
              title: Two
              category: token
              patern: x
              level: SEVERE
            - id: three
              title: Three
              category: token
              pattern: 'ok'
              log_levels: [SEVERE, LOUD]
              codes: [12, abc]
            - id: three
              title: Again
              category: token
              pattern: y
            - id: four
              title: Four
              category: token
              pattern: 'Invalid token'
              samples:
                match:
                  - 'Valid token'
                  - text: 'Invalid token here'
                    fields: {nope: x}
                no_match:
                  - 'Invalid token again'
            """)
        let messages = found.map(\.description)
        #expect(messages.contains { $0.contains("local.yaml:3:13: rule 'one': unknown category 'certificates'") })
        #expect(messages.contains { $0.contains("rule 'two': unknown key 'patern' (did you mean 'pattern'?)") })
        #expect(messages.contains { $0.contains("rule 'two': missing 'pattern'") })
        #expect(messages.contains { $0.contains("rule 'two': unknown level 'SEVERE'") && $0.contains("log_levels") })
        // Each item of a '[…]' list has its own column.
        #expect(messages.contains { $0.contains("local.yaml:14:24: rule 'three': unknown log level 'LOUD'") })
        #expect(messages.contains { $0.contains("rule 'three': code 'abc' is not a number") })
        #expect(messages.contains { $0.contains("local.yaml:16:3: rule 'three': duplicate id") })
        #expect(messages.contains { $0.contains("local.yaml:26:") && $0.contains("match sample did not match") })
        #expect(messages.contains { $0.contains("field 'nope' is not a named group") })
        #expect(messages.contains { $0.contains("local.yaml:30:") && $0.contains("matched, but is declared as no_match") })
    }

    @Test func localRuleReplacesBuiltinByID() throws {
        let local = RuleSource(name: "site.yaml", text: """
            - id: invalid-token
              title: Site-specific invalid token
              category: token
              pattern: 'Invalid token|Token invalide'
            """, isBuiltin: false)
        let set = try RulePack.load(RulePack.builtinSources + [local])
        let rule = try #require(set.rule(id: "invalid-token"))
        #expect(rule.rule.title == "Site-specific invalid token")
        #expect(rule.rule.origin.isBuiltin == false)
        #expect(set.rules.filter { $0.rule.id == "invalid-token" }.count == 1)
    }

    @Test func tenThousandRulesLoadAndTooManyOrHugePatternsAreRefused() throws {
        func rules(_ count: Int, pattern: (Int) -> String = { "token\($0) (?<n>\\d+) failed" }) -> String {
            (0..<count).map { "- id: r\($0)\n  title: Rule \($0)\n  category: token\n  pattern: '\(pattern($0))'\n" }.joined()
        }
        let clock = ContinuousClock()
        let start = clock.now
        let set = try RulePack.load([RuleSource(name: "many.yaml", text: rules(10_000), isBuiltin: false)])
        #expect(set.rules.count == 10_000)
        #expect(clock.now - start < .seconds(30))
        do {
            _ = try RulePack.load([RuleSource(name: "too-many.yaml", text: rules(RulePack.maxRules + 1), isBuiltin: false)])
            Issue.record("accepted too many rules")
        } catch {
            #expect(error.issues.count == 1)
            #expect(error.issues[0].message.contains("more than 20000 rules"))
        }
        let huge = String(repeating: "a", count: RulePack.maxPatternLength + 1)
        do {
            _ = try RulePack.load([RuleSource(name: "huge.yaml", text: rules(1) { _ in huge }, isBuiltin: false)])
            Issue.record("accepted a huge pattern")
        } catch {
            #expect(error.issues.first?.message.contains("at most 16384") == true)
        }
    }

    @Test func rulesUnderARulesKeyAndMissingFiles() throws {
        let set = try RulePack.load([RuleSource(name: "m.yaml", text: "rules:\n  - id: a\n    title: A\n    category: restart\n    pattern: x\n", isBuiltin: false)])
        #expect(set.rules.count == 1)
        #expect(throws: RuleLoadError.self) { try RulePack.sources(paths: ["/nonexistent/rules.yaml"]) }
    }
}

@Suite("Rule engine")
struct RuleEngineTests {
    private func scan(_ text: String, rules: String? = nil, name: String = "server.log") throws -> RuleScanResult {
        let directory = TemporaryDirectory()
        directory.write(name, text)
        let sources = rules.map { [RuleSource(name: "t.yaml", text: $0, isBuiltin: false)] } ?? RulePack.builtinSources
        let set = try RulePack.load(sources)
        var options = ScanOptions(paths: [directory.path], timeZone: .utc)
        options.workers = 1
        return LogScanner(options: options).run(ruleSet: set, collectEvents: true)
    }

    /// The one-pass literal filter must answer exactly what a search per text answers: texts that share a
    /// first pair, overlap, sit at the very start or end, or run past the end of the text; caseless texts
    /// (stored in lower case) in any case; two and three byte texts beside longer ones.
    @Test func literalFilterAgreesWithOneSearchPerLiteral() {
        let words = ["PKIX", "PKIX path", "12045", "certificate", "cert", "ce", "Invalid token", "token", "en.", "xyz",
                     "expired token", "signed certificate", "pk", "ssl"]
        let caseless = [false, false, false, false, false, false, false, false, false, false, true, true, true, true]
        let storage = words.enumerated().map { Array(caseless[$0.offset] ? $0.element.lowercased().utf8 : $0.element.utf8) }
        let seed = SplitMix64.testSeed()
        var generator = SplitMix64(seed: seed)
        storage.withUnsafeBufferPointersForTest { literals in
            let texts = literals.enumerated().map { LiteralFilter.Text(bytes: $0.element, caseless: caseless[$0.offset]) }
            // Both ways of finding starts: 32 bytes a step (where the CPU can) and byte by byte.
            for filter in [LiteralFilter(texts: texts), LiteralFilter(texts: texts, vectorised: false)] {
                let pieces = words + ["a", " ", "PKI", "1204", "certificat", "tok", "\n", "é", "Expired Token", "SIGNED CERTIFICATE",
                                      "Pk", "pK", "[", "@", "SsL", "ss"]
                for _ in 0..<3000 {
                    // Up to 40 pieces: texts past the 34 bytes of a vector step, and their tails.
                    let text = Array((0..<Int.random(in: 0...40, using: &generator))
                        .map { _ in pieces.randomElement(using: &generator)! }.joined().utf8)
                    text.withUnsafeBytes { raw in
                        let found = filter.scan(raw)
                        for (bit, literal) in storage.enumerated() {
                            let folded = caseless[bit] ? Array(String(decoding: text, as: UTF8.self).lowercased().utf8) : text
                            let expected = folded.firstRange(of: literal) != nil
                            #expect((found & LiteralFilter.bit(bit) != .zero) == expected,
                                    "\(String(decoding: text, as: UTF8.self)) / \(words[bit]), seed \(seed)")
                        }
                    }
                }
            }
        }
    }

    /// Rules whose pattern has a prefilter and no literal are gated by the one-pass filter too; the events
    /// must be those the rules find with their own prefilter and without any (caseless texts in other cases,
    /// a non-ASCII letter standing for an ASCII one, texts found only together with other rules' literals).
    @Test func prefilterTextsInTheFilterFindTheSameEvents() throws {
        let set = try RulePack.load(RulePack.builtinSources, checkSamples: .none)
        let gated = (0..<set.rules.count).filter { set.gates[$0].prefilterBits != .zero }
        #expect(gated.count >= 5, "the built-in prefilter rules are gated by the filter")
        let messages = [
            "Invalid SSL Certificate found for https://gis.example.com:6443. PKIX path building failed",
            "INVALID SSL CERTIFICATE FOUND",
            "The token has EXPIRED. Invalid token.",
            "Token expired (HTTP status code 498). WinINet error",
            "Self-Signed Certificate in chain; SSL certificate problem: self signed certificate in certificate chain",
            "curl: (60) SSL certificate problem: unable to get local issuer certificate",
            "No subject alternative DNS name matching gis.example.com found. PKIX path building failed",
            "The ſelf-ſigned certificate is not trusted. Invalid token.",
            "Nothing here but WinINet and Invalid words.",
        ]
        let lines = messages.enumerated().map { index, message in
            #"<Msg time="2026-11-14T13:04:\#(10 + index),18" type="SEVERE" code="9003" source="Rest" machine="GIS01">\#(message)</Msg>"#
        }
        let found = try scan(lines.joined(separator: "\n") + "\n").events.map { "\($0.line) \($0.ruleID)" }
        // The same records, one rule at a time with only the pattern's own prefilter (no filter pass).
        var expected: [String] = []
        let matcher = PCRE2Matcher(maxCaptures: set.maxCaptures)
        for (index, message) in messages.enumerated() {
            for compiled in set.rules where compiled.levelMask & (1 << Level.severe.rawValue) != 0 && compiled.rule.codes.isEmpty {
                let hit = Array(message.utf8).withUnsafeBytes { raw in
                    guard compiled.literalPresent(in: raw) else { return false }
                    if case .match = matcher.match(compiled.pattern, raw) { return !(compiled.exception.map { _ in compiled.vetoes(raw, matcher) } ?? false) }
                    return false
                }
                if hit { expected.append("\(index + 1) \(compiled.rule.id)") }
            }
        }
        #expect(Set(found) == Set(expected))
        #expect(found.contains("1 invalid-ssl-certificate-found") && found.contains("2 invalid-ssl-certificate-found"))
        #expect(found.contains("8 self-signed-certificate"), "a non-ASCII letter can stand for an ASCII one in a caseless match")
    }

    @Test func manyCandidateRulesFindTheSameEventsWithTheFilter() throws {
        // A SEVERE record meets every SEVERE/WARNING rule, so the engine takes the one-pass filter.
        let line = #"<Msg time="2026-11-14T13:04:22,18" type="SEVERE" code="9003" source="Rest" machine="GIS01">PKIX path building failed: unable to find valid certification path to requested target; Invalid token.</Msg>"#
        let result = try scan(line + "\n")
        #expect(Set(result.events.map(\.ruleID)).contains("pkix-path-building-failed"))
    }

    @Test func certificateEventCarriesFieldsAndRecordAttributes() throws {
        let line = #"<Msg time="2026-11-14T13:04:22,18" type="SEVERE" code="20010" source="Utilities/PrintingTools.GPServer" process="6120" thread="14" methodName="" machine="GIS01.EXAMPLE.COM" user="asmith" elapsed="" requestID="aa-bb">The certificate authority is invalid or incorrect (WinINet ERROR_INTERNET_INVALID_CA, 12045), URL = https://portal.example.com:7443/arcgis/sharing/rest/self?token=abc</Msg>"#
        let result = try scan(line + "\n")
        let event = try #require(result.events.first)
        #expect(result.events.count == 1)
        #expect(event.ruleID == "wininet-invalid-ca")
        #expect(event.category == .certificate)
        #expect(event.field("host") == "portal.example.com")
        #expect(event.field("port") == "7443")
        #expect(event.field("wininet_code") == "12045")
        #expect(event.machine == "GIS01.EXAMPLE.COM")
        #expect(event.user == "asmith")
        #expect(event.requestID == "aa-bb")
        #expect(event.line == 1)
        #expect(event.time == utc(2026, 11, 14, 13, 4, 22, 18))
    }

    @Test func the12045TrapsOfTheSampleAreNotEvents() throws {
        let options = ScanOptions(paths: [repositoryRoot + "/Samples/basic"], timeZone: .utc)
        let result = LogScanner(options: options).run(ruleSet: try RulePack.load(RulePack.builtinSources), collectEvents: true)
        let invalidCA = result.events.filter { $0.ruleID == "wininet-invalid-ca" }
        #expect(invalidCA.count == 14)
        #expect(invalidCA.allSatisfy { $0.level == .severe && $0.field("host") == "gis-portal01.contoso.local" })
        #expect(!result.events.contains { $0.process == "12045" && $0.category == .certificate })
        #expect(!result.events.contains { $0.message.contains("Elapsed time '12045'") })
        #expect(result.events.filter { $0.ruleID == "invalid-token" }.count == 7)
        #expect(result.events.map(\.time) == result.events.map(\.time).sorted { ($0 ?? .max) < ($1 ?? .max) })
    }

    @Test func gatesKeepRulesOffOtherLevelsAndCodes() throws {
        let text = [
            #"<Msg time="2026-11-14T10:00:00,1" type="INFO" code="9000" source="Rest">'Invalid token.'</Msg>"#,
            #"<Msg time="2026-11-14T10:00:01,1" type="WARNING" code="9000" source="Rest">'Invalid token.'</Msg>"#,
            #"<Msg time="2026-11-14T10:00:02,1" type="INFO" code="7706" source="Server">Web server stopped successfully.</Msg>"#,
            #"<Msg time="2026-11-14T10:00:03,1" type="INFO" code="7000" source="Server">Web server stopped successfully.</Msg>"#,
        ].joined(separator: "\n")
        let result = try scan(text)
        #expect(result.events.map(\.ruleID) == ["invalid-token", "web-server-stopped"])
        #expect(result.events.map(\.line) == [2, 3])
    }

    @Test func sourceAndProductGates() throws {
        let rules = """
            - id: rest-only
              title: Rest only
              category: token
              pattern: 'denied'
              sources: [rest]
              products: [portal]
            """
        let text = #"<Msg time="2026-11-14T10:00:00,1" type="INFO" code="1" source="Rest">denied</Msg>"# + "\n"
            + #"<Msg time="2026-11-14T10:00:01,1" type="INFO" code="1" source="Admin">denied</Msg>"# + "\n"
        #expect(try scan(text, rules: rules, name: "portal-1.log").events.map(\.line) == [1])
        #expect(try scan(text, rules: rules, name: "server-1.log").events.isEmpty)
    }

    @Test func catastrophicPatternHitsItsLimitAndIsReportedByID() throws {
        let rules = """
            - id: backtracker
              title: Catastrophic
              category: token
              pattern: '(a+)+$'
            - id: also-bad
              title: Also catastrophic
              category: token
              pattern: '(.*)*x'
            """
        let long = String(repeating: "a", count: 5000) + "b"
        let text = (0..<10).map { i in #"<Msg time="2026-11-14T10:00:0\#(i),1" type="INFO" code="1">"# + long + "</Msg>" }
            .joined(separator: "\n")
        let clock = ContinuousClock()
        let start = clock.now
        let result = try scan(text, rules: rules)
        #expect(clock.now - start < .seconds(20))
        #expect(result.events.isEmpty)
        let reports = Dictionary(uniqueKeysWithValues: result.limitReports.map { ($0.ruleID, $0) })
        #expect(reports["backtracker"]?.disabled == true)
        #expect(reports["backtracker"]?.count == 3)
        #expect(reports["backtracker"]?.firstLine == 1)
        #expect(result.scan.warnings.contains { $0.kind == .ruleLimit && $0.message.contains("'backtracker'") })
    }
}

@Suite("Required literals")
struct LiteralTests {
    @Test("derived from patterns", arguments: [
        ("WinINet (?<name>ERROR_INTERNET_INVALID_CA), (?<code>12045)\\)", "WinINet ERROR_INTERNET_INVALID_CA, 12045)"),
        ("WinINet (?<name>ERROR_INTERNET_(?:TIMEOUT|NAME_NOT_RESOLVED)), (?<code>12002|12007)\\)", "WinINet "),
        ("abcd(?:xy)?efg", "abcd"),
        ("ab(?:cd)?efgh", "efgh"),
        ("ab(?:cd)+efgh", "efgh"),
        ("ab(cd|ef)ghij", "ghij"),
        ("ab(?P<x>cd)ef", "abcdef"),
        ("ab(cd\\.)ef", "abcd.ef"),
        ("ab(?=cd)efgh", "efgh"),
        ("ab(?<!x)cdef", "cdef"),
        ("ab(?<n>\\d+)cdef", "cdef"),
        ("ab(?i:cd)efgh", nil),
        ("PKIX path building failed(?::\\s*(?<d>.*))?", "PKIX path building failed"),
        ("Could not decrypt token", "Could not decrypt token"),
        ("a|b", nil),
        ("(?i)self signed", nil),
        ("Validation failed for hosting server '(?<url>[^']+)'", "Validation failed for hosting server '"),
        ("ab?cdef", "cdef"),
        ("ab+cdef", "bcdef"),
        ("\\bToken Required\\b", "Token Required"),
        ("x+yzw", "xyzw"),
    ] as [(String, String?)])
    func extract(pattern: String, literal: String?) {
        #expect(LiteralExtractor.requiredLiteral(in: pattern) == literal)
    }
}

extension Array where Element == [UInt8] {
    /// Calls `body` with a pointer to each element's bytes, all valid for the call.
    func withUnsafeBufferPointersForTest(_ body: ([UnsafeRawBufferPointer]) -> Void) {
        var pointers: [UnsafeMutableRawBufferPointer] = []
        for bytes in self {
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
            copy.copyBytes(from: bytes)
            pointers.append(copy)
        }
        defer { pointers.forEach { $0.deallocate() } }
        body(pointers.map { UnsafeRawBufferPointer($0) })
    }
}
