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

@Suite("YAML subset")
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
        ("a: &x 1\n", 1, 4, "anchors"),
        ("a: !tag 1\n", 1, 4, "tags"),
        ("a: 'open\n", 1, 4, "not closed"),
        ("a: [1, 2\n", 1, 4, "not closed"),
        ("a: \"bad \\q\"\n", 1, 9, "unknown escape"),
        ("a: 1\n  b: 2\n", 2, 3, "key:"),
        ("- a\nb: 1\n", 2, 1, "unexpected"),
        ("a: 1\n---\nb: 2\n", 3, 1, "one YAML document"),
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
}
