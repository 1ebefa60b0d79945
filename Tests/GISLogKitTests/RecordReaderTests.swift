import Testing
import Foundation
@testable import GISLogSupport
@testable import GISLogInput
@testable import GISLogRecords
@testable import GISLogRules
@testable import GISLogCorrelation
@testable import GISLogReports
@testable import GISLogFetch
@testable import GISLogProbe
@testable import GISLogKit

@Suite("Record parser")
struct RecordReaderTests {
    // Verbatim shapes from public ArcGIS logs and Esri documentation.
    static let restWarning = #"<Msg time="2022-05-22T08:17:00,672" type="WARNING" code="9003" source="Rest" process="14684" thread="1" methodName="" machine="CC-GIS.CLATSOP.CO.CLATSOP.OR.US" user="" elapsed="" requestID="bf7164e4-76bd-463c-b463-1b80d5ea895a">Unable to process request. Error handling service request :Could not find service. Service may be stopped or it may not be configured.</Msg>"#
    static let twoDigitMillis = #"<Msg time="2022-05-22T08:17:28,65" type="SEVERE" code="6540" source="Admin" process="14684" thread="1" methodName="" machine="CC-GIS.CLATSOP.CO.CLATSOP.OR.US" user="" elapsed="" requestID="972509cb-1833-4654-a812-105587b7589f">Failed to update the configuration store. ArcGIS Server Site is currently being configured by another administrative operation. Please try again later.</Msg>"#
    static let methodAndUser = #"<Msg time="2022-05-22T09:30:02,306" type="FINE" code="8522" source="Server" process="14684" thread="27" methodName="WebSecurityManager.authenticate" machine="CC-GIS.CLATSOP.CO.CLATSOP.OR.US" user="Anonymous user" elapsed="" requestID="5a56a2e7-7d7d-4250-94bd-d1e1d460fdd5">HTTP Referer: Not Available</Msg>"#
    static let portalRestart = #"<Msg time="2017-07-12T21:15:15,134" type="WARNING" code="217064" source="Portal" process="29" thread="1" methodName="" machine="PORTAL.WILDSONG.LAN" user="" elapsed="">The web server was found to be stopped. Re-starting it.</Msg>"#
    static let restWarningText = "Unable to process request. Error handling service request :Could not find service. Service may be stopped or it may not be configured."
    static let legacy = #"<Msg time='2009-10-31T14:36:05' type='INFO3' code='4004' target='Yellowstone.MapServer' machine='padisha' user='Fred' thread='2936' elapsed='2.443'> Server Object instance is successfully created on machine padisha. </MSG>"#
    static let legacyShort = #"<Msg time='2010-12-01T12:18:43' type='INFO1' code='3007' target='Server' thread='5960'>Attempt to start configuration maps/stuff of type MapServer.</Msg>"#

    @Test func modernRecordAllAttributes() {
        let (records, outcome) = read(text: Self.restWarning + "\n")
        #expect(records.count == 1)
        let record = records[0]
        #expect(record.level == .warning)
        #expect(record.code == 9003)
        #expect(record.time == utc(2022, 5, 22, 8, 17, 0, 672))
        #expect(record.fields[.source] == "Rest")
        #expect(record.fields[.process] == "14684")
        #expect(record.fields[.thread] == "1")
        #expect(record.fields[.methodName] == "")
        #expect(record.fields[.machine] == "CC-GIS.CLATSOP.CO.CLATSOP.OR.US")
        #expect(record.fields[.requestID] == "bf7164e4-76bd-463c-b463-1b80d5ea895a")
        #expect(record.text.hasPrefix("Unable to process request."))
        #expect(record.line == 1)
        #expect(record.machine == "CC-GIS.CLATSOP.CO.CLATSOP.OR.US")
        #expect(outcome.warnings.isEmpty)
        #expect(outcome.coverage.counters.unparsedLines == 0)
    }

    @Test("milliseconds are an unpadded integer count", arguments: [
        (",65", 65), (",5", 5), (",672", 672), (",0", 0), (",106", 106),
    ])
    func unpaddedMillis(suffix: String, millis: Int) {
        let line = #"<Msg time="2022-05-22T08:17:28\#(suffix)" type="INFO" code="1">x</Msg>"#
        let (records, _) = read(text: line)
        #expect(records.first?.time == utc(2022, 5, 22, 8, 17, 28, millis))
    }

    @Test func filledMethodNameAndUser() {
        let (records, _) = read(text: Self.methodAndUser)
        #expect(records.first?.fields[.methodName] == "WebSecurityManager.authenticate")
        #expect(records.first?.fields[.user] == "Anonymous user")
        #expect(records.first?.level == .fine)
    }

    @Test func portalRecordWithoutRequestID() {
        let (records, _) = read(text: Self.portalRestart)
        #expect(records.first?.code == 217064)
        #expect(records.first?.fields[.requestID] == nil)
        #expect(records.first?.fields[.source] == "Portal")
    }

    @Test func legacyShapeSingleQuotesTargetAndUppercaseClose() {
        let (records, outcome) = read(text: Self.legacy + "\n" + Self.legacyShort + "\n")
        #expect(records.count == 2)
        #expect(records[0].level == .fine)
        #expect(records[0].fields[.source] == "Yellowstone.MapServer")
        #expect(records[0].fields[.elapsed] == "2.443")
        #expect(records[0].time == utc(2009, 10, 31, 14, 36, 5))
        #expect(records[0].text == "Server Object instance is successfully created on machine padisha.")
        #expect(records[0].isUnterminated == false)
        #expect(records[1].level == .info)
        #expect(records[1].code == 3007)
        #expect(records[1].machine == MachineTracker.unknown)
        #expect(outcome.warnings.isEmpty)
    }

    @Test func attributesInAnyOrderUnknownKeptMissingAllowed() {
        let line = #"<Msg code="7706" custom="kept &amp; decoded" type="INFO" time="2022-05-22T09:38:46,922">Web server stopped successfully.</Msg>"#
        let (records, _) = read(text: line)
        #expect(records.first?.code == 7706)
        #expect(records.first?.level == .info)
        #expect(records.first?.extra["custom"] == "kept &amp; decoded")
        #expect(records.first?.fields[.machine] == nil)
        #expect(records.first?.fields[.requestID] == nil)
    }

    /// An incremental run resumes after the last complete record and checks the 64 bytes before it. When
    /// the record still being written at the end needs several refills, those bytes must not shrink.
    @Test func heldBackTailKeepsAFullResumeMarker() throws {
        let body = String(repeating: "<Msg time='2024-01-01T00:00:00,000' type='INFO'>hello</Msg>\n", count: 20)
        let text = Array((body + "<Msg time='2024-01-01T00:00:00,000' type='INFO'>hello</Msg><Msg type='INFO'>still being writ").utf8)
        struct Sink: RecordSink { mutating func accept(_ record: inout RecordView) {} }
        for chunk in [64, 100, 1000] {
            for lent in [false, true] {
                let source: any ByteSource = lent
                    ? try #require(PrefetchingSource(upstream: MemorySource(text), blockSize: chunk, depth: 2, headroom: 256))
                    : MemorySource(text)
                let reader = RecordReader(source: source, warnings: WarningLog(path: "t"), zone: .utc,
                                          buffer: ReadBuffer(maxRecordBytes: 4096, chunkSize: chunk), holdBackTail: true)
                var sink = Sink()
                try reader.run(&sink)
                let end = Int(reader.consumedOffset)
                #expect(end == text.count - "<Msg type='INFO'>still being writ".utf8.count)
                #expect(reader.bytes(before: reader.consumedOffset, count: 64) == Array(text[(end - 64)..<end]),
                        "chunk \(chunk), lent \(lent)")
            }
        }
    }

    /// Lines are counted when asked, forward or back from the last answer: asking for some records' lines
    /// (as events do) and not others must still give every asked line and the resume line right.
    @Test func linesAskedForSomeRecordsOnly() throws {
        var text = ""
        for n in 0..<60 {
            text += "<Msg time='2024-01-01T00:00:00,000' type='INFO' code='\(n)'>line one\n" + String(repeating: "more\n", count: n % 4) + "</Msg>\n"
        }
        text += "<Msg type='INFO'>still being writ"
        let bytes = Array(text.utf8)
        func expectedLine(at offset: Int) -> Int { bytes[..<offset].filter { $0 == 0x0A }.count + 1 }
        struct Sink: RecordSink {
            var asked: [(line: Int, offset: Int64)] = []
            mutating func accept(_ record: inout RecordView) {
                if (record.code ?? 0) % 3 == 0 { asked.append((record.line, record.byteOffset)) }
            }
        }
        for chunk in [64, 100, 300, 4096] {
            let reader = RecordReader(source: MemorySource(bytes), warnings: WarningLog(path: "t"), zone: .utc,
                                      buffer: ReadBuffer(maxRecordBytes: 4096, chunkSize: chunk), holdBackTail: true)
            var sink = Sink()
            try reader.run(&sink)
            #expect(sink.asked.count == 20)
            for (line, offset) in sink.asked { #expect(line == expectedLine(at: Int(offset)), "chunk \(chunk)") }
            #expect(reader.consumedLine == expectedLine(at: Int(reader.consumedOffset)), "chunk \(chunk)")
        }
    }

    /// A stray '=' where a name should be is an empty name: its value is skipped, and a '>' inside that
    /// value does not end the start tag.
    @Test func strayEqualsBeforeAQuotedValue() {
        let (records, _) = read(text: "<Msg time='2024-01-01T00:00:00,000' ='a>b' type='SEVERE' code='1'>hello</Msg>\n")
        #expect(records.count == 1)
        #expect(records.first?.level == .severe)
        #expect(records.first?.code == 1)
        #expect(records.first?.text == "hello")
    }

    /// Names are scanned eight bytes at a time for a byte below '?': digits, '-', '.' and ':' inside a
    /// name must not end it, and a name may end in any of its eight places.
    @Test func attributeNamesWithDigitsAndPunctuation() {
        let line = #"<Msg x1="a" data-2.v:3="b" abcdefg7="c" abcdefgh="d" type="INFO" time = "2022-05-22T09:38:46,922"/>"#
        let (records, _) = read(text: line)
        #expect(records.first?.extra == ["x1": "a", "data-2.v:3": "b", "abcdefg7": "c", "abcdefgh": "d"])
        #expect(records.first?.level == .info)
        #expect(records.first?.time == utc(2022, 5, 22, 9, 38, 46, 922))
    }

    @Test func xmlEntitiesDecodedInText() {
        let line = #"<Msg time="2022-05-22T09:38:46,922" type="INFO" code="1">a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#233; &#xE9; &bogus; & raw</Msg>"#
        let (records, _) = read(text: line)
        #expect(records.first?.text == #"a <b> & "c" 'd' é é &bogus; & raw"#)
    }

    @Test func multiLineRecordWithStepsAndStack() {
        let text = """
            <Msg time="2026-11-14T13:05:10,12" type="SEVERE" code="207052" source="Portal Admin" process="4411" thread="31" methodName="" machine="GIS-PORTAL01" user="" elapsed="">Validation failed for hosting server 'https://gis01:6443/arcgis'. Validation steps. Step1: ArcGIS Server administration URL is accessible.
            Step2: Validating hosting server.
            Step3: Error: java.lang.Exception: Server returned HTTP status code 502.
            \tat com.esri.arcgis.portal.admin.core.util.HttpClient.post(HttpClient.java:306)
            </Msg>
            <Msg time="2026-11-14T13:05:11,0" type="INFO" code="217039" source="Portal" process="4411" thread="1" methodName="" machine="GIS-PORTAL01" user="" elapsed="">Log Service started.</Msg>

            """
        let (records, outcome) = read(text: text)
        #expect(records.count == 2)
        #expect(records[0].text.contains("Step2: Validating hosting server."))
        #expect(records[0].text.hasSuffix("(HttpClient.java:306)"))
        #expect(records[1].line == 6)
        #expect(outcome.coverage.counters.unparsedLines == 0)
        #expect(outcome.coverage.counters.lines == 6)
    }

    @Test func crlfLineEnds() {
        let text = Self.restWarning + "\r\n" + Self.methodAndUser + "\r\n"
        let (records, outcome) = read(text: text)
        #expect(records.count == 2)
        #expect(records[1].line == 2)
        #expect(!records[0].text.contains("\r"))
        #expect(outcome.coverage.counters.unparsedLines == 0)
    }

    @Test func invalidUTF8IsRepairedAsWindows1252() {
        var bytes = Array(#"<Msg time="2022-05-22T08:17:00,1" type="INFO" code="1">Caf"#.utf8)
        bytes += [0xE9, 0x20, 0x93, 0x71, 0x94, 0x20, 0xFF]
        bytes += Array("</Msg>\n".utf8)
        let (records, _) = read(bytes: bytes)
        #expect(records.first?.text == "Café \u{201C}q\u{201D} ÿ")
    }

    @Test func validUTF8IsKept() {
        let (records, _) = read(text: #"<Msg time="2022-05-22T08:17:00,1" type="INFO" code="1">Zürich → 東京</Msg>"#)
        #expect(records.first?.text == "Zürich → 東京")
    }

    @Test func oversizedRecordIsCutFlaggedCountedAndTheNextOneRead() {
        let huge = String(repeating: "x", count: 5000)
        let text = #"<Msg time="2022-05-22T08:17:00,1" type="SEVERE" code="1">"# + huge + "</Msg>\n" + Self.restWarning + "\n"
        let (records, outcome) = read(text: text, maxRecordBytes: 1024, chunkSize: 512)
        #expect(records.count == 2)
        #expect(records[0].isTruncated)
        #expect(records[0].level == .severe)
        #expect(records[0].text.count < 1024)
        #expect(records[1].code == 9003)
        #expect(records[1].line == 2)
        #expect(outcome.coverage.counters.oversizedRecords == 1)
        #expect(outcome.warnings.contains { $0.kind == .oversizedRecord && $0.location == .line(1) })
    }

    @Test func hugeSingleLineOfNonsenseIsBoundedAndCounted() {
        let text = String(repeating: "abc ", count: 100_000)
        let (records, outcome) = read(text: text, maxRecordBytes: 1024, chunkSize: 4096)
        #expect(records.isEmpty)
        #expect(outcome.coverage.counters.unparsedLines == 1)
        #expect(outcome.warnings.contains { $0.kind == .unparsedText })
    }

    @Test func unterminatedRecordEndsAtTheNextRecord() {
        let text = #"<Msg time="2022-05-22T08:17:00,1" type="SEVERE" code="1">cut off here"# + "\n" + Self.restWarning + "\n"
            + #"<Msg time="2022-05-22T08:18:00,1" type="INFO" code="2">last line, no end"#
        let (records, outcome) = read(text: text)
        #expect(records.count == 3)
        #expect(records[0].isUnterminated)
        #expect(records[0].text == "cut off here")
        #expect(records[1].isUnterminated == false)
        #expect(records[2].isUnterminated)
        #expect(records[2].text == "last line, no end")
        #expect(outcome.coverage.counters.unterminatedRecords == 2)
        #expect(outcome.warnings.contains { $0.kind == .unterminatedRecord && $0.location == .line(1) })
    }

    /// A literal `</Msg>` inside a message (logged user input, echoed XML) does not end the record: the 12045
    /// and its URL after it stay in the message, at every buffer split.
    @Test func aClosingTagInsideTheTextDoesNotCutTheRecord() {
        let inner = #"<Msg time="2026-11-14T13:04:22,18" type="SEVERE" code="20010" source="Utilities/PrintingTools.GPServer" process="6120" thread="14" methodName="" machine="GIS01" user="" elapsed="" requestID="">Title was '</Msg>' then: The certificate authority is invalid or incorrect (WinINet ERROR_INTERNET_INVALID_CA, 12045), URL = https://portal.example.com:7443/arcgis/sharing/rest/self</Msg>"#
        let text = inner + "\n" + Self.restWarning + "\n" + Self.methodAndUser + "<Msg time=\"2022-05-22T08:18:00,1\" type=\"INFO\" code=\"2\">next on the same line</Msg>\n"
        let whole = read(text: text)
        #expect(whole.records.count == 4)
        #expect(whole.records[0].text.hasSuffix("URL = https://portal.example.com:7443/arcgis/sharing/rest/self"))
        #expect(whole.records[0].text.hasPrefix("Title was '</Msg>' then:"))
        #expect(whole.records.allSatisfy { !$0.isUnterminated })
        #expect(whole.outcome.coverage.counters.unparsedLines == 0)
        #expect(whole.records[3].text == "next on the same line")
        for chunkSize in [7, 13, 64, 97, 300] {
            let split = read(text: text, maxRecordBytes: 1024, chunkSize: chunkSize)
            #expect(split.records.map(\.text) == whole.records.map(\.text), "chunk size \(chunkSize)")
        }
    }

    /// A `</Msg>` with junk after it on its line still ends the record when no better end comes before the
    /// next record: the junk is text outside records, as before.
    @Test func aClosingTagWithJunkAfterItEndsTheRecordBeforeTheNextOne() {
        let text = #"<Msg time="2022-05-22T08:17:00,1" type="INFO" code="1">first</Msg> junk"# + "\n" + Self.restWarning + "\n"
        let (records, outcome) = read(text: text)
        #expect(records.map(\.text) == ["first", Self.restWarningText])
        #expect(records.allSatisfy { !$0.isUnterminated })
        #expect(outcome.coverage.counters.unparsedLines == 1)
    }

    /// An unbalanced quote in an attribute ends at its line: the records after it are read, not swallowed.
    @Test func anUnbalancedQuoteDoesNotSwallowTheNextRecords() {
        let broken = #"<Msg time="2022-05-22T08:17:00,1" type="SEVERE" code="1" user="alice>a message</Msg>"#
        let text = broken + "\n" + Self.restWarning + "\n" + Self.twoDigitMillis + "\n"
        let (records, _) = read(text: text)
        #expect(records.count == 3)
        #expect(records[1].text == Self.restWarningText)
        #expect(records[2].code == 6540)
    }

    @Test func textOutsideRecordsIsCountedNotLost() {
        let text = "junk before\n" + Self.restWarning + "\nmore junk\n\n" + Self.methodAndUser + " trailing\n"
        let (records, outcome) = read(text: text)
        #expect(records.count == 2)
        #expect(outcome.coverage.counters.unparsedLines == 3)
        #expect(outcome.warnings.contains { $0.kind == .unparsedText && $0.location == .line(1) })
    }

    @Test func oracleLowercaseMsgIsNotARecord() {
        let (records, _) = read(text: "<msg time='2020-01-01T00:00:00' org_id='oracle'><txt>hi</txt></msg>\n")
        #expect(records.isEmpty)
    }

    @Test func badTimeKeepsTheRecordWithoutATime() {
        let (records, outcome) = read(text: #"<Msg time="yesterday" type="INFO" code="1">x</Msg>"#)
        #expect(records.count == 1)
        #expect(records[0].time == nil)
        #expect(outcome.coverage.counters.badTimes == 1)
        #expect(outcome.warnings.contains { $0.kind == .badTime })
    }

    @Test func selfClosingAndBareAttributes() {
        let (records, _) = read(text: #"<Msg time="2022-05-22T08:17:00,1" type="INFO" flag code=12/>"# + "\n" + Self.restWarning)
        #expect(records.count == 2)
        #expect(records[0].code == 12)
        #expect(records[0].text == "")
    }

    @Test("tiny buffers give the same records as large ones", arguments: [64, 97, 300, 4096])
    func streamingAcrossBufferBoundaries(chunkSize: Int) {
        let text = [Self.restWarning, Self.twoDigitMillis, Self.methodAndUser, Self.portalRestart, Self.legacy]
            .joined(separator: "\n") + "\n"
        let big = read(text: text)
        let small = read(text: text, maxRecordBytes: 1024, chunkSize: chunkSize)
        #expect(small.records.count == 5)
        #expect(small.records.map(\.text) == big.records.map(\.text))
        #expect(small.records.map(\.line) == [1, 2, 3, 4, 5])
        #expect(small.records.map(\.time) == big.records.map(\.time))
        #expect(small.records.map(\.byteOffset) == big.records.map(\.byteOffset))
        #expect(small.outcome.coverage.counters.unparsedLines == 0)
    }

    /// Quoted values are searched eight bytes at a time and may end anywhere in a read: every chunk size
    /// from 7 to 80 cuts the records at a different place, and the attributes must come out the same.
    @Test func attributeValuesSplitAtEveryOffset() {
        let text = [Self.restWarning, Self.legacy, #"<Msg time="2022-05-22T08:17:00,1" type="INFO" code="7" user='it"s' source="a'b">x</Msg>"#]
            .joined(separator: "\n") + "\n"
        let whole = read(text: text).records
        #expect(whole.count == 3)
        #expect(whole[2].fields[.user] == #"it"s"# && whole[2].fields[.source] == "a'b")
        for chunkSize in 7...80 {
            let split = read(text: text, maxRecordBytes: 1024, chunkSize: chunkSize).records
            #expect(split.map(\.fields) == whole.map(\.fields), "chunk size \(chunkSize)")
        }
    }

    /// Line numbers come from counting newlines in bulk (32 bytes at a time, folded every 8,160 bytes):
    /// records after long multi-line texts must still get the right lines.
    @Test func lineNumbersAfterLongMultiLineRecords() {
        var text = ""
        var expectedLines: [Int] = []
        var line = 1
        for size in [0, 1, 31, 32, 33, 255, 8_159, 8_160, 8_161, 20_000] {
            expectedLines.append(line)
            let body = String(repeating: "at com.esri.arcgis.Frame(Frame.java:1)\n", count: size / 40 + 1)
            text += #"<Msg time="2022-05-22T08:17:00,1" type="SEVERE" code="1">"# + body + "</Msg>\n"
            line += body.filter { $0 == "\n" }.count + 1
        }
        let (records, outcome) = read(text: text)
        #expect(records.map(\.line) == expectedLines)
        #expect(outcome.coverage.counters.lines == line - 1)
    }

    @Test(.enabled(if: realCorpusPath != nil, "needs the real ArcGIS Server log beside the repository"))
    func realServerLogParsesExactly() throws {
        let path = try #require(realCorpusPath)
        for chunk in [1 << 20, 1000] {
            let (records, outcome) = readFile(path, maxRecordBytes: 4096, chunkSize: chunk)
            #expect(records.count == 889)
            let byLevel = Dictionary(grouping: records, by: \.level).mapValues(\.count)
            #expect(byLevel[.info] == 497)
            #expect(byLevel[.fine] == 333)
            #expect(byLevel[.severe] == 27)
            #expect(byLevel[.warning] == 22)
            #expect(byLevel[.verbose] == 10)
            #expect(records.allSatisfy { $0.time != nil })
            #expect(outcome.coverage.counters.unparsedLines == 0)
            #expect(outcome.coverage.counters.lines == 889)
            #expect(outcome.warnings.isEmpty)
            #expect(outcome.machines.map(\.machine) == ["CC-GIS.CLATSOP.CO.CLATSOP.OR.US"])
            #expect(outcome.machines.first?.first == utc(2022, 5, 22, 8, 17, 0, 672))
            #expect(outcome.machines.first?.last == utc(2022, 5, 22, 9, 38, 46, 922))
        }
    }
}

/// Attributes in ArcGIS's usual order are read by a shortcut (each name checked whole); any other tag goes
/// through the general byte loop. The two must never differ: random tags in the usual shape and near it
/// (other orders, missing and extra names, other spacing and quotes, line breaks and `>` in values, cuts by
/// the buffer) are read both ways, at several buffer sizes, and every record compared whole.
@Suite("Record parser: the usual-order shortcut")
struct UsualAttributeOrderTests {
    struct Snapshot: Equatable, CustomStringConvertible {
        var fields: [String?], extras: [String], text: String, offset: Int64, line: Int
        var time: Int64?, code: Int?, level: Level, truncated: Bool, unterminated: Bool
        var description: String { "\(offset) line \(line): \(fields) \(extras) \(text.debugDescription)" }
    }

    struct Collect: RecordSink {
        var records: [Snapshot] = []
        mutating func accept(_ record: inout RecordView) {
            let extras = record.extraAttributes.map { pair in
                String(decoding: record.slice(pair.name), as: UTF8.self) + "=" + String(decoding: record.slice(pair.value), as: UTF8.self)
            }
            records.append(Snapshot(fields: RecordField.allCases.map { record.string($0) }, extras: extras,
                                    text: record.text, offset: record.byteOffset, line: record.line, time: record.time,
                                    code: record.code, level: record.level, truncated: record.isTruncated,
                                    unterminated: record.isUnterminated))
        }
    }

    static func read(_ bytes: [UInt8], chunk: Int, fast: Bool) throws -> (records: [Snapshot], counters: ReaderCounters) {
        let reader = RecordReader(source: MemorySource(bytes), warnings: WarningLog(path: "t"), zone: .utc,
                                  buffer: ReadBuffer(maxRecordBytes: 4096, chunkSize: chunk), fastTags: fast)
        var sink = Collect()
        try reader.run(&sink)
        return (sink.records, reader.counters)
    }

    /// One record's start tag and text, drawn near ArcGIS's shape.
    static func record(_ random: inout SplitMix64) -> String {
        let usual: [(String, String)] = [
            ("time", "2026-11-01T06:35:4\(random.next() % 10),278"), ("type", ["INFO", "SEVERE", "FINE", "WARNING"][Int(random.next() % 4)]),
            ("code", "\(random.next() % 300_000)"), ("source", "Server"), ("process", "3864"), ("thread", "\(random.next() % 40)"),
            ("methodName", ""), ("machine", "GIS-SERVER01.CONTOSO.LOCAL"), ("user", ""), ("elapsed", ""),
            ("requestID", "001f0b03-186b-4b14-a55e-569dba6077dc"),
        ]
        var attributes = usual
        if random.next() % 3 == 0 { attributes.removeLast() }  // Portal's shape
        if random.next() % 8 == 0 {  // another order
            let at = Int(random.next() % UInt64(attributes.count - 1))
            attributes.swapAt(at, at + 1)
        }
        var tag = "<Msg"
        for (index, (name, value)) in attributes.enumerated() {
            var name = name, value = value, space = " ", equals = "=", open = "\"", close = "\""
            switch random.next() % 40 {
            case 0: space = "  "
            case 1: space = "\t"
            case 2: equals = " = "
            case 3: open = "'"; close = "'"
            case 4: value += "\n"  // a value cut by the line's end
            case 5: value += ">"
            case 6: value += "'"
            case 7: name = "x-" + name
            case 8: name = "target"
            case 9: close = ""  // an unbalanced quote
            case 10: space = ""
            case 11: name = name.uppercased()
            case 12: value = index == 0 ? "not a time" : value
            case 13: tag += " extra=\"1\""
            case 14: name = ""
            default: break
            }
            tag += space + name + equals + open + value + close
        }
        switch random.next() % 12 {
        case 0: tag += " >"
        case 1: tag += "/>"
        case 2: tag += ""
        default: tag += ">"
        }
        let text = ["Request user: Anonymous user", "Wait time is 0 ms.", "", "a > b"][Int(random.next() % 4)]
        return tag + text + (random.next() % 15 == 0 ? "" : "</Msg>") + "\n"
    }

    @Test func shortcutAndGeneralParserAgree() throws {
        var random = SplitMix64(seed: 2026_12_01)
        var checked = 0
        for _ in 0..<300 {
            let text = (0..<(1 + Int(random.next() % 8))).map { _ in Self.record(&random) }.joined()
            let bytes = Array(text.utf8)
            for chunk in [64, 113, 4096] {
                let fast = try Self.read(bytes, chunk: chunk, fast: true)
                let general = try Self.read(bytes, chunk: chunk, fast: false)
                #expect(fast.records == general.records, "chunk \(chunk): \(text.debugDescription)")
                #expect(fast.counters == general.counters, "chunk \(chunk): \(text.debugDescription)")
                checked += fast.records.count
            }
        }
        #expect(checked > 1000)
    }

    /// The shortcut reads the real log's records (Server's usual shape) to the same answer.
    @Test(.enabled(if: realCorpusPath != nil, "needs the real ArcGIS Server log beside the repository"))
    func realLogReadsTheSameBothWays() throws {
        let path = try #require(realCorpusPath)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let fast = try Self.read(bytes, chunk: 1 << 16, fast: true)
        let general = try Self.read(bytes, chunk: 1 << 16, fast: false)
        #expect(fast.records.count > 800)
        #expect(fast.records == general.records)
    }
}
