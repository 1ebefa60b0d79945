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

@Suite("YAML (libyaml)")
struct YAMLTests {
    private func parse(_ text: String) throws -> YAMLNode { try YAMLParser.parse(text) }

    private func map(_ node: YAMLNode) -> [String: YAMLNode] {
        guard case .mapping(let entries) = node.value else { return [:] }
        return Dictionary(uniqueKeysWithValues: entries.map { ($0.key.scalar!, $0.value) })
    }

    private func list(_ node: YAMLNode?) -> [YAMLNode] {
        guard let node, case .sequence(let items) = node.value else { return [] }
        return items
    }

    @Test func ruleFileShape() throws {
        let text = """
            # a comment
            ---
            - id: wininet-invalid-ca   # trailing comment
              title: "WinINet: unknown CA"
              category: certificate
              pattern: 'WinINet (?<name>ERROR_INTERNET_\\w+), (?<code>\\d{5})\\), URL = (?<url>\\S+)'
              log_levels: [SEVERE, WARNING]
              codes: [ 9000 , 20010 ]
              references:
                - title: Esri KB 000013244
                  url: https://support.esri.com/en/technical-article/000013244
              samples:
                match:
                  - text: it's 'quoted'
                    fields: {code: '12045', name: ERROR_INTERNET_INVALID_CA}
                no_match:
                - plain line
                - 'Elapsed time ''12045'' ms'
            - id: second
              title: Second
              category: token
              pattern: Invalid token
            """
        let root = try parse(text)
        let rules = list(root)
        #expect(rules.count == 2)
        let first = map(rules[0])
        #expect(first["id"]?.scalar == "wininet-invalid-ca")
        #expect(first["id"]?.line == 3)
        #expect(first["id"]?.column == 7)
        #expect(first["title"]?.scalar == "WinINet: unknown CA")
        #expect(first["pattern"]?.scalar == #"WinINet (?<name>ERROR_INTERNET_\w+), (?<code>\d{5})\), URL = (?<url>\S+)"#)
        #expect(list(first["log_levels"]).compactMap(\.scalar) == ["SEVERE", "WARNING"])
        #expect(list(first["codes"]).compactMap(\.scalar) == ["9000", "20010"])
        let reference = map(list(first["references"])[0])
        #expect(reference["url"]?.scalar == "https://support.esri.com/en/technical-article/000013244")
        let samples = map(first["samples"]!)
        let match = map(list(samples["match"])[0])
        #expect(match["text"]?.scalar == "it's 'quoted'")
        #expect(map(match["fields"]!)["code"]?.scalar == "12045")
        #expect(list(samples["no_match"]).compactMap(\.scalar) == ["plain line", "Elapsed time '12045' ms"])
        #expect(map(rules[1])["pattern"]?.scalar == "Invalid token")
    }

    @Test func blockAndQuotedScalars() throws {
        let text = """
            literal: |
              line one
                indented
              line three
            folded: >-
              folded
              together

              new paragraph
            double: "tab\\tand \\u00e9 and \\"quote\\" \\\\"
            multi: 'spans
              two lines'
            plain: continues
              here
            empty:
            hash: a#b
            """
        let root = map(try parse(text))
        #expect(root["literal"]?.scalar == "line one\n  indented\nline three\n")
        #expect(root["folded"]?.scalar == "folded together\nnew paragraph")
        #expect(root["double"]?.scalar == "tab\tand é and \"quote\" \\")
        #expect(root["multi"]?.scalar == "spans two lines")
        #expect(root["plain"]?.scalar == "continues here")
        #expect(root["empty"]?.isNull == true)
        #expect(root["hash"]?.scalar == "a#b")
    }

    @Test("errors point at the line and column", arguments: [
        ("a: 1\na: 2\n", 2, 1, "duplicate key 'a'"),
        ("a: 1\n\tb: 2\n", 2, 1, "tab"),
        ("a: *x\n", 1, 4, "the alias '*x' names no anchor above it"),
        ("a: &x [*x]\n", 1, 8, "cannot contain itself"),
        ("a: !tag 1\n", 1, 4, "tags"),
        ("a: !!int 1\n", 1, 4, "'!!int'"),
        ("a: 'open\n", 1, 4, "not closed"),
        ("a: [1, 2\n", 1, 4, "not closed"),
        ("a: \"bad \\q\"\n", 1, 9, "unknown escape"),
        ("a: 1\n  b: 2\n", 2, 3, "key:"),
        ("- a\nb: 1\n", 2, 1, "unexpected"),
        ("a: 1\n---\nb: 2\n", 3, 1, "one YAML document"),
        ("a: 1\n%YAML 1.1\n", 2, 1, "one YAML document"),
        ("a: \"open\nb: 2\n", 1, 4, "end it with \""),
        ("a: 'x' y\n", 1, 8, "unexpected text after the value"),
        ("a: b: c # note\n", 1, 4, "a value that holds ': ' must be in quotes: write 'b: c'"),
        ("- title: it's: x\n", 1, 10, "write 'it''s: x'"),
        ("a: - b\n", 1, 4, "a list item ('- ') cannot start here"),
        ("a: 1\n- b\n", 2, 1, "a list item where a 'key: value' line was expected"),
        ("a:\n    b: 1\n  c: 2\n", 3, 3, "the keys of the mapping on line 2 are at column 5"),
        ("- id: a\n  title: A\n category: x\n", 3, 2, "the keys of the mapping on line 1 are at column 3"),
        ("a: 1\n  \tb: 2\n", 2, 3, "tab"),
        ("a: \"\\x4\"\n", 1, 5, "'\\x' needs 2 hexadecimal digits"),
        ("a: b\nc: \u{07}\n", 2, 4, "control character (U+0007)"),
        ("? [a]\n: b\n", 1, 3, "a key must be text"),
        ("a: {<<: 1}\n", 1, 9, "'<<' merges mappings"),
        ("a: [1, , 2]\n", 1, 8, "extra comma"),
        ("a: |x\n  t\n", 1, 5, "after '|'"),
        ("a: @x\n", 1, 4, "'@' cannot start a value"),
        ("--- a: 1\n", 1, 6, "put the document on the line after '---'"),
    ])
    func errors(text: String, line: Int, column: Int, message: String) {
        do {
            _ = try YAMLParser.parse(text)
            Issue.record("expected an error for \(text.debugDescription)")
        } catch {
            #expect(error.line == line)
            #expect(error.column == column)
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func anchorsAliasesAndMergeKeys() throws {
        let root = map(try parse("""
            base: &base
              category: certificate
              level: high
              log_levels: &levels [SEVERE, WARNING]
            one:
              <<: *base
              level: low
              again: *levels
            two:
              <<: [{level: medium}, *base]
              '<<': quoted
            """))
        let one = try #require(root["one"].map(map))
        #expect(one["category"]?.scalar == "certificate")
        #expect(one["level"]?.scalar == "low", "a key written in the mapping wins over a merged one")
        #expect(list(one["again"]).compactMap(\.scalar) == ["SEVERE", "WARNING"])
        // An alias keeps the place where its anchor's node was written.
        #expect(one["again"]?.line == 4)
        guard case .mapping(let entries)? = root["two"]?.value else { Issue.record("two is not a mapping"); return }
        #expect(entries.map { $0.key.scalar ?? "" } == ["level", "category", "log_levels", "<<"])
        #expect(entries.first?.value.scalar == "medium", "earlier mappings in a merge list win")
    }

    @Test func flowItemsKeepTheirOwnPlaces() throws {
        let items = list(map(try parse("a: [x, yy,\n  'z']\n"))["a"])
        #expect(items.map(\.line) == [1, 1, 2])
        #expect(items.map(\.column) == [5, 8, 3])
    }

    @Test func tagsThatOnlySayTextAreAccepted() throws {
        let root = map(try parse("a: !!str 12\nb: ! x\nc: !!seq [1]\nd: !!map {e: f}\n"))
        #expect(root["a"]?.value == .scalar("12", quoted: true))
        #expect(root["b"]?.value == .scalar("x", quoted: true))
        #expect(list(root["c"]).count == 1)
        #expect(root["d"].map(map)?["e"]?.scalar == "f")
    }

    @Test func emptyLaterDocumentsAreAllowed() throws {
        #expect(map(try parse("a: 1\n---\n"))["a"]?.scalar == "1")
        #expect(map(try parse("---\na: 1\n...\n"))["a"]?.scalar == "1")
        #expect(try parse("---\n").value == .mapping([]))
    }

    @Test func emptyDocumentAndCRLF() throws {
        #expect(try parse("") == YAMLNode(value: .mapping([]), line: 1, column: 1))
        #expect(try parse("# only a comment\n").value == .mapping([]))
        let root = map(try parse("a: 1\r\nb: two\r\n"))
        #expect(root["b"]?.scalar == "two")
    }
}

@Suite("YAML nesting limits")
struct YAMLNestingTests {
    @Test(arguments: [String(repeating: "[", count: 5000), "a: " + String(repeating: "{b: ", count: 3000), String(repeating: "- ", count: 5000) + "x"])
    func deepNestingIsAnErrorNotAStackOverflow(text: String) {
        do {
            _ = try YAMLParser.parse(text)
            Issue.record("accepted \(text.prefix(20))…")
        } catch {
            #expect(error.message.contains("nested more than 64 levels deep") || error.message.contains("not closed"))
        }
    }

    @Test func aliasesCannotNestPastTheLimit() {
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        let text = "a: &a \(deep)\nb: &b [[[[[[[[[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n"
        #expect(throws: YAMLError.self) { try YAMLParser.parse(text) }
        do {
            _ = try YAMLParser.parse(text)
        } catch {
            #expect(error.line == 2)
            #expect(error.message.contains("nested more than 64 levels deep (counting what the alias '*a' brings in)"))
        }
    }

    /// The "billion laughs": ten levels of ten aliases each would be 10^10 nodes.
    @Test func aliasBombIsRefusedQuickly() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            let previous = "*a\(level - 1)"
            text += "a\(level): &a\(level) [" + Array(repeating: previous, count: 10).joined(separator: ", ") + "]\n"
        }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try YAMLParser.parse(text)
            Issue.record("an alias bomb was accepted")
        } catch {
            #expect(error.message.contains("aliases expand this file to more than 1000000 nodes"))
            #expect(error.line == 6)
        }
        #expect(start.duration(to: clock.now) < .seconds(1))
    }

    @Test func aliasesWithinTheBoundAreExpanded() throws {
        // 1 + 10 + 100 + 1000 + 10000 nodes through aliases: far below the bound.
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...3 {
            text += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        guard case .mapping(let entries) = try YAMLParser.parse(text).value,
              case .sequence(let top) = entries[3].value.value, case .sequence(let inner) = top[9].value else {
            Issue.record("unexpected shape")
            return
        }
        #expect(top.count == 10 && inner.count == 10)
    }
}
