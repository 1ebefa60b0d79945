import Testing
import CGISLogShims
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

    /// The vector search against a byte-by-byte one: every haystack length around the 16- and 32-byte steps
    /// and the overlapping last step, needles placed at every position or nearly there (one byte off), both
    /// cases, with and without caseless matching.
    @Test func textSearchAgreesWithANaiveOne() {
        let seed = SplitMix64.testSeed()
        var generator = SplitMix64(seed: seed)
        func naive(_ haystack: [UInt8], _ needle: [UInt8], caseless: Bool) -> Bool {
            guard needle.count <= haystack.count else { return false }
            func fold(_ byte: UInt8) -> UInt8 { caseless && byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
            return (0...(haystack.count - needle.count)).contains { start in
                needle.indices.allSatisfy { fold(haystack[start + $0]) == needle[$0] }
            }
        }
        let alphabet = Array("eE tTaAsSgG.:xz".utf8)
        var checked = 0, found = 0
        for length in 0...100 {
            for _ in 0..<12 {
                let needleLength = Int.random(in: 1...min(24, max(1, length + 1)), using: &generator)
                let caseless = Bool.random(using: &generator)
                var needle = (0..<needleLength).map { _ in alphabet.randomElement(using: &generator)! }
                if caseless { needle = needle.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 } }
                var haystack = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
                if length >= needleLength, Bool.random(using: &generator) {
                    let start = Int.random(in: 0...(length - needleLength), using: &generator)
                    for (offset, byte) in needle.enumerated() {
                        haystack[start + offset] = caseless && Bool.random(using: &generator) && byte >= 0x61 && byte <= 0x7A
                            ? byte - 0x20 : byte
                    }
                    // Sometimes spoil one byte, so that the anchors match and the whole compare must say no.
                    if Bool.random(using: &generator) { haystack[start + Int.random(in: 0..<needleLength, using: &generator)] = 0x7E }
                }
                let expected = naive(haystack, needle, caseless: caseless)
                let anchors = gislog_text_anchors(needle, needle.count)
                let answer = haystack.withUnsafeBufferPointer { h in
                    gislog_contains_text_at(h.baseAddress ?? UnsafePointer(needle), h.count, needle, needle.count,
                                            caseless ? 1 : 0, anchors) != 0
                }
                #expect(answer == expected, "length \(length), needle \(needle), caseless \(caseless), seed \(seed)")
                checked += 1
                if expected { found += 1 }
            }
        }
        #expect(checked == 1212)
        // About a quarter of the cases plant a whole needle (half plant one, half of those spoil it): some 290
        // of 1,212, give or take 15; 200 is six of those below, so a seed never fails it by chance.
        #expect(found > 200, "the generator should plant needles, seed \(seed)")
    }

    /// The anchors are two distinct positions inside the needle, on its rarest bytes.
    @Test func anchorsPickTheRarestBytes() {
        func anchors(_ text: String) -> (Int, Int) {
            let value = gislog_text_anchors(Array(text.utf8), text.utf8.count)
            return (Int(value & 0xFFFF), Int(value >> 16))
        }
        #expect(anchors("Starting in upgrade mode") == (0, 7))
        #expect(anchors("ab") == (0, 1))
        #expect(anchors("a") == (0, 0))
        #expect(anchors("see the key") == (8, 10))
    }
}
