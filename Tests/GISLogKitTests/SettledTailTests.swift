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

@Suite("Records cut off at the end of a file")
struct SettledTailTests {
    private func setModified(_ path: String, secondsAgo: Double) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -secondsAgo)], ofItemAtPath: path)
    }

    @Test func aFileUnchangedForTheSettleTimeIsFinal() throws {
        let folder = TemporaryDirectory()
        let path = folder.write("server/a.log", "<Msg>cut")
        #expect(!TailSettling.isFinal(path: path, settleMillis: 600_000))
        try setModified(path, secondsAgo: 601)
        #expect(TailSettling.isFinal(path: path, settleMillis: 600_000))
        #expect(TailSettling.isFinal(path: folder.path + "/gone.log", settleMillis: 600_000))
    }

    @Test func filesStampedInTheFutureSettleByANewerLog() throws {
        // A file server whose clock is a day ahead: ages are negative, but the two stamps still compare.
        let folder = TemporaryDirectory()
        let old = folder.write("server/server-1.log", "<Msg>cut")
        try setModified(old, secondsAgo: -86_400)
        #expect(!TailSettling.isFinal(path: old, settleMillis: 600_000))
        let new = folder.write("server/server-2.log", "<Msg>new</Msg>\n")
        try setModified(new, secondsAgo: -86_400 - 30)
        #expect(!TailSettling.isFinal(path: old, settleMillis: 600_000))
        try setModified(new, secondsAgo: -86_400 - 300)
        #expect(TailSettling.isFinal(path: old, settleMillis: 600_000))
    }

    @Test func aNewerLogInTheFolderMakesItFinalOnceQuietForAMinute() throws {
        let folder = TemporaryDirectory()
        let old = folder.write("server/server-1.log", "<Msg>cut")
        try setModified(old, secondsAgo: 120)
        #expect(!TailSettling.isFinal(path: old, settleMillis: 600_000))
        // A lock file or a file elsewhere is not a newer log.
        folder.write("server/server-2.log.lck", "")
        folder.write("other/server-2.log", "")
        #expect(!TailSettling.isFinal(path: old, settleMillis: 600_000))
        folder.write("server/server-2.log", "<Msg>new</Msg>\n")
        #expect(TailSettling.isFinal(path: old, settleMillis: 600_000))
        // Still being written a moment before its neighbour: that is two logs side by side, not a restart.
        try setModified(old, secondsAgo: 5)
        #expect(!TailSettling.isFinal(path: old, settleMillis: 600_000))
        // With a settle time under a minute, that is the gap asked for (stamps in the future, so that age
        // alone cannot settle it).
        try setModified(old, secondsAgo: -100)
        try setModified(folder.path + "/server/server-2.log", secondsAgo: -105)
        #expect(!TailSettling.isFinal(path: old, settleMillis: 600_000))
        #expect(TailSettling.isFinal(path: old, settleMillis: 3_000))
    }

    @Test func aReaderResumingInsideARecordSkipsItsRest() throws {
        struct Sink: RecordSink {
            var texts: [String] = []
            mutating func accept(_ record: inout RecordView) { texts.append(record.text) }
        }
        let head = "<Msg time='2024-01-01T00:00:00,000' type='SEVERE'>first</Msg>\n<Msg time='2024-01-01T00:00:01,000' type='SEVERE'>cut her"
        let tail = "e, and the rest</Msg>\n<Msg time='2024-01-01T00:00:02,000' type='SEVERE'>next</Msg>\n"
        let bytes = Array((head + tail).utf8)
        for chunk in [16, 64, 4096] {
            // First run: the file ends inside the second record, which is final.
            let warnings = WarningLog(path: "t")
            let first = RecordReader(source: MemorySource(Array(head.utf8)), warnings: warnings, zone: .utc,
                                     buffer: ReadBuffer(maxRecordBytes: 4096, chunkSize: chunk), holdBackTail: true)
            first.tailIsFinal = { true }
            var sink = Sink()
            try first.run(&sink)
            #expect(sink.texts == ["first", "cut her"], "chunk \(chunk)")
            #expect(first.consumedOffset == Int64(head.utf8.count))
            #expect(first.resumesInsideRecord)
            #expect(warnings.warnings.contains { $0.kind == .unterminatedRecord && $0.message.contains("read as it is") })
            // Second run: the file grew and finished that record; only the next one is new, and the rest of
            // the cut record is not counted as stray text.
            let source = MemorySource(bytes)
            _ = try source.skip(first.consumedOffset)
            let second = RecordReader(source: source, warnings: WarningLog(path: "t"), zone: .utc,
                                      buffer: ReadBuffer(maxRecordBytes: 4096, chunkSize: chunk),
                                      startOffset: first.consumedOffset, holdBackTail: true, startsInsideRecord: true)
            var later = Sink()
            try second.run(&later)
            #expect(later.texts == ["next"], "chunk \(chunk)")
            #expect(second.counters.unparsedLines == 0)
            #expect(!second.resumesInsideRecord)
        }
    }

    @Test func aTailThatMayStillGrowIsHeldBack() throws {
        struct Sink: RecordSink {
            var count = 0
            mutating func accept(_ record: inout RecordView) { count += 1 }
        }
        let text = "<Msg time='2024-01-01T00:00:00,000' type='SEVERE'>first</Msg>\n<Msg type='SEVERE'>being writ"
        let reader = RecordReader(source: MemorySource(Array(text.utf8)), warnings: WarningLog(path: "t"), zone: .utc,
                                  buffer: ReadBuffer(maxRecordBytes: 4096, chunkSize: 64), holdBackTail: true)
        reader.tailIsFinal = { false }
        var sink = Sink()
        try reader.run(&sink)
        #expect(sink.count == 1)
        #expect(!reader.resumesInsideRecord)
        #expect(reader.consumedOffset == Int64(text.utf8.count - "\n<Msg type='SEVERE'>being writ".utf8.count))
    }
}
