import Foundation
import Testing
import Synchronization
@testable import GISLogSupport
@testable import GISLogInput
@testable import GISLogRecords
@testable import GISLogRules
@testable import GISLogReports
@testable import GISLogKit

/// The streamed NDJSON feed writes bytes without `String`s: each shortcut must give exactly what the
/// `String` path gives.
@Suite("NDJSON feed written as bytes")
struct NDJSONBytesTests {
    /// Text with everything the escaper treats apart, at every alignment to its eight-byte steps.
    static let awkward = ["", "a", "\"", "\\", "\n\r\t", "\u{0}\u{1}\u{7}\u{1B}\u{1F}", "\u{7F}", "\u{2028}", "\u{2029}",
                          "\u{2027}\u{202A}", "\u{201C}q\u{201D}", "é", "€", "𝄞", "plain text ", "&amp;", "</Msg>"]

    @Test func byteEscapingEqualsTheStringWriter() {
        let seed = SplitMix64.testSeed()
        var generator = SplitMix64(seed: seed)
        var cases = Self.awkward
        for _ in 0..<3000 {
            cases.append((0..<Int.random(in: 0...24, using: &generator))
                .map { _ in Self.awkward.randomElement(using: &generator)! }.joined())
        }
        for scalar in 0..<0x300 { cases.append(String(UnicodeScalar(UInt8(truncatingIfNeeded: scalar)))) }
        let out = JSONBytes(capacity: 64)
        for text in cases {
            var expected = ""
            JSONWriter.appendString(text, to: &expected)
            out.removeAll()
            out.appendString(text)
            #expect(String(decoding: out.bytes, as: UTF8.self) == expected, "\(text.debugDescription), seed \(seed)")
        }
    }

    @Test func utf8CheckAgreesWithTheStandardLibrary() {
        let seed = SplitMix64.testSeed()
        var generator = SplitMix64(seed: seed)
        var cases: [[UInt8]] = [[0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
                                [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x80], [0xC3], [0x80], [0xEF, 0xBF, 0xBF],
                                [0xF0, 0x9F, 0x98, 0x80], Array("plain".utf8), []]
        let pieces: [[UInt8]] = [[0x41], [0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9D, 0x84, 0x9E], [0x80], [0xBF],
                                 [0xC0], [0xE0], [0xED], [0xF4], [0xFF], [0xE2, 0x80, 0xA8], [0x20, 0x20, 0x20, 0x20]]
        for _ in 0..<5000 {
            cases.append((0..<Int.random(in: 0...10, using: &generator)).flatMap { _ in pieces.randomElement(using: &generator)! })
        }
        for bytes in cases {
            let expected = bytes.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) != nil }
            #expect(bytes.withUnsafeBytes { JSONBytes.isValidUTF8($0) } == expected, "\(bytes), seed \(seed)")
        }
    }

    @Test func numbersArePaddedAsStringsAre() {
        let out = JSONBytes(capacity: 16)
        for value in [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 1001, 12345, 123456, 1_000_000, -1, -5, -10, -99, -100, -1000,
                      -12345, Int.max, Int.min] {
            for width in [0, 1, 2, 3, 4, 25] {
                let digits = String(value)
                let expected = String(repeating: "0", count: max(0, width - digits.count)) + digits
                out.removeAll()
                out.appendPadded(value, width: width)
                #expect(String(decoding: out.bytes, as: UTF8.self) == expected)
            }
        }
    }

    @Test func timesAreFormattedAsTheStringFormatterDoes() throws {
        let seed = SplitMix64.testSeed()
        var generator = SplitMix64(seed: seed)
        let zones = [LogTimeZone.utc, .fixed(seconds: -7 * 3600), .fixed(seconds: 5 * 3600 + 45 * 60),
                     .fixed(seconds: -(4 * 3600 + 56 * 60 + 2)), try LogTimeZone.named("America/Chicago")]
        let out = JSONBytes(capacity: 16)
        var instants: [Int64] = [0, -1, 86_399_999, 253_402_300_799_999, -62_135_596_800_000]
        for _ in 0..<2000 { instants.append(Int64.random(in: -62_135_596_800_000...253_402_300_799_999, using: &generator)) }
        for zone in zones {
            for instant in instants {
                out.removeAll()
                zone.appendFormatted(utcMillis: instant, to: out)
                #expect(String(decoding: out.bytes, as: UTF8.self) == "\"" + zone.format(utcMillis: instant) + "\"",
                        "\(instant) in \(zone), seed \(seed)")
            }
        }
    }

    /// The feeds' time cache reuses a minute's text: runs of one second, seconds, minutes and zones that
    /// change, times before 1970 and odd offsets must all read as the formatter writes them.
    @Test func cachedTimesAreFormattedAsTheFormatterDoes() {
        let seed = SplitMix64.testSeed()
        var generator = SplitMix64(seed: seed)
        let cache = TimestampCache()
        let cached = JSONBytes(capacity: 16), direct = JSONBytes(capacity: 16)
        var instant: Int64 = -2_000
        for step in 0..<20_000 {
            // Mostly a few milliseconds on, at times a jump (forwards or back) or another zone offset.
            switch Int.random(in: 0..<100, using: &generator) {
            case 0: instant = Int64.random(in: -62_135_596_800_000...253_402_300_799_999, using: &generator)
            case 1: instant -= Int64.random(in: 0...5_000, using: &generator)
            // A storm's pace: a record every second or few, so the seconds change within a cached minute.
            case 2..<40: instant += Int64.random(in: 500...4_000, using: &generator)
            default: instant += Int64.random(in: 0...400, using: &generator)
            }
            let offset = [0, 0, 0, 3600, -7 * 3600, 5 * 3600 + 45 * 60, -(4 * 3600 + 56 * 60 + 2)][step / 97 % 7]
            cached.removeAll()
            direct.removeAll()
            cache.append(utcMillis: instant, offsetSeconds: offset, to: cached)
            LogTime.appendRFC3339(utcMillis: instant, offsetSeconds: offset, to: direct)
            #expect(Array(cached.bytes) == Array(direct.bytes), "\(instant) at offset \(offset), seed \(seed)")
        }
    }

    @Test func integersAreReadAsIntReadsThem() {
        let cases = ["0", "-0", "+0", "12", "+12", "-12", "0012", "", "+", "-", " 1", "1 ", "1a", "١٢", "9223372036854775807",
                     "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "99999999999999999999", "--1"]
        for text in cases {
            let bytes = Array(text.utf8)
            #expect(bytes.withUnsafeBytes { NDJSONEventEncoder.integer($0) } == Int(text), "\(text)")
            let quoted = Array(("\"" + text + "\"").utf8)
            #expect(quoted.withUnsafeBytes { NDJSONEventEncoder.integer(quoted: $0) } == Int(text), "\(text)")
        }
    }

    /// `false` from the quick check must mean that redaction would change nothing.
    @Test func secretCheckNeverMissesWhatRedactionChanges() {
        let seed = SplitMix64.testSeed()
        var generator = SplitMix64(seed: seed)
        let redactor = Redactor()
        let pieces = ["token", "TOKEN", "access_token", "password", "passwd", "pwd", "client_secret", "secret", "api_key",
                      "apikey", "ApiKey", "authorization", "X-Esri-Authorization", "ſecret", "api\u{212A}ey", "=", ":",
                      " ", "\t", "\"", "abc", "bearer ", "&", "é", ",", "\\", "https://host:7443/x?f=json&"]
        var cases = ["token=abc", "\"password\" : \"x\"", "Authorization: Bearer x", "ſecret=1", "API\u{212A}EY=2",
                     "x-esri-authorization=abc", "Token = x", "no secret here: https://host:7443/arcgis"]
        for _ in 0..<20000 {
            cases.append((0..<Int.random(in: 1...8, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined())
        }
        var changed = 0
        // The patterns alone: `redact` itself asks the quick check first.
        for text in cases where redactor.applyingPatterns(to: text) != text {
            changed += 1
            var copy = text
            #expect(copy.withUTF8 { Redactor.mayHoldSecret(UnsafeRawBufferPointer($0)) }, "\(text.debugDescription), seed \(seed)")
        }
        #expect(changed > 100, "the generator should make secrets, seed \(seed)")
        var quiet = "The certificate authority is invalid or incorrect (WinINet ERROR_INTERNET_INVALID_CA, 12045), URL = https://portal.example.com:7443/arcgis/sharing/rest/self?f=json"
        #expect(!quiet.withUTF8 { Redactor.mayHoldSecret(UnsafeRawBufferPointer($0)) })
    }

    /// Checks each hit's line written from the record against the line written from its `Event`.
    final class ComparingSink: EventSink {
        let encoder: NDJSONEventEncoder
        let fromHit = JSONBytes(), fromEvent = JSONBytes()
        var compared = 0
        var mismatches: [String] = []

        init(layout: NDJSONEventLayout, redact: Bool) { encoder = NDJSONEventEncoder(layout: layout, redact: redact) }

        func beginFile(_ file: InputFile, index: Int) { encoder.beginFile(file) }

        func accept(_ hit: borrowing RuleHit) {
            fromHit.removeAll()
            fromEvent.removeAll()
            encoder.append(hit, to: fromHit)
            encoder.append(hit.event(), to: fromEvent)
            compared += 1
            let a = String(decoding: fromHit.bytes, as: UTF8.self), b = String(decoding: fromEvent.bytes, as: UTF8.self)
            if a != b && mismatches.count < 5 { mismatches.append("from the hit:\n\(a)from the event:\n\(b)") }
        }

        func accept(event: Event) {}
    }

    /// Records with what makes the fast path step aside: entities, Windows-1252 bytes, secrets, odd numbers.
    static func hostileRecords(seed: UInt64) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        var bytes: [UInt8] = []
        func record(_ text: [UInt8], attributes: String = #"process="12" thread="3" user="" requestID="r-1""#) {
            bytes += Array(#"<Msg time="2026-11-14T10:00:00,1" type="SEVERE" code="20010" source="Rest" machine="GIS01" "#.utf8)
            bytes += Array(attributes.utf8) + Array(">".utf8) + text + Array("</Msg>\n".utf8)
        }
        let ca = Array("The certificate authority is invalid or incorrect (WinINet ERROR_INTERNET_INVALID_CA, 12045), URL = https://".utf8)
        record(ca + Array("portal.example.com:7443/arcgis/sharing/rest/self?f=json&amp;token=abc123".utf8))
        record(ca + Array("h&amp;x.example.com:+7443/a?token=b".utf8), attributes: #"process="&#49;2" thread="+0004" user="a&lt;b""#)
        record(ca + Array("h.example.com:99999999999999999999/x".utf8), attributes: #"process="-0" thread="x" requestID="&#x41;""#)
        record(Array("caf".utf8) + [0xE9, 0x20, 0x93] + Array("q Invalid token. pwd=1 \u{2028}".utf8))
        record(Array("Invalid token. {\"password\":\"hunter2\"} Authorization: Bearer eyJ.x ſecret=1".utf8))
        // A record cut off (no closing tag) before the next one starts: its line carries tags ["unterminated"].
        bytes += Array(#"<Msg time="2026-11-14T10:00:00,1" type="SEVERE" code="20010" source="Rest" machine="GIS01">Invalid token. cut off"#.utf8) + [0x0A]
        let pieces: [[UInt8]] = [Array("token=".utf8), Array("\"secret\": \"".utf8), Array("&amp;".utf8), Array("&#x2028;".utf8),
                                 [0xE9], [0xC5, 0xBF], [0xE2, 0x80, 0xA8], [0x01], Array("\"".utf8), Array("\\".utf8),
                                 Array(" Invalid token. ".utf8), Array("x".utf8), Array(":7443/".utf8)]
        for _ in 0..<300 {
            let text = (0..<Int.random(in: 1...12, using: &generator)).flatMap { _ in pieces.randomElement(using: &generator)! }
            record(Array("Invalid token. ".utf8) + text)
            record(ca + text.filter { $0 != 0x20 } + Array(":7443/x".utf8))
        }
        return bytes
    }

    @Test(arguments: [(true, false), (false, true), (true, true)])
    func linesFromHitsEqualLinesFromEvents(redact: Bool, original: Bool) throws {
        let seed = SplitMix64.testSeed()
        let directory = TemporaryDirectory()
        directory.write("arcgisserver/logs/GIS01/server/server-1.log", Self.hostileRecords(seed: seed))
        var paths = [directory.path] + ["basic", "token-expiry", "machine-restart", "self-signed", "untrusted-ca"]
            .map { repositoryRoot + "/Samples/" + $0 }
        paths.append(repositoryRoot + "/Fuzz/corpus/records")
        if let real = realCorpusPath { paths.append(real) }
        let ruleSet = try RulePack.load(RulePack.builtinSources)
        for zone in [LogTimeZone.utc, try LogTimeZone.named("America/Chicago")] {
            var options = ScanOptions(paths: paths, timeZone: zone)
            options.workers = 2
            let layout = NDJSONEventLayout(ruleSet: ruleSet, zone: zone, includeOriginal: original)
            let (_, engines) = LogScanner(options: options).run {
                RuleEngine(ruleSet: ruleSet, sink: ComparingSink(layout: layout, redact: redact), redact: redact,
                           keepOriginal: original)
            }
            let sinks = engines.map { $0.sink as! ComparingSink }
            #expect(sinks.reduce(0) { $0 + $1.compared } > 600)
            for sink in sinks { #expect(sink.mismatches.isEmpty, "\(sink.mismatches.joined(separator: "\n")), seed \(seed)") }
        }
    }
}

@Suite("Ordered output of many workers")
struct OrderedOutputTests {
    /// What worker threads write for each file, in pieces, in a scrambled order of files and with waits,
    /// must come out as the files' bytes in file order.
    @Test(arguments: [0, 1 << 10, 8 << 20])
    func bytesComeOutInFileOrderWhateverTheWorkers(memoryBudget: Int) throws {
        let seed = SplitMix64.testSeed()
        var generator = SplitMix64(seed: seed)
        let files = (0..<60).map { index in
            (0..<Int.random(in: 0...6, using: &generator)).map { piece in
                Array("file \(index) piece \(piece) ".utf8) + Array(repeating: UInt8(ascii: "x"), count: Int.random(in: 0...5000, using: &generator)) + [0x0A]
            }
        }
        let waits = (0..<60).map { _ in UInt32.random(in: 0...2000, using: &generator) }
        let result = TemporaryDirectory()
        let path = result.path + "/out"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        let workers = 4
        let output = OrderedOutput(descriptor: descriptor, lanes: workers, memoryBudget: memoryBudget,
                                   temporaryDirectory: result.path)
        let next = Atomic<Int>(0)
        let lanes = (0..<workers).map { UncheckedLane(output.lane($0)) }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let lane = lanes[worker].lane
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < files.count else { break }
                let pieces = files[index]
                for (number, piece) in pieces.enumerated() {
                    if number == pieces.count - 1 { break }
                    piece.withUnsafeBytes { lane.write($0, file: index) }
                    usleep(waits[(index + number) % waits.count])
                }
                (pieces.last ?? []).withUnsafeBytes { lane.finish(file: index, last: $0) }
            }
        }
        #expect(output.finish() == nil)
        #expect(output.spoolProblem == nil)
        let written = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(written == files.flatMap { $0.flatMap { $0 } }, "seed \(seed)")
        // The temporary files are unlinked: nothing is left beside the output.
        #expect(try FileManager.default.contentsOfDirectory(atPath: result.path) == ["out"])
    }

    @Test func aFailedWriteIsReportedAndTheRestDropped() {
        let descriptor = open("/dev/full", O_WRONLY)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        let output = OrderedOutput(descriptor: descriptor, lanes: 1)
        let lane = output.lane(0)
        Array("hello\n".utf8).withUnsafeBytes { lane.write($0, file: 0) }
        Array("bye\n".utf8).withUnsafeBytes { lane.finish(file: 0, last: $0) }
        #expect(output.finish() == ENOSPC)
    }

    @Test func temporaryFilesLeaveNoName() throws {
        let directory = TemporaryDirectory()
        let file = try TemporaryFile(directory: directory.path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
        let offset = try Array("abc".utf8).withUnsafeBytes { try file.append($0) }
        #expect(offset == 0)
        #expect(file.size == 3)
    }

    /// A lane is used by one worker thread only; the box only carries it into `concurrentPerform`.
    // SAFETY: each box is read by exactly one worker.
    final class UncheckedLane: @unchecked Sendable {
        let lane: OrderedOutput.Lane
        init(_ lane: OrderedOutput.Lane) { self.lane = lane }
    }
}
