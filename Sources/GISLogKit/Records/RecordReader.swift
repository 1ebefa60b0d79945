internal import CGISLogShims
internal import Glibc

/// What one file's reader saw besides records: the figures that go into the coverage summary.
public struct ReaderCounters: Sendable, Hashable {
    /// Records handed to the callback (including cut and unterminated ones).
    public var records = 0
    /// Non-blank lines outside any record.
    public var unparsedLines = 0
    /// Records longer than the limit, cut there.
    public var oversizedRecords = 0
    /// Records with no closing tag.
    public var unterminatedRecords = 0
    /// Records whose `time` could not be read.
    public var badTimes = 0
    /// Lines in the (decompressed) text.
    public var lines = 0
    /// Bytes of (decompressed) text read.
    public var decodedBytes: Int64 = 0

    public init() {}

    mutating func add(_ other: ReaderCounters) {
        records += other.records
        unparsedLines += other.unparsedLines
        oversizedRecords += other.oversizedRecords
        unterminatedRecords += other.unterminatedRecords
        badTimes += other.badTimes
        lines += other.lines
        decodedBytes += other.decodedBytes
    }
}

/// A reusable read buffer, one per scan worker, so that thousands of small files cost no allocations.
final class ReadBuffer {
    let storage: UnsafeMutableRawBufferPointer
    let chunkSize: Int
    let maxRecordBytes: Int

    /// - Parameters:
    ///   - maxRecordBytes: records longer than this are cut (and flagged).
    ///   - chunkSize: bytes asked of the source per read.
    init(maxRecordBytes: Int = 1 << 20, chunkSize: Int = 1 << 20) {
        self.maxRecordBytes = max(maxRecordBytes, 256)
        self.chunkSize = max(chunkSize, 64)
        storage = .allocate(byteCount: self.maxRecordBytes + self.chunkSize + 64, alignment: 64)
    }

    deinit { storage.deallocate() }
}

/// Converts wall-clock times to instants, remembering the offset of the last quarter hour (records come in
/// runs from the same minutes, so the zone's table is rarely consulted).
struct ZoneCache {
    let zone: LogTimeZone
    private var bucket = Int64.min
    private var offsetMillis: Int64 = 0

    init(zone: LogTimeZone) { self.zone = zone }

    mutating func utc(fromWallClock wall: Int64) -> Int64 {
        let key = wall >= 0 ? wall / 900_000 : (wall - 899_999) / 900_000
        if key != bucket {
            bucket = key
            let bucketStart = key * 900_000
            offsetMillis = bucketStart - zone.utc(fromWallClock: bucketStart)
        }
        return wall - offsetMillis
    }
}

/// Splits the text of an ArcGIS log into `<Msg …>…</Msg>` records, streaming through a fixed buffer.
///
/// A record starts at `<Msg` and ends at the next `</Msg>` (any case, as 10.0 wrote `</MSG>`), and may span
/// lines. Attribute values may be double- or single-quoted, in any order; nothing needs to be well-formed XML.
/// A record with no closing tag ends where the next one starts; one longer than the buffer's limit is cut,
/// flagged and counted; text outside records is counted as unparsed lines. Memory is the buffer, whatever the
/// file or line length.
final class RecordReader {
    private let source: any ByteSource
    private let warnings: WarningLog
    private var zone: ZoneCache
    private let buffer: ReadBuffer
    private let data: UnsafeMutablePointer<UInt8>
    private let capacity: Int

    private var fill = 0
    private var position = 0
    private var ended = false
    /// Decompressed offset of `data[0]`.
    private var base: Int64 = 0
    /// Newlines are counted up to here; `newlinesBefore` is the count before it.
    private var countedTo = 0
    private var newlinesBefore = 0
    /// Unparsed-text state: where the text outside records resumes, and whether its current line has content.
    private var gapStart = 0
    private var gapLineHasContent = false
    private var skippingOversized = false
    private var firstUnparsedLine: Int?
    private var reportedBadTime = false
    /// The last byte of the text so far (to tell whether the final line ends with a line break).
    private var lastByte: UInt8 = 0

    private(set) var counters = ReaderCounters()
    /// Keep a record with no closing tag at the very end of the file for the next run (it may still be
    /// being written) instead of reporting it now.
    private let holdBackTail: Bool
    /// Where the reading stopped for good: after the last complete record (decoded offset, and the line
    /// the next byte is on). An incremental run resumes here.
    private(set) var consumedOffset: Int64
    private(set) var consumedLine: Int

    /// - Parameters:
    ///   - startOffset: the decoded offset at which `source` starts (when resuming a file).
    ///   - startLine: the line number at `startOffset`.
    init(source: any ByteSource, warnings: WarningLog, zone: LogTimeZone, buffer: ReadBuffer,
         startOffset: Int64 = 0, startLine: Int = 1, holdBackTail: Bool = false) {
        self.source = source
        self.warnings = warnings
        self.zone = ZoneCache(zone: zone)
        self.buffer = buffer
        data = buffer.storage.baseAddress!.assumingMemoryBound(to: UInt8.self)
        capacity = buffer.storage.count - 64
        base = startOffset
        newlinesBefore = max(0, startLine - 1)
        consumedOffset = startOffset
        consumedLine = max(1, startLine)
        self.holdBackTail = holdBackTail
    }

    // MARK: - Buffer management

    /// Line number (1-based) of the byte at `index`.
    private func line(at index: Int) -> Int {
        if index > countedTo {
            newlinesBefore += gislog_count_newlines(data + countedTo, index - countedTo)
            countedTo = index
        }
        return newlinesBefore + 1
    }

    /// Keeps `data[keep..<fill]`, moves it to the front, and reads more after it.
    private func refill(keeping keep: Int) throws(InputError) {
        _ = line(at: keep)
        // Keep the bytes before the resume point if this refill drops them (incremental runs need them).
        let consumedIndex = Int(consumedOffset - base)
        if consumedIndex >= 0 && consumedIndex <= fill {
            let start = max(0, consumedIndex - 64)
            savedMarker = (consumedOffset, Array(UnsafeBufferPointer(start: data + start, count: consumedIndex - start)))
        }
        if fill > 0 { lastByte = data[fill - 1] }
        let kept = fill - keep
        if kept > 0 && keep > 0 { memmove(data, data + keep, kept) }
        base += Int64(keep)
        fill = kept
        position -= keep
        gapStart = max(0, gapStart - keep)
        countedTo -= keep
        let room = UnsafeMutableRawBufferPointer(start: data + fill, count: min(capacity - fill, buffer.chunkSize))
        let count = try source.read(into: room)
        if count == 0 { ended = true }
        fill += count
        counters.decodedBytes += Int64(count)
    }

    /// The bytes just before `consumedOffset`, saved when a refill drops them from the buffer.
    private var savedMarker: (offset: Int64, bytes: [UInt8])?

    /// Up to `count` (at most 64) bytes just before decoded offset `offset`, if still known.
    func bytes(before offset: Int64, count: Int) -> [UInt8]? {
        let end = Int(offset - base)
        if end >= 0, end <= fill, end >= min(count, Int(offset)) {
            let start = max(0, end - count)
            return Array(UnsafeBufferPointer(start: data + start, count: end - start))
        }
        if let saved = savedMarker, saved.offset == offset { return Array(saved.bytes.suffix(count)) }
        return nil
    }

    // MARK: - Scanning

    @inline(__always)
    private func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// `<Msg` followed by a space, `>` or `/`. Requires 5 readable bytes.
    @inline(__always)
    private func isStartTag(_ at: Int) -> Bool {
        data[at + 1] == UInt8(ascii: "M") && data[at + 2] | 0x20 == UInt8(ascii: "s")
            && data[at + 3] | 0x20 == UInt8(ascii: "g")
            && (isSpace(data[at + 4]) || data[at + 4] == UInt8(ascii: ">") || data[at + 4] == UInt8(ascii: "/"))
    }

    /// `</Msg>` in any case. Requires 6 readable bytes.
    @inline(__always)
    private func isEndTag(_ at: Int) -> Bool {
        data[at + 1] == UInt8(ascii: "/") && data[at + 2] | 0x20 == UInt8(ascii: "m")
            && data[at + 3] | 0x20 == UInt8(ascii: "s") && data[at + 4] | 0x20 == UInt8(ascii: "g")
            && data[at + 5] == UInt8(ascii: ">")
    }

    /// Counts non-blank lines of text outside records in `range`.
    private func scanGap(_ range: Range<Int>) {
        guard !range.isEmpty else { return }
        // The common gap is a bare line break between records.
        if range.count <= 2 && !gapLineHasContent {
            var blank = true
            for i in range where !isSpace(data[i]) { blank = false }
            if blank { return }
        }
        for i in range {
            let byte = data[i]
            if byte == 0x0A {
                if gapLineHasContent { noteUnparsedLine(at: i) }
                gapLineHasContent = false
            } else if !isSpace(byte) {
                gapLineHasContent = true
            }
        }
    }

    private func noteUnparsedLine(at index: Int) {
        counters.unparsedLines += 1
        if firstUnparsedLine == nil { firstUnparsedLine = line(at: index) }
    }

    private func closeGapLine(at index: Int) {
        if gapLineHasContent { noteUnparsedLine(at: index) }
        gapLineHasContent = false
    }

    /// Reads the whole source, calling `body` once per record.
    func run<Sink: RecordSink>(_ sink: Sink) throws(InputError) {
        try refill(keeping: 0)
        while true {
            let remaining = fill - position
            let found = remaining > 0 ? memchr(data + position, Int32(UInt8(ascii: "<")), remaining) : nil
            guard let found else {
                if !skippingOversized { scanGap(gapStart..<fill) }
                gapStart = fill
                position = fill
                if ended { break }
                try refill(keeping: fill)
                continue
            }
            let at = data.distance(to: found.assumingMemoryBound(to: UInt8.self))
            if at + 6 > fill && !ended {
                if !skippingOversized { scanGap(gapStart..<at) }
                gapStart = at
                position = at
                try refill(keeping: at)
                continue
            }
            let room = fill - at
            if skippingOversized {
                if room >= 6 && isEndTag(at) {
                    skippingOversized = false
                    position = at + 6
                    gapStart = position
                    continue
                }
                if room >= 5 && isStartTag(at) {
                    skippingOversized = false
                    gapStart = at
                } else {
                    position = at + 1
                    continue
                }
            }
            guard room >= 5, isStartTag(at) else {
                position = at + 1
                continue
            }
            scanGap(gapStart..<at)
            closeGapLine(at: at)
            switch try parseRecord(at: at, sink) {
            case .done(let end):
                position = end
                gapStart = end
                consumedLine = line(at: end)
                consumedOffset = base + Int64(end)
            case .heldBack:
                position = fill
                gapStart = fill
            case .needMore:
                gapStart = at
                position = at
                try refill(keeping: at)
            case .cut:
                skippingOversized = true
                position = min(fill, at + buffer.maxRecordBytes)
                gapStart = position
                consumedLine = line(at: position)
                consumedOffset = base + Int64(position)
            }
        }
        closeGapLine(at: fill)
        if fill > 0 { lastByte = data[fill - 1] }
        counters.lines = counters.decodedBytes == 0 ? 0 : line(at: fill) - (lastByte == 0x0A ? 1 : 0)
        if !holdBackTail {
            consumedOffset = base + Int64(fill)
            consumedLine = line(at: fill)
        }
        if counters.unparsedLines > 0, let first = firstUnparsedLine {
            warnings.add(.unparsedText, at: .line(first),
                         "\(counters.unparsedLines) line(s) outside any <Msg> record (first here)",
                         hint: counters.records == 0
                             ? "this does not look like an ArcGIS log; pass only ArcGIS log folders"
                             : "usually harmless (an editor or tool added text); the records around it were read")
        }
    }

    private enum Outcome {
        case done(end: Int)
        case needMore
        case cut
        /// An unterminated record at the end of the file, left for the next run.
        case heldBack
    }

    /// Parses the record starting at `start` (a `<Msg` tag) if it is complete in the buffer.
    private func parseRecord<Sink: RecordSink>(at start: Int, _ sink: Sink) throws(InputError) -> Outcome {
        var view = RecordView(base: UnsafeRawPointer(data))
        var i = start + 4
        var textStart = -1
        var end = -1
        var textEnd = -1

        attributes: while true {
            while i < fill && isSpace(data[i]) { i += 1 }
            guard i < fill else { break attributes }
            let byte = data[i]
            if byte == UInt8(ascii: ">") {
                textStart = i + 1
                break attributes
            }
            if byte == UInt8(ascii: "/") {
                guard i + 1 < fill else { break attributes }
                if data[i + 1] == UInt8(ascii: ">") {
                    textStart = i; textEnd = i; end = i + 2
                    break attributes
                }
                i += 1
                continue
            }
            if byte == UInt8(ascii: "<") {
                // A new tag inside the start tag: this record's start tag was broken off.
                textStart = i; textEnd = i; end = i
                view.isUnterminated = true
                break attributes
            }
            let nameStart = i
            while i < fill {
                let b = data[i]
                if b == UInt8(ascii: "=") || b == UInt8(ascii: ">") || b == UInt8(ascii: "/")
                    || b == UInt8(ascii: "<") || isSpace(b) { break }
                i += 1
            }
            let nameEnd = i
            while i < fill && isSpace(data[i]) { i += 1 }
            guard i < fill else { break attributes }
            guard data[i] == UInt8(ascii: "=") else { continue }  // a bare name: ignored
            i += 1
            while i < fill && isSpace(data[i]) { i += 1 }
            guard i < fill else { break attributes }
            let quote = data[i]
            let valueStart: Int, valueEnd: Int
            if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
                valueStart = i + 1
                guard valueStart < fill,
                      let close = memchr(data + valueStart, Int32(quote), fill - valueStart)
                else { break attributes }
                valueEnd = data.distance(to: close.assumingMemoryBound(to: UInt8.self))
                i = valueEnd + 1
            } else {
                valueStart = i
                while i < fill && !isSpace(data[i]) && data[i] != UInt8(ascii: ">")
                    && !(data[i] == UInt8(ascii: "/") && i + 1 < fill && data[i + 1] == UInt8(ascii: ">")) { i += 1 }
                guard i < fill else { break attributes }
                valueEnd = i
            }
            assign(name: nameStart..<nameEnd, value: valueStart..<valueEnd, to: &view)
        }

        if textStart >= 0 && end < 0 {
            var j = textStart
            search: while j < fill {
                guard let found = memchr(data + j, Int32(UInt8(ascii: "<")), fill - j) else { break search }
                let k = data.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if k + 6 > fill && !ended { break search }
                if k + 6 <= fill && isEndTag(k) {
                    textEnd = k; end = k + 6
                    break search
                }
                if k + 5 <= fill && isStartTag(k) {
                    textEnd = k; end = k
                    view.isUnterminated = true
                    break search
                }
                j = k + 1
            }
        }

        if end < 0 {
            if ended && holdBackTail {
                return .heldBack
            }
            if ended {
                // The file ends inside this record.
                view.isUnterminated = true
                if textStart < 0 { textStart = fill }
                textEnd = fill; end = fill
            } else if fill - start >= buffer.maxRecordBytes {
                let limit = start + buffer.maxRecordBytes
                if textStart < 0 || textStart > limit { textStart = limit }
                textEnd = limit; end = limit
                view.isTruncated = true
            } else {
                return .needMore
            }
        }

        view.recordRange = start..<end
        view.textRange = textStart..<max(textStart, textEnd)
        finish(&view, start: start)
        sink.accept(&view)
        return view.isTruncated ? .cut : .done(end: end)
    }

    /// Fills the parsed scalars and position of a located record, and counts it.
    private func finish(_ view: inout RecordView, start: Int) {
        view.line = line(at: start)
        view.byteOffset = base + Int64(start)
        counters.records += 1
        if let type = view.bytes(.type) { view.level = Level(bytes: type) }
        if let code = view.bytes(.code) { view.code = Self.parseCode(code) }
        if let time = view.bytes(.time) {
            if let wall = LogTime.parseWallClock(time) {
                view.time = zone.utc(fromWallClock: wall)
            } else {
                noteBadTime(view)
            }
        }
        if view.isTruncated {
            counters.oversizedRecords += 1
            if counters.oversizedRecords == 1 {
                warnings.add(.oversizedRecord, at: .line(view.line),
                             "record longer than \(buffer.maxRecordBytes) bytes; kept its first \(buffer.maxRecordBytes) bytes",
                             hint: "raise --max-record-size if such records matter")
            }
        } else if view.isUnterminated {
            counters.unterminatedRecords += 1
            if counters.unterminatedRecords == 1 {
                warnings.add(.unterminatedRecord, at: .line(view.line),
                             "record has no closing </Msg>; it was ended at the next record or the end of the file",
                             hint: "common in the last line of a file that was still being written")
            }
        }
    }

    private func noteBadTime(_ view: RecordView) {
        counters.badTimes += 1
        guard !reportedBadTime else { return }
        reportedBadTime = true
        let shown = view.string(.time) ?? ""
        warnings.add(.badTime, at: .line(view.line),
                     "time '\(shown.prefix(40))' is not YYYY-MM-DDTHH:MM:SS,mmm; the record is kept without a time",
                     hint: "records without a time are counted but cannot be correlated")
    }

    static func parseCode(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count > 0, bytes.count <= 10 else { return nil }
        var value = 0
        for byte in bytes {
            let digit = Int(byte) &- 48
            guard digit >= 0 && digit <= 9 else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    /// Stores an attribute's value range under its field, matching names by length first (this runs for
    /// every attribute of every record).
    @inline(__always)
    private func assign(name: Range<Int>, value: Range<Int>, to view: inout RecordView) {
        let p = data + name.lowerBound
        @inline(__always) func equals(_ literal: StaticString) -> Bool {
            memcmp(p, literal.utf8Start, name.count) == 0
        }
        let field: RecordField?
        switch (name.count, p[0]) {
        case (4, UInt8(ascii: "t")): field = equals("time") ? .time : equals("type") ? .type : nil
        case (4, UInt8(ascii: "c")): field = equals("code") ? .code : nil
        case (4, UInt8(ascii: "u")): field = equals("user") ? .user : nil
        case (6, UInt8(ascii: "s")): field = equals("source") ? .source : nil
        case (6, UInt8(ascii: "t")): field = equals("thread") ? .thread : equals("target") ? .source : nil
        case (7, UInt8(ascii: "p")): field = equals("process") ? .process : nil
        case (7, UInt8(ascii: "m")): field = equals("machine") ? .machine : nil
        case (7, UInt8(ascii: "e")): field = equals("elapsed") ? .elapsed : nil
        case (9, UInt8(ascii: "r")): field = equals("requestID") ? .requestID : nil
        case (10, UInt8(ascii: "m")): field = equals("methodName") ? .methodName : nil
        default: field = nil
        }
        if let field {
            view.set(field, value)
        } else if !name.isEmpty {
            view.addExtra(name: name, value: value)
        }
    }
}
