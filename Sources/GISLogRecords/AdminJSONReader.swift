internal import CGISLogShims
internal import Glibc
public import GISLogInput
public import GISLogSupport

/// Reads files that hold Admin API `logs/query` responses (`{"hasMore":…, "logMessages":[{…}, …]}`), as
/// saved by scripts that page through `…/admin/logs/query` or `…/portaladmin/logs/query`.
///
/// Every object inside any `logMessages` array is a record, so a file may hold one response, several
/// concatenated, or an array of them. Streams through the shared buffer; an object longer than the record
/// limit is skipped and counted. `time` may be epoch milliseconds (what the API returns) or an ArcGIS time
/// stamp; `code` may be a number or a string.
package final class AdminJSONReader {
    private let source: any ByteSource
    private let warnings: WarningLog
    private var zone: ZoneCache
    private let buffer: ReadBuffer
    private let data: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private var fill = 0
    private var position = 0
    private var ended = false
    private var base: Int64 = 0
    private var countedTo = 0
    private var newlinesBefore = 0

    // Tokenizer state, kept across buffer refills.
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var stringStart = -1
    private var lastKeyIsLogMessages = false
    private var expectArray = false
    private var arrayDepth = -1
    private var objectStart = -1
    private var skippingObject = false
    private var syntaxProblem: (offset: Int64, message: String)?

    /// Decoded field values of the current object; record views point into it.
    private var scratch: [UInt8] = []
    package private(set) var counters = ReaderCounters()

    package init(source: any ByteSource, warnings: WarningLog, zone: LogTimeZone, buffer: ReadBuffer) {
        self.source = source
        self.warnings = warnings
        self.zone = ZoneCache(zone: zone)
        self.buffer = buffer
        data = buffer.storage.baseAddress!.assumingMemoryBound(to: UInt8.self)
        capacity = buffer.storage.count - 64
    }

    private func line(at index: Int) -> Int {
        if index > countedTo {
            newlinesBefore += gislog_count_newlines(data + countedTo, index - countedTo)
            countedTo = index
        }
        return newlinesBefore + 1
    }

    private func refill() throws(InputError) {
        var keep = position
        if objectStart >= 0 {
            if position - objectStart >= buffer.maxRecordBytes {
                // Too long for one record: drop it, keep tokenizing to find its end.
                objectStart = -1
                skippingObject = true
                counters.oversizedRecords += 1
            } else {
                keep = objectStart
            }
        }
        _ = line(at: keep)
        let kept = fill - keep
        if kept > 0 && keep > 0 { memmove(data, data + keep, kept) }
        base += Int64(keep)
        fill = kept
        position -= keep
        if objectStart >= 0 { objectStart -= keep }
        if stringStart >= 0 { stringStart = max(0, stringStart - keep) }
        countedTo -= keep
        let room = UnsafeMutableRawBufferPointer(start: data + fill, count: min(capacity - fill, buffer.chunkSize))
        let count = try source.read(into: room)
        if count == 0 { ended = true }
        fill += count
        counters.decodedBytes += Int64(count)
    }

    package func run<Sink: RecordSink>(_ sink: inout Sink) throws(InputError) {
        while true {
            if position >= fill {
                if ended { break }
                try refill()
                continue
            }
            let byte = data[position]
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if stringStart >= 0 {
                        lastKeyIsLogMessages = position - stringStart == 11
                            && memcmp(data + stringStart, "logMessages", 11) == 0
                    }
                }
                position += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                stringStart = position + 1
            case UInt8(ascii: ":"):
                expectArray = lastKeyIsLogMessages
                lastKeyIsLogMessages = false
            case UInt8(ascii: "["):
                depth += 1
                if expectArray && arrayDepth < 0 { arrayDepth = depth }
                expectArray = false
            case UInt8(ascii: "{"):
                depth += 1
                if arrayDepth >= 0 && depth == arrayDepth + 1 && objectStart < 0 && !skippingObject {
                    objectStart = position
                }
                expectArray = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if arrayDepth >= 0 && depth == arrayDepth + 1 && byte == UInt8(ascii: "}") {
                    if objectStart >= 0 {
                        emit(objectStart..<(position + 1), &sink)
                    }
                    objectStart = -1
                    skippingObject = false
                }
                if depth == arrayDepth && byte == UInt8(ascii: "]") { arrayDepth = -1 }
                depth -= 1
                if depth < 0 {
                    noteSyntax("unbalanced '\(Character(Unicode.Scalar(byte)))'")
                    depth = 0
                }
                expectArray = false
            default:
                if !TextRepair.isSpace(byte) { lastKeyIsLogMessages = false }
            }
            position += 1
        }
        if inString || depth > 0 {
            noteSyntax("the JSON ends before its last value is closed (cut off?)")
        }
        counters.lines = line(at: fill)
        if let problem = syntaxProblem {
            warnings.add(.invalidJSON, at: .byteOffset(problem.offset), problem.message,
                         hint: "records before this point were read; re-export the logs if some are missing")
        }
        if counters.oversizedRecords > 0 {
            warnings.add(.oversizedRecord, "\(counters.oversizedRecords) logMessages object(s) longer than "
                         + "\(buffer.maxRecordBytes) bytes were skipped", hint: "raise --max-record-size")
        }
    }

    private func noteSyntax(_ message: String) {
        if syntaxProblem == nil { syntaxProblem = (base + Int64(position), message) }
    }

    // MARK: - One logMessages object

    private func emit<Sink: RecordSink>(_ range: Range<Int>, _ sink: inout Sink) {
        guard case .object(let pairs)? = try? JSONValue.parse(Array(UnsafeBufferPointer(start: data + range.lowerBound,
                                                                                           count: range.count))) else {
            noteSyntax("a logMessages entry is not a valid JSON object")
            return
        }
        // Decoded values go into `scratch`; the record view points into it.
        scratch.removeAll(keepingCapacity: true)
        var values: [(field: RecordField?, name: Range<Int>, value: Range<Int>)] = []
        var message: Range<Int>?
        func store(_ text: String) -> Range<Int> {
            let start = scratch.count
            scratch.append(contentsOf: text.utf8)
            return start..<scratch.count
        }
        for (key, value) in pairs {
            let text: String
            switch value {
            case .string(let string): text = string
            case .number(let number):
                text = number.rounded() == number && abs(number) < 9e15 ? String(Int64(number)) : String(number)
            case .bool(let flag): text = flag ? "true" : "false"
            case .null, .array, .object: text = ""
            }
            let stored = store(text)
            if key == "message" {
                message = stored
            } else {
                let field = RecordField.allCases.first { $0.attributeName == key } ?? (key == "target" ? .source : nil)
                values.append((field, store(key), stored))
            }
        }
        scratch.withUnsafeBytes { storage in
            var view = RecordView(base: storage.baseAddress ?? UnsafeRawPointer(data))
            view.isDecoded = true
            for item in values {
                if let field = item.field { view.set(field, item.value) } else { view.addExtra(name: item.name, value: item.value) }
            }
            if let message { view.textRange = message }
            view.recordRange = 0..<storage.count
            view.storedLine = line(at: range.lowerBound)
            view.byteOffset = base + Int64(range.lowerBound)
            counters.records += 1
            if let type = view.bytes(.type) { view.level = Level(bytes: type) }
            if let code = view.bytes(.code) { view.code = RecordReader.parseCode(code) }
            if let time = view.bytes(.time) {
                if let epoch = RecordReader.parseCode(time).map(Int64.init) ?? Self.parseEpoch(time) {
                    view.time = epoch
                } else if let wall = LogTime.parseWallClock(time) {
                    view.time = zone.utc(fromWallClock: wall)
                } else {
                    counters.badTimes += 1
                }
            }
            sink.accept(&view)
        }
    }

    /// Epoch milliseconds written with more digits than `parseCode` takes, or as a float (`1.6532e12`).
    private static func parseEpoch(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        guard bytes.count <= 24 else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        if let value = Int64(text) { return value }
        if let value = Double(text), value.isFinite, abs(value) < 1e16 { return Int64(value) }
        return nil
    }
}
