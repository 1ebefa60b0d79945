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

@Suite("Sigma: patterns in Sigma's regular-expression subset")
struct SigmaRegexTests {
    @Test(arguments: [
        (#"WinINet (?<name>ERROR_X), (?<code>12045)\)"#, false, "WinINet (ERROR_X), (12045)\\)", "re"),
        (#"a\s+b\d{2,}\S"#, false, "a[\t-\r ]+b[0-9]{2,}[^\t-\r ]", "re"),
        (#"^(?:[\s\S]*?x '(?<m>[^']+)')?"#, false, "^(.*x '([^']+)')?", "re|s"),
        (#"a.b[\s\S]"#, false, "a[^\n]b.", "re|s"),
        (#"\bToken Required\b"#, false, "(^|[^0-9A-Z_a-z])Token Required([^0-9A-Z_a-z]|$)", "re"),
        (#"code (?<c>49[89])\b"#, false, "code (49[89])([^0-9A-Z_a-z]|$)", "re"),
        (#"(?i)(?<m>self[- ]?signed)"#, false, "(self[\\- ]?signed)", "re|i"),
        ("selfsigned", true, "selfsigned", "re|i"),
        (#"x{2}y{1,3}?[a\-z\]]"#, false, "x{2}y{1,3}[a\\-z\\]]", "re"),
        (#"a\.b\/c"#, false, "a\\.b/c", "re"),
    ])
    func translates(pattern: String, caseless: Bool, expected: String, modifiers: String) throws {
        let regex = try SigmaRegex.translate(pattern, caseless: caseless)
        #expect(regex.pattern == expected)
        #expect(regex.modifiers == modifiers)
    }

    @Test(arguments: [
        (#"token(?! refreshed)"#, "lookahead"),
        (#"(?<=x)y"#, "lookbehind"),
        (#"(a)\1"#, "backreference"),
        (#"a++"#, "possessive"),
        (#"(?>a)"#, "atomic"),
        (#"a(?i:b)"#, "case-insensitive part"),
        (#"(?i)\bword"#, "\\b in a case-insensitive"),
        (#"(?i)\w"#, "\\w in a case-insensitive"),
        (#"a(\bb)"#, "\\b inside a group"),
        (#"[\S\d]"#, "\\D, \\S or \\W"),
        (#"\p{L}"#, "Unicode property"),
        (#"[[:alpha:]]"#, "POSIX"),
    ])
    func refuses(pattern: String, reason: String) {
        #expect(throws: SigmaRegex.Refusal.self) { try SigmaRegex.translate(pattern) }
        do {
            _ = try SigmaRegex.translate(pattern)
        } catch {
            #expect(error.reason.contains(reason), "\(error.reason)")
        }
    }

    /// Every built-in rule translates, and on every sample (and a few texts around its edges) the
    /// translation matches exactly when the rule's pattern does, under PCRE2.
    @Test func everyBuiltinRuleKeepsWhichSamplesMatch() throws {
        let set = try RulePack.load(RulePack.builtinSources, checkSamples: .none)
        let matcher = PCRE2Matcher(maxCaptures: 64)
        var compared = 0
        for compiled in set.rules {
            let rule = compiled.rule
            let regex = try SigmaRegex.translate(rule.pattern, caseless: rule.caseless)
            let translated = try PCRE2Pattern((regex.dotAll ? "(?s)" : "") + regex.pattern, caseless: regex.caseless)
            let samples: [String] = (rule.mustMatch + rule.mustNotMatch).map(\.text)
            var texts: [String] = samples
            for sample in samples {
                let padded: String = "  " + sample + "\n"
                let wrapped: String = "x" + sample + "x"
                texts += [padded, wrapped, sample.uppercased(), String(sample.dropFirst()), String(sample.dropLast())]
            }
            texts += ["", "\n", "\u{212A}", "Token Requiredx", "xToken Required", "\u{212A}token expired", "token expired\u{17F}"]
            for text in texts {
                var bytes = Array(text.utf8)
                let same = bytes.withUnsafeMutableBytes { raw -> Bool in
                    let subject = UnsafeRawBufferPointer(raw)
                    func hit(_ pattern: PCRE2Pattern) -> Bool { if case .match = matcher.matches(pattern, subject) { return true }; return false }
                    return hit(compiled.pattern) == hit(translated)
                }
                #expect(same, "rule \(rule.id): \(regex.pattern) disagrees on \(text.debugDescription)")
                compared += 1
            }
        }
        #expect(compared > 500)
    }

    @Test func idsAreUUIDVersion5OfTheRuleID() {
        // uuid.uuid5(uuid.UUID("9f3c4a7e-1d2b-5e8f-a6c0-67a1b2c3d4e5"), "wininet-invalid-ca") in Python.
        #expect(SigmaExport.ruleUUID("wininet-invalid-ca") == "b0600c39-3e40-56dd-b361-d4aafaa7fc77")
        #expect(SigmaExport.ruleUUID("a") != SigmaExport.ruleUUID("b"))
    }

    @Test func yamlQuotingReadsBack() {
        #expect(YAMLText.quoted("it's") == "'it''s'")
        #expect(YAMLText.quoted("a\tb\\c\"") == "\"a\\tb\\\\c\\\"\"")
    }
}
