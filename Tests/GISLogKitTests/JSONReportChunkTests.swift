import Testing
@testable import GISLogSupport
@testable import GISLogInput
@testable import GISLogRecords
@testable import GISLogRules
@testable import GISLogCorrelation
@testable import GISLogReports
@testable import GISLogKit

@Suite("The JSON report leaves in pieces")
struct JSONReportChunkTests {
    /// A big site's report lists every file; rendered in pieces it is the same text, and no piece holds
    /// much more than 64 KiB, so the whole list never sits in memory at once.
    @Test func piecesMakeTheSameTextAndStaySmall() throws {
        let options = ScanOptions(paths: [repositoryRoot + "/Samples/basic"], timeZone: .utc)
        let ruleSet = try RulePack.load(RulePack.builtinSources, checkSamples: .none)
        var pipeline = Pipeline(options: options, ruleSet: ruleSet, correlation: CorrelationOptions(), now: 0, version: "test")
        var report = pipeline.run(LogScanner(options: options)).report
        let file = try #require(report.coverage.files.first)
        report.coverage.files = FileCoverages(Array(repeating: file, count: 3_000))

        let whole = JSONReport(report).render()
        var pieces: [String] = []
        JSONReport(report).render { pieces.append($0) }
        #expect(pieces.joined() == whole)
        #expect(pieces.count > 10, "\(pieces.count) pieces for \(whole.utf8.count) bytes")
        // A piece is cut after the file entry that passes 64 KiB.
        #expect(pieces.dropLast().allSatisfy { $0.utf8.count < (64 << 10) + 4096 })
        #expect(whole.hasSuffix("}\n"))
    }

    @Test func takeOutputHandsOverAndGoesOn() {
        var json = JSONWriter()
        json.beginObject()
        json.field("a", 1)
        let first = json.takeOutput()
        json.field("b", "x")
        json.endObject()
        #expect(first + json.output == #"{"a":1,"b":"x"}"#)
    }
}
