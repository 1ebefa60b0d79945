internal import CGISLogShims
internal import Glibc
public import GISLogInput
public import GISLogSupport

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

    package mutating func add(_ other: ReaderCounters) {
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
package final class ReadBuffer {
    package let storage: UnsafeMutableRawBufferPointer
    package let chunkSize: Int
    let maxRecordBytes: Int

    /// - Parameters:
    ///   - maxRecordBytes: records longer than this are cut (and flagged).
    ///   - chunkSize: bytes asked of the source per read.
    package init(maxRecordBytes: Int = 1 << 20, chunkSize: Int = 1 << 20) {
        self.maxRecordBytes = max(maxRecordBytes, 256)
        self.chunkSize = max(chunkSize, 64)
        storage = .allocate(byteCount: self.maxRecordBytes + self.chunkSize + 64, alignment: 64)
    }

    deinit { storage.deallocate() }
}

/// Turns record times into instants, remembering the minute of the previous one: records come in runs from
/// the same minutes, so most times cost a 16-byte comparison and the parse of their seconds.
struct RecordClock {
    private var zone: ZoneCache
    private var minuteKey: (UInt64, UInt64) = (0, 0)
    private var minute: (wall: Int64, utc: Int64)?

    init(zone: LogTimeZone) { self.zone = ZoneCache(zone: zone) }

    /// The instant of an ArcGIS timestamp, or nil when it is malformed.
    @inline(__always)
    mutating func instant(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        guard bytes.count >= 19 else { return nil }
        let key = (bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        if let minute, key == minuteKey {
            return LogTime.millisecondsIntoMinute(bytes).map { within in
                within < 60_000 ? minute.utc + within : zone.utc(fromWallClock: minute.wall + within)
            }
        }
        guard let wall = LogTime.parseWallClock(bytes), let within = LogTime.millisecondsIntoMinute(bytes) else { return nil }
        // A minute lies within one quarter hour, so it has one offset: its start converts like any time in it.
        // A leap second (:60) belongs to the next minute, which may have another offset: converted alone.
        let start = (wall: wall - within, utc: zone.utc(fromWallClock: wall - within))
        minuteKey = key
        minute = start
        return within < 60_000 ? start.utc + within : zone.utc(fromWallClock: wall)
    }
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
/// flagged and counted; text outside records is counted as unparsed lines. Memory is the buffer (or the
/// blocks a prefetching source lends), whatever the file or line length.
///
/// This loop runs for every byte of every log, so it is written for speed: stored properties are copied to
/// locals in the hot loops, quoted values and names are searched eight bytes at a time, names are matched
/// by whole-word loads, and nothing is allocated per record. A consumer receives one reused `RecordView`.
package final class RecordReader {
    private let source: any ByteSource
    private let warnings: WarningLog
    // Both change for every record and no caller ever holds an access open across a call, so the runtime's
    // exclusivity checks (a call and a thread-local lookup each time) buy nothing here.
    @exclusivity(unchecked) private var clock: RecordClock
    private let buffer: ReadBuffer
    /// The bytes being parsed: the reader's own buffer, or a block the source lent (see `refill`).
    private var data: UnsafePointer<UInt8>
    private let ownData: UnsafeMutablePointer<UInt8>
    private let capacity: Int

    private var fill = 0
    private var position = 0
    private var ended = false
    /// Decompressed offset of `data[0]`.
    private var base: Int64 = 0
    /// Newlines are counted up to here (in bulk at each refill, else when a line is asked for);
    /// `newlinesBefore` is the count before it.
    private var countedTo = 0
    private var newlinesBefore = 0
    /// Unparsed-text state: where the text outside records resumes, and whether its current line has content.
    private var gapStart = 0
    private var gapLineHasContent = false
    /// Whether anything but white space came after `consumedOffset`: stray text, or a record held back or
    /// skipped (see `restIsBlank`).
    private var contentAfterConsumed = false
    private var skippingOversized = false
    private var firstUnparsedLine: Int?
    private var reportedBadTime = false
    /// The last byte of the text so far (to tell whether the final line ends with a line break).
    private var lastByte: UInt8 = 0

    @exclusivity(unchecked) package private(set) var counters = ReaderCounters()
    /// Keep a record with no closing tag at the very end of the file for the next run (it may still be
    /// being written) instead of reporting it now.
    private let holdBackTail: Bool
    /// Asked (once, when the file ends inside a record) whether that record is final after all — the file
    /// has settled, or a newer log exists — so that it is read as it is instead of held back.
    package var tailIsFinal: (() -> Bool)?
    /// Whether the file ended inside a record that was read as it is (`consumedOffset` is then inside that
    /// record, and a later run that resumes there skips the rest of it).
    package private(set) var endedInsideRecord = false
    /// Whether `consumedOffset` is inside a record (one read unfinished, or one whose rest was being
    /// skipped when the file ended): a run that resumes there must skip to the record's end.
    package var resumesInsideRecord: Bool { endedInsideRecord || skippingOversized }
    /// Where the reading stopped for good: after the last complete record (decoded offset, and the line
    /// the next byte is on). An incremental run resumes here.
    package private(set) var consumedOffset: Int64
    package private(set) var consumedLine: Int
    /// Where the text read ends (decoded offset), once `run` has returned.
    package private(set) var endOffset: Int64 = 0
    /// Whether nothing but white space (the last line break) lies between `consumedOffset` and `endOffset`:
    /// the file was read to its end, and a later run would find nothing in the rest.
    package private(set) var restIsBlank = false

    /// Whether attributes in ArcGIS's usual order are read by `readUsualAttributes` (tests turn it off to
    /// hold it to the general parser).
    private let fastTags: Bool

    /// - Parameters:
    ///   - startOffset: the decoded offset at which `source` starts (when resuming a file).
    ///   - startLine: the line number at `startOffset`.
    ///   - fastTags: read attributes in ArcGIS's usual order first (off only to test the general parser).
    package init(source: any ByteSource, warnings: WarningLog, zone: LogTimeZone, buffer: ReadBuffer,
         startOffset: Int64 = 0, startLine: Int = 1, holdBackTail: Bool = false, startsInsideRecord: Bool = false,
         fastTags: Bool = true) {
        self.fastTags = fastTags
        self.source = source
        self.warnings = warnings
        clock = RecordClock(zone: zone)
        self.buffer = buffer
        ownData = buffer.storage.baseAddress!.assumingMemoryBound(to: UInt8.self)
        data = UnsafePointer(ownData)
        capacity = buffer.storage.count - 64
        base = startOffset
        newlinesBefore = max(0, startLine - 1)
        consumedOffset = startOffset
        consumedLine = max(1, startLine)
        self.holdBackTail = holdBackTail
        // The rest of a record an earlier run read unfinished: skipped like the tail of an oversized one.
        skippingOversized = startsInsideRecord
        contentAfterConsumed = startsInsideRecord
    }

    // MARK: - Buffer management

    /// Line number (1-based) of the byte at `index` in the buffer, counted from the last answer, forward or
    /// back. Records ask only when a consumer wants their line (an event); the rest is counted in bulk.
    func line(at index: Int) -> Int {
        if index > countedTo {
            newlinesBefore += gislog_count_newlines(data + countedTo, index - countedTo)
        } else if index < countedTo {
            newlinesBefore -= gislog_count_newlines(data + index, countedTo - index)
        }
        countedTo = index
        return newlinesBefore + 1
    }

    /// Counts the line of `consumedOffset` while it is still in the buffer (it is needed only at the end).
    private func noteConsumedLine() {
        let index = Int(consumedOffset - base)
        if index >= 0 && index <= fill { consumedLine = line(at: index) }
    }

    /// Keeps `data[keep..<fill]` at the front and puts more bytes after it: in a block the source lends, or
    /// moved to the front of the reader's own buffer and read after.
    private func refill(keeping keep: Int) throws(InputError) {
        noteConsumedLine()
        _ = line(at: keep)
        // Keep the bytes before the resume point if this refill drops them (incremental runs need them).
        let consumedIndex = Int(consumedOffset - base)
        if consumedIndex >= 0 && consumedIndex <= fill {
            savedMarker = (consumedOffset, bytes(endingAt: consumedIndex, count: 64))
        }
        dropped = bytes(endingAt: keep, count: 64)
        if fill > 0 { lastByte = data[fill - 1] }
        let kept = fill - keep
        base += Int64(keep)
        position -= keep
        gapStart = max(0, gapStart - keep)
        countedTo -= keep
        // A prefetching source lends its next block with the kept bytes put in front: parsed in place.
        if let lent = try source.lend(carrying: UnsafeRawBufferPointer(start: data + keep, count: kept)) {
            data = lent.baseAddress!.assumingMemoryBound(to: UInt8.self)
            fill = lent.count
            if lent.count == kept { ended = true }
            counters.decodedBytes += Int64(lent.count - kept)
            return
        }
        if kept > 0 && (keep > 0 || data != UnsafePointer(ownData)) { memmove(ownData, data + keep, kept) }
        data = UnsafePointer(ownData)
        fill = kept
        let room = UnsafeMutableRawBufferPointer(start: ownData + fill, count: min(capacity - fill, buffer.chunkSize))
        let count = try source.read(into: room)
        if count == 0 { ended = true }
        fill += count
        counters.decodedBytes += Int64(count)
    }

    /// The bytes just before `consumedOffset`, saved when a refill drops them from the buffer.
    private var savedMarker: (offset: Int64, bytes: [UInt8])?
    /// The last (up to 64) bytes before `data[0]`, dropped by the last refill: with them a marker can reach
    /// back past the start of the buffer (which begins at the record being read).
    private var dropped: [UInt8] = []

    /// Up to `count` (at most 64) bytes before `data[end]`, reaching into `dropped` when the buffer has fewer.
    private func bytes(endingAt end: Int, count: Int) -> [UInt8] {
        let start = max(0, end - count)
        let inBuffer = Array(UnsafeBufferPointer(start: data + start, count: end - start))
        return end - start == count ? inBuffer : Array((dropped + inBuffer).suffix(count))
    }

    /// Up to `count` (at most 64) bytes just before decoded offset `offset`, if still known.
    package func bytes(before offset: Int64, count: Int) -> [UInt8]? {
        let end = Int(offset - base)
        if end >= 0, end <= fill {
            let known = bytes(endingAt: end, count: count)
            if known.count >= min(count, Int(offset)) { return known }
        }
        if let saved = savedMarker, saved.offset == offset { return Array(saved.bytes.suffix(count)) }
        return nil
    }

    // MARK: - Scanning

    @inline(__always)
    private func isSpace(_ byte: UInt8) -> Bool {
        byte <= 0x20 && (byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09)
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

    /// Whether a `</Msg>` ending just before `at` ends its record: spaces, then the line's end, the data's end
    /// or a `<Msg` tag. Nil when the deciding bytes are not in the buffer yet.
    @inline(__always)
    private func endsRecord(after at: Int, fill: Int) -> Bool? {
        var p = at
        while p < fill && (data[p] == 0x20 || data[p] == 0x09 || data[p] == 0x0D) { p += 1 }
        guard p < fill else { return ended ? true : nil }
        if data[p] == 0x0A { return true }
        guard data[p] == UInt8(ascii: "<") else { return false }
        guard p + 5 <= fill else { return ended ? false : nil }
        return isStartTag(p)
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
                contentAfterConsumed = true
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
    package func run<Sink: RecordSink>(_ sink: inout Sink) throws(InputError) {
        var view = RecordView(base: UnsafeRawPointer(data))
        view.lines = self
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
                // Where the skipped record ends is where a later run may resume.
                if room >= 6 && isEndTag(at) {
                    skippingOversized = false
                    position = at + 6
                    gapStart = position
                    consumedOffset = base + Int64(position)
                    contentAfterConsumed = false
                    continue
                }
                if room >= 5 && isStartTag(at) {
                    skippingOversized = false
                    gapStart = at
                    consumedOffset = base + Int64(at)
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
            switch try parseRecord(at: at, into: &view, &sink) {
            case .done(let end):
                position = end
                gapStart = end
                consumedOffset = base + Int64(end)
                contentAfterConsumed = false
            case .heldBack:
                position = fill
                gapStart = fill
                contentAfterConsumed = true
            case .needMore:
                gapStart = at
                position = at
                try refill(keeping: at)
            case .cut:
                skippingOversized = true
                contentAfterConsumed = true
                position = min(fill, at + buffer.maxRecordBytes)
                gapStart = position
                consumedOffset = base + Int64(position)
            }
        }
        closeGapLine(at: fill)
        noteConsumedLine()
        endOffset = base + Int64(fill)
        restIsBlank = !contentAfterConsumed
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
    ///
    /// `view` is the caller's, reused for every record so that none costs an initialisation or a copy.
    private func parseRecord<Sink: RecordSink>(at start: Int, into view: inout RecordView,
                                              _ sink: inout Sink) throws(InputError) -> Outcome {
        // Locals: stored properties of a class are reloaded on every use in a loop.
        let data = self.data, fill = self.fill
        view.reset(base: UnsafeRawPointer(data))
        var i = start + 4
        var textStart = -1
        var end = -1
        var textEnd = -1

        // The end of the line the attributes are on, found once per record rather than once per value (a
        // header line holds ten values and its message: a search per value read the message ten times).
        var lineEnd = -1
        // ArcGIS writes its attributes in one order: that order is read first, each name checked whole by
        // two word compares; the byte loop below reads on from the first attribute that differs.
        if fastTags { textStart = readUsualAttributes(from: &i, into: &view) }
        attributes: while textStart < 0 {
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
            i = Self.nameEnd(in: data, from: i, to: fill)  // from `i`: a stray "=" is an empty name
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
                // A value never spans lines: an unbalanced quote ends at the line's end, so it cannot swallow
                // the records that follow (the next `<Msg` then ends this one as unterminated).
                if lineEnd < valueStart {
                    lineEnd = memchr(data + valueStart, 0x0A, fill - valueStart)
                        .map { data.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? fill
                }
                if let close = Self.find(quote, in: data, from: valueStart, to: lineEnd) {
                    valueEnd = close
                    i = valueEnd + 1
                } else if lineEnd < fill {
                    valueEnd = lineEnd
                    i = lineEnd
                } else {
                    break attributes
                }
            } else {
                valueStart = i
                while i < fill && !isSpace(data[i]) && data[i] != UInt8(ascii: ">")
                    && !(data[i] == UInt8(ascii: "/") && i + 1 < fill && data[i + 1] == UInt8(ascii: ">")) { i += 1 }
                guard i < fill else { break attributes }
                valueEnd = i
            }
            assign(name: nameStart..<nameEnd, value: valueStart..<valueEnd, to: &view)
        }

        // A `</Msg>` followed by more text on its line (logged user input, echoed XML) is part of the message;
        // the record ends at one followed by the line's end or the next `<Msg`. Should no such one come before
        // the next record, the file's end or the size limit, the first `</Msg>` seen ends it after all.
        var candidate = -1
        if textStart >= 0 && end < 0 {
            var j = textStart
            search: while j < fill {
                guard let found = memchr(data + j, Int32(UInt8(ascii: "<")), fill - j) else { break search }
                let k = data.distance(to: found.assumingMemoryBound(to: UInt8.self))
                if k + 6 > fill && !ended { break search }
                if k + 6 <= fill && isEndTag(k) {
                    switch endsRecord(after: k + 6, fill: fill) {
                    case true?:
                        textEnd = k; end = k + 6
                        break search
                    case false?:
                        if candidate < 0 { candidate = k }
                        j = k + 6
                        continue search
                    case nil:
                        break search  // the bytes that decide are not read yet
                    }
                }
                if k + 5 <= fill && isStartTag(k) {
                    if candidate >= 0 {
                        textEnd = candidate; end = candidate + 6
                    } else {
                        textEnd = k; end = k
                        view.isUnterminated = true
                    }
                    break search
                }
                j = k + 1
            }
        }
        if end < 0 && candidate >= 0 && (ended || fill - start >= buffer.maxRecordBytes) {
            textEnd = candidate; end = candidate + 6
        }

        if end < 0 {
            if ended && holdBackTail {
                guard tailIsFinal?() ?? false else { return .heldBack }
                endedInsideRecord = true
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

    /// ` name="` as ArcGIS writes each attribute, in its order (Portal and Data Store stop before
    /// `requestID`), as the first and last eight bytes (zero-padded below eight) and the length.
    private struct UsualAttribute {
        let head: UInt64, tail: UInt64, headMask: UInt64, count: Int, field: RecordField
        init(_ field: RecordField) {
            let bytes = Array(" \(field.attributeName)=\"".utf8)
            func word(_ slice: ArraySlice<UInt8>) -> UInt64 {
                slice.reversed().reduce(0) { $0 << 8 | UInt64($1) }
            }
            count = bytes.count
            head = word(bytes.prefix(8))
            tail = word(bytes.suffix(8))
            headMask = count >= 8 ? ~0 : (1 << (8 * UInt64(count))) - 1
            self.field = field
        }
    }
    private static let usualAttributeTable = RecordField.allCases.map(UsualAttribute.init)
    /// The table, held here so that reading it costs no lazy-global check per record.
    private let usualAttributes = RecordReader.usualAttributeTable

    /// Reads the attributes at `i` for as long as they come in ArcGIS's order and shape (` name="value"`,
    /// the value on its line), then the tag's `>`. Returns where the text starts, or -1 with `i` at the
    /// first attribute not read (the byte loop reads the rest: the same answer, only slower).
    @inline(__always)
    private func readUsualAttributes(from i: inout Int, into view: inout RecordView) -> Int {
        let data = self.data, fill = self.fill
        for attribute in usualAttributes {
            // Both words lie within the tag's bytes read so far, and the value's search reads ahead of
            // `fill` only into the buffer's slack.
            guard i + 16 <= fill else { return -1 }
            let p = UnsafeRawPointer(data + i)
            guard UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)) & attribute.headMask == attribute.head,
                  UInt64(littleEndian: p.loadUnaligned(fromByteOffset: max(0, attribute.count - 8), as: UInt64.self))
                    & attribute.headMask == attribute.tail & attribute.headMask
            else { return -1 }
            let valueStart = i + attribute.count
            guard let close = Self.findQuoteOrNewline(in: data, from: valueStart, to: fill),
                  data[close] == UInt8(ascii: "\"") else { return -1 }
            view.set(attribute.field, valueStart..<close)
            i = close + 1
            if i < fill && data[i] == UInt8(ascii: ">") { return i + 1 }
        }
        return -1
    }

    /// The index of the first `"` or line break in `data[start..<end]`.
    @inline(__always)
    private static func findQuoteOrNewline(in data: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int? {
        let quotes = ones &* UInt64(UInt8(ascii: "\"")), newlines = ones &* 0x0A
        return firstMarked(in: data, from: start, to: end) { word in
            let q = word ^ quotes, n = word ^ newlines
            return ((q &- ones) & ~q | (n &- ones) & ~n) & highs
        }
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080

    /// The index of the first byte of `data[start..<end]` that `marks` flags (nil if none), eight bytes at a
    /// time: short values and names make this beat a call to `memchr`. `marks` maps a little-endian word to
    /// one with the high bit set in the flagged bytes; like the classic zero-byte test it may flag a byte
    /// only above a truly flagged one, never below, so the lowest flag is exact on any machine. Reads up to
    /// seven bytes past `end`, which every buffer's slack allows (those bytes are never reported).
    @inline(__always)
    private static func firstMarked(in data: UnsafePointer<UInt8>, from start: Int, to end: Int,
                                    _ marks: (UInt64) -> UInt64) -> Int? {
        var i = start
        while i < end {
            let flags = marks(UInt64(littleEndian: UnsafeRawPointer(data + i).loadUnaligned(as: UInt64.self)))
            if flags != 0 {
                let found = i &+ flags.trailingZeroBitCount / 8
                return found < end ? found : nil
            }
            i &+= 8
        }
        return nil
    }

    /// The index of the first `byte` in `data[start..<end]`.
    @inline(__always)
    private static func find(_ byte: UInt8, in data: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int? {
        let pattern = ones &* UInt64(byte)
        return firstMarked(in: data, from: start, to: end) { word in
            let zeroWhereEqual = word ^ pattern
            return (zeroWhereEqual &- ones) & ~zeroWhereEqual & highs
        }
    }

    /// The index of the first byte in `data[start..<end]` that ends an attribute name (`end` if none): every
    /// such byte is below `?`, letters are not, so only those bytes are looked at.
    @inline(__always)
    private static func nameEnd(in data: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int {
        var i = start
        while let candidate = firstMarked(in: data, from: i, to: end, { word in (word &- ones &* 0x3F) & ~word & highs }) {
            if endsName(data[candidate]) { return candidate }
            i = candidate &+ 1  // a digit, '-', '.' or ':' inside a name
        }
        return end
    }

    /// Whether `byte` ends an attribute name: `=`, `>`, `/`, `<` or white space.
    @inline(__always)
    private static func endsName(_ byte: UInt8) -> Bool {
        // One test for the common case: every name character is above '>'.
        byte <= UInt8(ascii: ">") && (byte == UInt8(ascii: "=") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/")
            || byte == UInt8(ascii: "<") || byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09)
    }

    /// Fills the parsed scalars and position of a located record, and counts it.
    private func finish(_ view: inout RecordView, start: Int) {
        view.byteOffset = base + Int64(start)
        counters.records += 1
        if let type = view.bytes(.type) { view.level = Level(bytes: type) }
        if let code = view.bytes(.code) { view.code = Self.parseCode(code) }
        if let time = view.bytes(.time) {
            if let instant = clock.instant(time) {
                view.time = instant
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
            if endedInsideRecord {
                warnings.add(.unterminatedRecord, at: .line(view.line),
                             "the last record has no closing </Msg> and the file has settled (unchanged for a while, "
                                 + "or a newer log is in its folder): read as it is",
                             hint: "ArcGIS stopped while writing it (a crash or a power loss); should the file grow "
                                 + "later, the rest of this record is skipped, so it is not reported twice")
            } else if counters.unterminatedRecords == 1 {
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

    /// Stores an attribute's value range under its field. Names are told apart by length, then by one or
    /// two whole-word loads (overlapping, never past the name), since this runs for every attribute of
    /// every record.
    @inline(__always)
    private func assign(name: Range<Int>, value: Range<Int>, to view: inout RecordView) {
        let p = UnsafeRawPointer(data + name.lowerBound)
        @inline(__always) func word(_ offset: Int) -> UInt32 { p.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
        let field: RecordField?
        switch name.count {
        case 4:
            switch word(0) {
            case asciiWord("t", "i", "m", "e"): field = .time
            case asciiWord("t", "y", "p", "e"): field = .type
            case asciiWord("c", "o", "d", "e"): field = .code
            case asciiWord("u", "s", "e", "r"): field = .user
            default: field = nil
            }
        case 6:
            switch (word(0), word(2)) {
            case (asciiWord("s", "o", "u", "r"), asciiWord("u", "r", "c", "e")): field = .source
            case (asciiWord("t", "h", "r", "e"), asciiWord("r", "e", "a", "d")): field = .thread
            case (asciiWord("t", "a", "r", "g"), asciiWord("r", "g", "e", "t")): field = .source  // ArcGIS 10.0
            default: field = nil
            }
        case 7:
            switch (word(0), word(3)) {
            case (asciiWord("p", "r", "o", "c"), asciiWord("c", "e", "s", "s")): field = .process
            case (asciiWord("m", "a", "c", "h"), asciiWord("h", "i", "n", "e")): field = .machine
            case (asciiWord("e", "l", "a", "p"), asciiWord("p", "s", "e", "d")): field = .elapsed
            default: field = nil
            }
        case 9:
            field = (word(0), word(4), p.load(fromByteOffset: 8, as: UInt8.self))
                == (asciiWord("r", "e", "q", "u"), asciiWord("e", "s", "t", "I"), UInt8(ascii: "D")) ? .requestID : nil
        case 10:
            field = (word(0), word(4), word(6))
                == (asciiWord("m", "e", "t", "h"), asciiWord("o", "d", "N", "a"), asciiWord("N", "a", "m", "e")) ? .methodName : nil
        default:
            field = nil
        }
        if let field {
            view.set(field, value)
        } else if !name.isEmpty {
            view.addExtra(name: name, value: value)
        }
    }
}
