import Testing
@testable import GISLogSupport
@testable import GISLogRules

@Suite("Pattern prefilters")
struct PrefilterTests {
    private func texts(_ pattern: String, caseless: Bool = false) -> [String]? {
        LiteralExtractor.prefilter(in: pattern, caseless: caseless)?.alternatives.map {
            ($0.caseless ? "i:" : "") + String(decoding: $0.bytes, as: UTF8.self)
        }
    }

    @Test func derivedFromAlternativesGroupsAndCaselessPatterns() {
        #expect(texts(#"(?:curl: \((?<c>35|60)\) (?<m>[^\r\n<]{1,200})|SSL certificate problem: (?<d>[^\r\n<]{1,200}))"#)
            == ["curl: (", "SSL certificate problem: "])
        #expect(texts(#"(?:HTTP status code |HTTP/1\.[01] |[Ss]tatus(?: code)?[ =:]+)(?<http_code>49[89])\b"#)
            == ["HTTP status code ", "HTTP/1.", "tatus"])
        #expect(texts(#"(?i)\b(?:token (?:has |had |is )?expired|expired token)\b"#) == ["i:expired", "i:expired token"])
        #expect(texts(#"(?i)(?<mention>self[- ]?signed certificate|selfsignedcertificate)"#)
            == ["i:signed certificate", "i:selfsignedcertificate"])
        #expect(texts(#"(?i:Invalid SSL certificate found)(?!\.?\s*PKIX)"#) == ["i:invalid ssl certificate found"])
        #expect(texts("Could not decrypt token", caseless: true) == ["i:could not decrypt token"])
        #expect(texts("abcd|efgh") == ["abcd", "efgh"])
        // Whatever could hide what a match contains gives no prefilter.
        #expect(texts("abcd|ef") == nil)
        #expect(texts("(?:abcd)?efg") == nil)
        #expect(texts("abc(?i)(?:defgh|ijklm)") == nil)
        #expect(texts("(?:(?i)abcd|efgh)") == nil)
        #expect(texts(#"\Qabcd|\Eefgh"#) == nil)
        #expect(texts("(*UTF)abcd|efgh") == nil)
        #expect(texts("(?#x|y)abcd") == nil)
        #expect(texts("(?=abcd)x|efgh") == nil)
        #expect(texts("caf\u{E9} cr\u{E8}me|ab", caseless: true) == nil)
    }

    /// A prefilter may let through texts the pattern does not match, never the reverse.
    @Test func neverRejectsWhatThePatternMatches() throws {
        let seed = SplitMix64.testSeed()
        var generator = SplitMix64(seed: seed)
        let set = try RulePack.load(RulePack.builtinSources)
        var patterns = set.rules.map { ($0.rule.pattern, $0.rule.caseless) }
        patterns += [("(?i)abc(?:defg|hijk)", false), ("(?:Kelvin|token)x", true), ("a(?i:SSL certificate)b", false)]
        let matcher = PCRE2Matcher(maxCaptures: 40)
        var checked = 0, matched = 0
        for (source, caseless) in patterns {
            let plain = try PCRE2Pattern(source, caseless: caseless, prefilter: false)
            guard let prefilter = try PCRE2Pattern(source, caseless: caseless).prefilter else { continue }
            checked += 1
            // Pieces: the rule's own texts in mixed case, with letters swapped for their Unicode case variants.
            var pieces = prefilter.alternatives.map { String(decoding: $0.bytes, as: UTF8.self) }
            pieces += set.rules.first { $0.rule.pattern == source }?.rule.mustMatch.map(\.text) ?? []
            pieces += [" ", "(", ")", ": ", "498", "12045", "x", "\u{17F}", "\u{212A}", "é"]
            for _ in 0..<400 {
                var text = (0..<Int.random(in: 1...4, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
                text = String(text.map { character in
                    switch Int.random(in: 0..<10, using: &generator) {
                    case 0: return Character(character.uppercased())
                    case 1: return Character(character.lowercased())
                    case 2 where character == "s": return "\u{17F}"
                    case 3 where character == "k": return "\u{212A}"
                    default: return character
                    }
                })
                let bytes = Array(text.utf8)
                bytes.withUnsafeBytes { subject in
                    if case .match = matcher.match(plain, subject) {
                        matched += 1
                        #expect(prefilter.mayMatch(subject), "\(source) on \(text.debugDescription), seed \(seed)")
                    }
                }
            }
        }
        #expect(checked >= 5)
        #expect(matched > 100, "the generator should make matches, seed \(seed)")
    }

    @Test func caselessSearchFindsEveryPlaceAndCase() {
        let text = Array("xx Invalid SSL CERTIFICATE found, then some more text to pass sixteen bytes".utf8)
        text.withUnsafeBytes { raw in
            #expect(PatternPrefilter.containsIgnoringCase(raw, Array("invalid ssl certificate found".utf8)))
            #expect(PatternPrefilter.containsIgnoringCase(raw, Array("sixteen bytes".utf8)))
            #expect(!PatternPrefilter.containsIgnoringCase(raw, Array("sixteen bytez".utf8)))
            #expect(!PatternPrefilter.containsIgnoringCase(raw, Array("xx invalid".utf8).map { $0 == 0x20 ? 0x00 : $0 }))
            for start in 0..<(text.count - 4) {
                let needle = Array(text[start..<(start + 4)]).map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
                #expect(PatternPrefilter.containsIgnoringCase(raw, needle))
            }
        }
    }
}
