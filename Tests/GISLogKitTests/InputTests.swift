import CGISLogShims
import CZlib
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

private func record(_ n: Int, level: String = "INFO") -> String {
    #"<Msg time="2026-11-14T10:00:\#(String(format: "%02d", n % 60)),\#(n)" type="\#(level)" code="\#(9000 + n)" source="Rest" process="1" thread="1" methodName="" machine="GIS01" user="" elapsed="" requestID="">message number \#(n)</Msg>"# + "\n"
}

private func records(_ range: Range<Int>) -> String { range.map { record($0) }.joined() }

/// Everything a source gives, read in odd-sized pieces.
private func readAll(_ source: any ByteSource) throws -> [UInt8] {
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 333)
    while true {
        let count = try chunk.withUnsafeMutableBytes { try source.read(into: $0) }
        if count == 0 { return out }
        out += chunk[..<count]
    }
}

@Suite("gzip input")
struct GzipTests {
    @Test func singleMemberIsDetectedByMagicNotName() {
        let (records, outcome) = read(bytes: gzipped(records(0..<50)), name: "server-20261114.log")
        #expect(records.count == 50)
        #expect(outcome.coverage.encoding.gzip)
        #expect(outcome.warnings.isEmpty)
        #expect(outcome.coverage.counters.decodedBytes == Int64(records.count > 0 ? Array(GzipTests.text(0..<50).utf8).count : 0))
    }

    static func text(_ range: Range<Int>) -> String { records(range) }

    @Test func multiMemberFilesAreReadWhole() {
        let bytes = gzipped(records(0..<10)) + gzipped(records(10..<25)) + gzipped(records(25..<30))
        let (records, outcome) = read(bytes: bytes, name: "rotated.log.gz")
        #expect(records.count == 30)
        #expect(records.last?.text == "message number 29")
        #expect(records.map(\.line) == Array(1...30))
        #expect(outcome.warnings.isEmpty)
    }

    @Test func truncatedStreamKeepsWhatWasDecodedAndNamesTheOffset() throws {
        let full = gzipped(records(0..<2000))
        let cut = Array(full.prefix(full.count / 2))
        let (records, outcome) = read(bytes: cut, name: "cut.log.gz")
        #expect(records.count > 100)
        #expect(records.count < 2000)
        let warning = try #require(outcome.warnings.first { $0.kind == .truncatedGzip })
        #expect(warning.location == .compressedOffset(Int64(cut.count)))
        #expect(outcome.coverage.status == .damaged)
    }

    @Test func corruptStreamKeepsWhatWasDecoded() throws {
        var bytes = gzipped(records(0..<2000))
        for index in (bytes.count / 2)..<(bytes.count / 2 + 64) { bytes[index] ^= 0x5A }
        let (records, outcome) = read(bytes: bytes, name: "corrupt.log.gz")
        #expect(records.count > 100)
        #expect(records.count < 2000)
        let warning = try #require(outcome.warnings.first { $0.kind == .corruptGzip || $0.kind == .truncatedGzip })
        guard case .compressedOffset(let offset)? = warning.location else {
            Issue.record("expected a compressed offset, got \(String(describing: warning.location))")
            return
        }
        #expect(offset >= Int64(bytes.count / 2))
        #expect(offset <= Int64(bytes.count))
    }

    /// The folded CRC must equal zlib's for every length and alignment (64 is the least it folds).
    @Test func foldedCRCAgreesWithZlib() {
        let seed = SplitMix64.testSeed()
        var generator = SplitMix64(seed: seed)
        let bytes = (0..<5000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            for length in Array(0..<300) + [1023, 1024, 1025, 4093, 4900] {
                for offset in 0..<4 {
                    let start = UInt32(truncatingIfNeeded: crc32_z(0, base, 5))
                    let expected = UInt32(truncatingIfNeeded: crc32_z(UInt(start), base + offset, length))
                    var crc = start
                    let folded = gislog_crc32_fold(&crc, base + offset, length)
                    crc = UInt32(truncatingIfNeeded: crc32_z(UInt(crc), base + offset + folded, length - folded))
                    #expect(crc == expected, "length \(length), offset \(offset), seed \(seed)")
                }
            }
        }
    }

    /// A file exactly as long as the decompression limit is read whole, without a limit warning; one byte
    /// more is cut and warned about. Whatever the input buffer, down to one byte (clamped).
    @Test("the decompression limit is exact", arguments: [1, 5, 4096])
    func decompressionLimitIsExact(inputCapacity: Int) throws {
        let text = Array(records(0..<50).utf8)
        let bytes = gzipped(records(0..<25)) + gzipped(records(25..<50))
        for (limit, cut) in [(Int64(text.count), false), (Int64(text.count - 1), true), (Int64(text.count + 1), false)] {
            let warnings = WarningLog(path: "l.gz")
            let source = GzipSource(upstream: MemorySource(bytes), warnings: warnings, limit: limit, inputCapacity: inputCapacity)
            let out = try readAll(source)
            #expect(out == Array(text.prefix(Int(min(limit, Int64(text.count))))), "limit \(limit), capacity \(inputCapacity)")
            #expect(warnings.warnings.map(\.kind) == (cut ? [.decompressionLimit] : []), "limit \(limit), capacity \(inputCapacity)")
        }
    }

    /// gislog checks each member's CRC-32 and length itself (not zlib): a wrong trailer is damage, found
    /// wherever the trailer falls in the input reads, and the members before it are kept.
    @Test("a member's trailer is checked", arguments: [(4, "incorrect data check"), (0, nil), (8, "incorrect length check")])
    func memberTrailersAreChecked(flip: Int, problem: String?) throws {
        let first = gzipped(records(0..<40)), second = gzipped(records(40..<80)), third = gzipped(records(80..<90))
        var bytes = first + second + third
        // flip = 4 changes the second member's CRC, 8 its length; 0 leaves it alone.
        if flip > 0 { bytes[first.count + second.count - 9 + flip] ^= 0x01 }
        let whole = Array(records(0..<90).utf8)
        for inputCapacity in [5, 6, 7, 8, 9, 13, 64, 4096] {
            let warnings = WarningLog(path: "m.gz")
            let source = GzipSource(upstream: MemorySource(bytes), warnings: warnings, inputCapacity: inputCapacity)
            let out = try readAll(source)
            if let problem {
                #expect(out == Array(records(0..<80).utf8), "capacity \(inputCapacity)")  // members one and two
                let warning = try #require(warnings.warnings.first { $0.kind == .corruptGzip })
                #expect(warning.message.contains(problem))
                #expect(warning.location == .compressedOffset(Int64(first.count + second.count)))
            } else {
                #expect(out == whole, "capacity \(inputCapacity)")
                #expect(warnings.warnings.isEmpty)
            }
        }
    }

    @Test func trailingGarbageIsIgnoredWithAWarning() throws {
        let good = gzipped(records(0..<5))
        let (records, outcome) = read(bytes: good + Array("not gzip at all".utf8), name: "x.log.gz")
        #expect(records.count == 5)
        let warning = try #require(outcome.warnings.first { $0.kind == .trailingGarbage })
        #expect(warning.location == .compressedOffset(Int64(good.count)))
    }

    @Test func emptyGzipMemberAndEmptyFile() {
        let empty = read(bytes: gzipped(""), name: "empty.log.gz")
        #expect(empty.records.isEmpty)
        #expect(empty.outcome.warnings.isEmpty)
        #expect(empty.outcome.coverage.encoding.gzip)
        let zero = read(bytes: [], name: "zero.log.gz")
        #expect(zero.records.isEmpty)
        #expect(zero.outcome.warnings.isEmpty)
        #expect(zero.outcome.coverage.status == .read)
    }

    @Test func headerOnlyIsTruncated() {
        let (records, outcome) = read(bytes: [0x1f, 0x8b, 0x08], name: "stub.gz")
        #expect(records.isEmpty)
        #expect(outcome.warnings.contains { $0.kind == .truncatedGzip })
    }

    @Test func decompressionLimitStopsABomb() {
        let zeros = [UInt8](repeating: 0x20, count: 4 << 20)
        let (_, outcome) = read(bytes: gzipped(zeros), name: "bomb.gz", maxDecompressed: 1 << 20)
        #expect(outcome.warnings.contains { $0.kind == .decompressionLimit })
        #expect(outcome.coverage.counters.decodedBytes <= 1 << 20)
    }

    @Test("inflating on a second thread gives the same records and warnings", arguments: [false, true])
    func prefetchedInflate(truncate: Bool) {
        var bytes = gzipped(records(0..<5000))
        if truncate { bytes = Array(bytes.prefix(bytes.count * 3 / 4)) }
        let serial = read(bytes: bytes, name: "p.log.gz")
        let parallel = read(bytes: bytes, name: "p.log.gz", prefetch: true)
        #expect(parallel.records.count == serial.records.count)
        #expect(parallel.records.map(\.text) == serial.records.map(\.text))
        // Same kinds, places and messages (the temporary paths differ).
        #expect(parallel.outcome.warnings.map { "\($0.kind) \(String(describing: $0.location)) \($0.message)" }
                == serial.outcome.warnings.map { "\($0.kind) \(String(describing: $0.location)) \($0.message)" })
        #expect(parallel.outcome.coverage.storedBytes == serial.outcome.coverage.storedBytes)
        #expect(serial.records.count == (truncate ? serial.records.count : 5000))
        #expect(truncate == serial.outcome.warnings.contains { $0.kind == .truncatedGzip })
    }

    /// The reader parses lent blocks in place, carrying an unfinished record into the next block's headroom,
    /// and falls back to copying when the record is longer than the headroom. Tiny blocks and headroom make
    /// both happen often; the records must equal those read by copying.
    @Test("lent blocks give the same records as copied bytes", arguments: [(17, 64), (97, 64), (300, 512), (4096, 80)])
    func lentBlocksParseInPlace(blockSize: Int, headroom: Int) throws {
        struct Sink: RecordSink {
            var seen: [String] = []
            mutating func accept(_ record: inout RecordView) {
                seen.append("\(record.line) \(record.byteOffset) \(record.time ?? -1) \(record.string(.machine) ?? "-") \(record.text)")
            }
        }
        let long = #"<Msg time="2026-11-02T10:00:00,1" type="SEVERE" code="9" machine="M1">"#
            + String(repeating: "stack frame\n", count: 30) + "</Msg>\n"
        let text = Array((records(0..<40) + long + records(40..<80) + long + records(80..<90)).utf8)
        func collect(_ source: any ByteSource) throws -> (seen: [String], counters: ReaderCounters) {
            let reader = RecordReader(source: source, warnings: WarningLog(path: "t"), zone: .utc,
                                      buffer: ReadBuffer(maxRecordBytes: 4096, chunkSize: 256))
            var sink = Sink()
            try reader.run(&sink)
            return (sink.seen, reader.counters)
        }
        let copied = try collect(MemorySource(text))
        let lent = try collect(try #require(PrefetchingSource(upstream: MemorySource(text), blockSize: blockSize, depth: 3,
                                                               headroom: headroom)))
        #expect(copied.seen.count == 92)
        #expect(lent.seen == copied.seen)
        #expect(lent.counters == copied.counters)
    }

    @Test func abandonedPrefetchStopsItsThread() throws {
        // A reader that stops early (an error upstream of parsing) must not leave the producer blocked.
        let directory = TemporaryDirectory()
        let path = directory.write("a.gz", gzipped(records(0..<20000)))
        let warnings = WarningLog(path: path)
        for _ in 0..<20 {
            let opened = try InputOpener.open(path: path, warnings: warnings, decompressedLimit: .max, prefetch: true)
            var scratch = [UInt8](repeating: 0, count: 1000)
            let count = try scratch.withUnsafeMutableBytes { try opened.source.read(into: $0) }
            #expect(count > 0)
        }
    }

    /// `gislog scan` opens one big .gz before loading rules, so that inflating starts early; the scan must
    /// be the same as one that opens it in the worker, and a scanner dropped unused must stop its thread.
    @Test func filesOpenedEarlyGiveTheSameScan() throws {
        let directory = TemporaryDirectory()
        directory.write("big.log.gz", gzipped(records(0..<4000) + "<Msg time=\"2026-11-14T10:00:00,1\" type=\"INFO\">cut"))
        var options = ScanOptions(paths: [directory.path], timeZone: .utc)
        options.workers = 2
        func scan(early: Bool) -> (ScanResult, [CollectedRecord]) {
            let scanner = LogScanner(options: options)
            if early { scanner.openEarly() }
            let (result, consumers) = scanner.run { CollectingConsumer() }
            return (result, consumers.flatMap(\.records))
        }
        let (plain, plainRecords) = scan(early: false)
        let (early, earlyRecords) = scan(early: true)
        #expect(earlyRecords.count == 4001)
        #expect(earlyRecords.map(\.text) == plainRecords.map(\.text))
        #expect(early.coverage.totals == plain.coverage.totals)
        #expect(early.warnings.map(\.message) == plain.warnings.map(\.message))
        #expect(early.warnings.contains { $0.kind == .unterminatedRecord })
        for _ in 0..<10 { LogScanner(options: options).openEarly() }
    }

    @Test func gzipAcrossTinyReadChunks() {
        let text = records(0..<300)
        let (records, outcome) = read(bytes: gzipped(text), name: "a.gz", maxRecordBytes: 1024, chunkSize: 100)
        #expect(records.count == 300)
        #expect(outcome.warnings.isEmpty)
    }
}

@Suite("Encodings")
struct EncodingTests {
    private func utf16(_ text: String, bigEndian: Bool, bom: Bool) -> [UInt8] {
        var bytes: [UInt8] = bom ? (bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]) : []
        for unit in text.utf16 {
            let high = UInt8(unit >> 8), low = UInt8(unit & 0xFF)
            bytes += bigEndian ? [high, low] : [low, high]
        }
        return bytes
    }

    @Test("UTF-16 files are transcoded", arguments: [(false, true), (false, false), (true, true), (true, false)])
    func utf16Files(bigEndian: Bool, bom: Bool) {
        let text = records(0..<20) + #"<Msg time="2026-11-14T10:00:00,1" type="SEVERE" code="1">Zürich 𝄞</Msg>"#
        let (records, outcome) = read(bytes: utf16(text, bigEndian: bigEndian, bom: bom), name: "u16.log")
        #expect(records.count == 21)
        #expect(records.last?.text == "Zürich 𝄞")
        #expect(outcome.coverage.encoding.utf16 == (bigEndian ? .bigEndian : .littleEndian))
        #expect(outcome.warnings.map(\.kind) == [.utf16])
        #expect(outcome.coverage.status == .read)
    }

    @Test func utf8ByteOrderMarkIsDropped() {
        let (records, outcome) = read(bytes: [0xEF, 0xBB, 0xBF] + Array(records(0..<3).utf8))
        #expect(records.count == 3)
        #expect(records[0].line == 1)
        #expect(outcome.coverage.encoding.utf8BOM)
        #expect(outcome.coverage.counters.unparsedLines == 0)
    }

    @Test func randomBytesNamedLogNeverCrash() {
        let seed = SplitMix64.testSeed()
        var generator = SplitMix64(seed: seed)
        var bytes = (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes += Array("<Msg time=\"bad".utf8)
        let (_, outcome) = read(bytes: bytes, name: "random.log", maxRecordBytes: 4096, chunkSize: 1000)
        #expect(outcome.coverage.status != .failed, "seed \(seed)")
        #expect(outcome.coverage.counters.decodedBytes == Int64(bytes.count), "seed \(seed)")
    }

    @Test func nulBytesInsideRecords() {
        let text = #"<Msg time="2026-11-14T10:00:00,1" type="INFO" code="1">a"# + "\u{0}\u{0}" + "b</Msg>\n"
        let (records, _) = read(text: text)
        #expect(records.count == 1)
        #expect(records[0].text == "a\u{0}\u{0}b")
    }
}

@Suite("Admin API JSON exports")
struct AdminJSONTests {
    static let page = """
        {"hasMore": true, "startTime": 1653208863354, "endTime": 1653208800000,
         "logMessages": [
          {"type": "WARNING", "message": "Exception in get user privileges  Server machine 'https://CC-GIS:7443/arcgis/sharing/rest/community/self' returned an error. 'Invalid token.'",
           "time": 1653208863354, "source": "Rest", "machine": "CC-GIS.EXAMPLE.COM", "user": "", "code": 9000,
           "elapsed": "", "process": "14684", "thread": "1", "methodName": "", "requestID": "147740c1-cbaa-4c80-9529-40257da1c032"},
          {"type": "SEVERE", "message": "line one\\nline \\"two\\" \\u00e9 \\ud834\\udd1e", "time": "2022-05-22T08:40:00,5",
           "source": "Admin", "machine": "CC-GIS.EXAMPLE.COM", "code": "6540", "extra": {"nested": [1, 2]}, "flag": null}
         ]}
        """

    @Test func logMessagesBecomeRecords() throws {
        let (records, outcome) = read(text: Self.page, name: "export.json")
        #expect(outcome.coverage.format == .adminJSON)
        #expect(records.count == 2)
        let first = try #require(records.first)
        #expect(first.level == .warning)
        #expect(first.code == 9000)
        #expect(first.time == 1_653_208_863_354)
        #expect(first.fields[.requestID] == "147740c1-cbaa-4c80-9529-40257da1c032")
        #expect(first.text.hasSuffix("'Invalid token.'"))
        #expect(first.machine == "CC-GIS.EXAMPLE.COM")
        let second = records[1]
        #expect(second.code == 6540)
        #expect(second.time == utc(2022, 5, 22, 8, 40, 0, 5))
        #expect(second.text == "line one\nline \"two\" é 𝄞")
        #expect(outcome.warnings.isEmpty)
    }

    @Test func severalResponsesInOneFileAndNamesAnywhere() {
        let text = Self.page + "\n" + Self.page.replacingOccurrences(of: "\"hasMore\": true", with: "\"hasMore\": false")
        let (records, _) = read(text: text, name: "pages.txt")
        #expect(records.count == 4)
    }

    @Test func truncatedJSONKeepsCompleteObjectsAndWarns() {
        let text = String(Self.page.prefix(Self.page.count - 120))
        let (records, outcome) = read(text: text, name: "cut.json")
        #expect(records.count == 1)
        #expect(outcome.warnings.contains { $0.kind == .invalidJSON })
    }

    @Test func objectsAcrossTinyBuffers() {
        let (records, _) = read(text: Self.page, name: "small.json", maxRecordBytes: 1024, chunkSize: 64)
        #expect(records.count == 2)
        #expect(records[1].text == "line one\nline \"two\" é 𝄞")
    }
}
