import GISLogKit
import GISLogRules
import GISLogRecords
import GISLogInput
import GISLogSupport

/// Entry points for the fuzz targets in `Fuzz/` (not API: they may change at any time). Each takes
/// arbitrary bytes through one layer the way a scan would, and traps if an invariant breaks.
public enum _FuzzEntryPoints {
    /// The input stack and the record parser: sniffing, gzip, UTF-16, `<Msg>` records or Admin API JSON,
    /// with small buffers so records cross buffer boundaries.
    public static func readLogBytes(_ bytes: [UInt8]) {
        struct Counter: RecordSink {
            var records = 0
            mutating func accept(_ record: inout RecordView) {
                records += 1
                _ = record.text
                for field in RecordField.allCases { _ = record.string(field) }
                precondition(record.recordRange.upperBound >= record.recordRange.lowerBound)
            }
        }
        let warnings = WarningLog(path: "fuzz")
        guard let opened = try? InputOpener.open(source: MemorySource(bytes), warnings: warnings,
                                                 decompressedLimit: 16 << 20) else { return }
        let buffer = ReadBuffer(maxRecordBytes: 1024, chunkSize: 700)
        var counter = Counter()
        switch opened.format {
        case .records:
            let reader = RecordReader(source: opened.source, warnings: warnings, zone: .utc, buffer: buffer)
            try? reader.run(&counter)
            precondition(reader.counters.records == counter.records)
        case .adminJSON:
            let reader = AdminJSONReader(source: opened.source, warnings: warnings, zone: .utc, buffer: buffer)
            try? reader.run(&counter)
        case .gislogNDJSON:
            let reader = FeedReader(source: opened.source, warnings: warnings)
            try? reader.run { _ in }
        }
        if opened.format == .records { parsesTheSameFromLentBlocks(bytes) }
    }

    /// The same bytes read from small blocks lent by a prefetching source (parsed in place, unfinished
    /// records carried over or copied when longer than the headroom) give the same records as from the
    /// reader's own buffer.
    static func parsesTheSameFromLentBlocks(_ bytes: [UInt8]) {
        struct Digest: RecordSink {
            var records: [[Int64]] = []
            mutating func accept(_ record: inout RecordView) {
                records.append([Int64(record.line), record.byteOffset, Int64(record.textBytes.count),
                                Int64(record.level.rawValue), record.time ?? -1, Int64(record.code ?? -1)])
            }
        }
        func digest(_ source: any ByteSource) -> (records: [[Int64]], counters: ReaderCounters, resume: Int64) {
            let reader = RecordReader(source: source, warnings: WarningLog(path: "fuzz"), zone: .utc,
                                      buffer: ReadBuffer(maxRecordBytes: 1024, chunkSize: 700), holdBackTail: true)
            var sink = Digest()
            try? reader.run(&sink)
            return (sink.records, reader.counters, reader.consumedOffset)
        }
        guard let lending = PrefetchingSource(upstream: MemorySource(bytes), blockSize: 97, depth: 2, headroom: 128) else { return }
        let copied = digest(MemorySource(bytes)), lent = digest(lending)
        // Records longer than the limit are cut where the buffer happens to end, which differs between the
        // two layouts (as between any two chunk sizes): compare only inputs without them.
        guard copied.counters.oversizedRecords == 0 && lent.counters.oversizedRecords == 0 else { return }
        precondition(copied.records == lent.records && copied.counters == lent.counters && copied.resume == lent.resume,
                     "lent blocks and the reader's own buffer disagree")
    }

    /// The gzip reader alone: whatever the bytes, it returns data and warnings, never more than the cap.
    public static func inflate(_ bytes: [UInt8]) {
        let warnings = WarningLog(path: "fuzz")
        let source = GzipSource(upstream: MemorySource(bytes), warnings: warnings, limit: 8 << 20, inputCapacity: 512)
        var total = 0
        var chunk = [UInt8](repeating: 0, count: 1000)
        while true {
            let count = (try? chunk.withUnsafeMutableBytes { try source.read(into: $0) }) ?? 0
            if count == 0 { break }
            total += count
        }
        precondition(total <= 8 << 20)
    }

    /// The rule-file loader: YAML, validation, PCRE2 compilation, samples.
    public static func loadRules(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? RulePack.load([RuleSource(name: "fuzz.yaml", text: text, isBuiltin: false)])
    }

    /// The NDJSON writer: any text becomes one valid JSON line that reads back to the same text.
    public static func writeNDJSON(_ bytes: [UInt8]) {
        let text = bytes.withUnsafeBytes { TextRepair.string($0) }
        var line = ""
        JSONWriter.appendString(text, to: &line)
        precondition(!line.utf8.contains(0x0A) && !line.utf8.contains(0x0D))
        guard case .string(let back)? = try? JSONValue.parse(Array(line.utf8)) else {
            preconditionFailure("the writer produced invalid JSON")
        }
        precondition(back == text, "the text did not survive a round trip")
        // The byte writer of the streamed feed: the same literal from the same text, and the same answer on
        // which bytes are valid UTF-8.
        let bytesOut = JSONBytes(capacity: 64)
        bytesOut.appendString(text)
        precondition(Array(bytesOut.bytes) == Array(line.utf8), "the byte writer escaped differently")
        let valid = bytes.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) != nil }
        precondition(bytes.withUnsafeBytes { JSONBytes.isValidUTF8($0) } == valid, "the UTF-8 check disagrees")
    }
}
