internal import Glibc
import GISLogRecords
import GISLogInput
import GISLogSupport

/// What reading one file produced, before merging.
struct FileOutcome: Sendable {
    var coverage: FileCoverage
    var levelCounts: [Int]
    var machines: [MachineSpan]
    var warnings: [ScanWarning]
    /// Where to resume next time (incremental runs only).
    var checkpoint: ResumePoint?
}

/// How an incremental run reads files: the previous run's checkpoints, and the time of this run.
public struct IncrementalContext: Sendable {
    public var index: ResumeIndex
    public var now: Int64

    public init(checkpoints: [FileCheckpoint], now: Int64) {
        index = ResumeIndex(checkpoints)
        self.now = now
    }
}

/// A file opened before the scan began (its inflating already under way), with the warnings opening it gave.
// SAFETY: made by the thread that opens it and then handed to exactly one worker, which alone uses its
// sources from then on: never used by two threads at once.
struct OpenedEarly: @unchecked Sendable {
    let warnings: WarningLog
    let opened: InputOpener.Opened
}

/// Reads one file start to end: opens it, picks the reader, counts levels and machine spans, and turns
/// every failure into a warning so the scan goes on.
enum FileReader {
    /// What reading the content of one file gave, besides what the sink counted.
    private struct Read {
        var checkpoint: ResumePoint?
        /// From another gislog's feed: its own machine spans and level counts.
        var feedSpans: [MachineSpan]?
        var feedLevels: [Int]?
    }

    /// Where to start in an opened file: from the top, where the last run stopped, or not at all (an
    /// archive that has not changed since the last run).
    private enum Plan {
        case read(InputOpener.Opened, offset: Int64, line: Int, insideRecord: Bool)
        case unchanged(position: Int32)
    }

    /// - Parameters:
    ///   - prefetch: inflate gzip on a second thread (when cores would otherwise idle).
    ///   - early: the file, already opened (full scans only).
    static func read<Consumer: RecordConsumer>(_ file: InputFile, index: Int = -1, options: ScanOptions, buffer: ReadBuffer,
                                               consumer: Consumer, prefetch: Bool = false,
                                               incremental: IncrementalContext? = nil,
                                               early: OpenedEarly? = nil) -> FileOutcome {
        let warnings = early?.warnings ?? WarningLog(path: file.path)
        var coverage = FileCoverage(file: file, status: .read, format: nil, encoding: Encoding(),
                                    storedBytes: 0, counters: ReaderCounters())
        var sink = FileSink(file: file, consumer: consumer)
        var read = Read()
        consumer.beginFile(file, index: index)
        defer { consumer.endFile(file) }
        if let incremental, early == nil, let carried = unchanged(file, incremental: incremental) {
            // Read to its end last time and not touched since: nothing to open.
            coverage.format = .records
            judge(&coverage, warnings: warnings, resumed: true)
            return FileOutcome(coverage: coverage, levelCounts: sink.levels, machines: [], warnings: warnings.warnings,
                               checkpoint: .carried(carried))
        }
        do throws(InputError) {
            let opened: InputOpener.Opened
            if let early {
                opened = early.opened
            } else {
                opened = try InputOpener.open(path: file.path, warnings: warnings,
                                              decompressedLimit: options.maxDecompressedBytes, prefetch: prefetch,
                                              meter: options.readMeter)
            }
            coverage.format = opened.format
            coverage.encoding = opened.encoding
            switch try plan(file, opened: opened, options: options, prefetch: prefetch, incremental: incremental,
                            warnings: warnings) {
            case .unchanged(let position):
                read.checkpoint = .carried(position)
            case .read(let opened, let offset, let line, let insideRecord):
                read = try content(file, opened: opened, from: (offset, line, insideRecord), options: options,
                                   buffer: buffer, sink: &sink, consumer: consumer, incremental: incremental,
                                   warnings: warnings, counters: &coverage.counters)
                coverage.storedBytes = opened.source.storedBytesRead
            }
        } catch {
            coverage.status = .failed
            warnings.add(.unreadable, at: error.offset.map { .byteOffset($0) },
                         "cannot \(error.operation): \(error.reason)", hint: error.hint)
        }
        judge(&coverage, warnings: warnings, resumed: read.checkpoint != nil)
        return FileOutcome(coverage: coverage, levelCounts: read.feedLevels ?? sink.levels,
                           machines: read.feedSpans ?? sink.tracker.spans, warnings: warnings.warnings,
                           checkpoint: read.checkpoint)
    }

    /// Where the last run's checkpoint of `file` is in its table, when it read the file to its last byte
    /// and `stat` says the same of it now (see `FileStamp`); nil when the file must be opened.
    private static func unchanged(_ file: InputFile, incremental: IncrementalContext) -> Int32? {
        guard let position = incremental.index.position(atPath: file.path),
              let stamp = incremental.index.checkpoints[Int(position)].stamp else { return nil }
        var info = stat()
        guard stat(file.path, &info) == 0, Self.stamp(info) == stamp else { return nil }
        return position
    }

    private static func stamp(_ info: stat) -> FileStamp {
        FileStamp(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                  modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }

    /// Decides where to read an opened file from (incremental runs resume where the last run stopped; a
    /// file whose bytes changed is read again from the start, with a warning).
    private static func plan(_ file: InputFile, opened: InputOpener.Opened, options: ScanOptions, prefetch: Bool,
                             incremental: IncrementalContext?, warnings: WarningLog) throws(InputError) -> Plan {
        guard let incremental else { return .read(opened, offset: 0, line: 1, insideRecord: false) }
        guard let position = incremental.index.matchPosition(head: opened.head, path: file.path) else {
            if incremental.index.hasCheckpoint(atPath: file.path) {
                warnings.add(.fileChanged, "holds different content than at the last run (it was replaced or truncated); "
                             + "read from the start", hint: "expected after a log was truncated or replaced")
            }
            return .read(opened, offset: 0, line: 1, insideRecord: false)
        }
        let previous = incremental.index.checkpoints[Int(position)]
        var info = stat()
        let size = stat(file.path, &info) == 0 ? Int64(info.st_size) : -1
        if (previous.gzip || opened.format == .adminJSON) && previous.path == file.path && previous.storedSize == size {
            // An archive (or export) that has not changed since the last run: nothing new in it.
            return .unchanged(position: position)
        }
        if opened.format == .records, try resumes(opened.source, at: previous) {
            return .read(opened, offset: previous.offset, line: previous.line, insideRecord: previous.insideRecord)
        }
        warnings.add(.fileChanged, "changed since the last run (shorter, or different bytes before byte "
                     + "\(previous.offset)); read again from the start",
                     hint: "expected after a log was truncated or replaced; its events may be reported again")
        let reopened = try InputOpener.open(path: file.path, warnings: warnings,
                                            decompressedLimit: options.maxDecompressedBytes, prefetch: prefetch,
                                            meter: options.readMeter)
        return .read(reopened, offset: 0, line: 1, insideRecord: false)
    }

    /// Reads the content with the reader its format needs.
    private static func content<Consumer: RecordConsumer>(
        _ file: InputFile, opened: InputOpener.Opened, from start: (offset: Int64, line: Int, insideRecord: Bool),
        options: ScanOptions, buffer: ReadBuffer, sink: inout FileSink<Consumer>, consumer: Consumer,
        incremental: IncrementalContext?, warnings: WarningLog, counters: inout ReaderCounters
    ) throws(InputError) -> Read {
        var read = Read()
        switch opened.format {
        case .records:
            let reader = RecordReader(source: opened.source, warnings: warnings, zone: options.timeZone, buffer: buffer,
                                      startOffset: start.offset, startLine: start.line,
                                      holdBackTail: incremental != nil, startsInsideRecord: start.insideRecord)
            if incremental != nil {
                let settle = options.settleMillis
                reader.tailIsFinal = { TailSettling.isFinal(path: file.path, settleMillis: settle) }
            }
            defer { counters = reader.counters }
            try reader.run(&sink)
            if let incremental {
                let marker = reader.bytes(before: reader.consumedOffset, count: FileCheckpoint.markerLimit) ?? []
                // Plain UTF-8 only: there decoded offsets are byte offsets, so "read to the end" is exact.
                let plain = !opened.encoding.gzip && opened.encoding.utf16 == nil && !opened.encoding.utf8BOM
                var checkpoint = checkpoint(file, head: opened.head, offset: reader.consumedOffset,
                                            line: reader.consumedLine, marker: marker, gzip: opened.encoding.gzip,
                                            now: incremental.now,
                                            readToEnd: plain && reader.restIsBlank ? reader.endOffset : nil)
                checkpoint.insideRecord = reader.resumesInsideRecord
                read.checkpoint = .read(checkpoint)
            }
        case .gislogNDJSON:
            let reader = FeedReader(source: opened.source, warnings: warnings)
            defer { counters = reader.counters }
            var tracker = MachineTracker(fixed: nil)
            var levels = Array(repeating: 0, count: Level.allCases.count)
            try reader.run { event in
                levels[Int(event.level.rawValue)] += 1
                tracker.track(event.machine, time: event.time, level: event.level)
                consumer.adopt(event, file: file)
            }
            // Coverage lines of the feed describe the other machine's logs better than its events do.
            read.feedSpans = reader.spans.isEmpty ? tracker.spans : reader.spans
            read.feedLevels = reader.spans.isEmpty ? levels
                : reader.spans.reduce(into: Array(repeating: 0, count: Level.allCases.count)) { total, span in
                    for index in total.indices { total[index] += span.levelCounts[index] }
                }
        case .adminJSON:
            let reader = AdminJSONReader(source: opened.source, warnings: warnings, zone: options.timeZone, buffer: buffer)
            defer { counters = reader.counters }
            try reader.run(&sink)
            if let incremental {
                read.checkpoint = .read(checkpoint(file, head: opened.head, offset: reader.counters.decodedBytes,
                                                   line: 1, marker: [], gzip: opened.encoding.gzip, now: incremental.now))
            }
        }
        return read
    }

    /// The file's status from what reading it warned about, and the warnings that only the whole tells.
    private static func judge(_ coverage: inout FileCoverage, warnings: WarningLog, resumed: Bool) {
        guard coverage.status != .failed else { return }
        if coverage.counters.records == 0 && coverage.counters.decodedBytes > 0 && coverage.counters.unparsedLines == 0
            && !resumed {
            warnings.add(.noRecords, "no ArcGIS <Msg> records in \(coverage.counters.decodedBytes) bytes",
                         hint: "not an ArcGIS log? pass only ArcGIS log folders")
        }
        if let order = coverage.encoding.utf16 {
            warnings.add(.utf16, "file is \(order.rawValue); decoded it", hint: nil)
        }
        if warnings.warnings.contains(where: { $0.kind != .utf16 && $0.kind != .fileChanged }) {
            coverage.status = .damaged
        }
    }

    /// Skips to where the last run stopped and checks that the bytes before it are the ones read then.
    private static func resumes(_ source: any ByteSource, at previous: FileCheckpoint) throws(InputError) -> Bool {
        let markerStart = previous.offset - Int64(previous.markerLength)
        guard markerStart >= 0, try source.skip(markerStart) == markerStart else { return false }
        var marker = [UInt8](repeating: 0, count: previous.markerLength)
        var outcome: Result<Int, InputError> = .success(0)
        marker.withUnsafeMutableBytes { raw in outcome = Result { () throws(InputError) in try source.readFully(into: raw) } }
        guard try outcome.get() == previous.markerLength else { return false }
        return stableHashValue(marker) == previous.markerHash
    }

    /// - Parameter readToEnd: for a plain UTF-8 file of which nothing but white space is left after `offset`,
    ///   the byte offset where its text ended: when that is its size, it is stamped (`FileCheckpoint.stamp`).
    private static func checkpoint(_ file: InputFile, head: [UInt8], offset: Int64, line: Int, marker: [UInt8],
                                   gzip: Bool, now: Int64, readToEnd: Int64? = nil) -> FileCheckpoint {
        var info = stat()
        let found = stat(file.path, &info) == 0
        let size = found ? Int64(info.st_size) : 0
        let headLength = min(FileCheckpoint.headLimit, head.count)
        var checkpoint = FileCheckpoint(path: file.path, headLength: headLength,
                                        headHash: stableHashValue(head[..<headLength]), offset: offset, line: line,
                                        markerHash: stableHashValue(marker), markerLength: marker.count,
                                        storedSize: size, gzip: gzip, seen: now)
        // Stated after the read: a file that grew meanwhile is larger than what was read, and gets no stamp.
        if found, let readToEnd, readToEnd == size { checkpoint.stamp = stamp(info) }
        return checkpoint
    }
}

/// Counts levels and machine spans of one file, then hands each record to the scan's consumer. A value
/// that the reader holds `inout`, so counting costs no reference counting or exclusivity checks.
struct FileSink<Consumer: RecordConsumer>: RecordSink {
    let file: InputFile
    let consumer: Consumer
    /// One count per `Level` case.
    var levelCounts = InlineArray<7, Int>(repeating: 0)
    var tracker: MachineTracker

    init(file: InputFile, consumer: Consumer) {
        assert(levelCounts.count == Level.allCases.count, "one count per level")
        self.file = file
        self.consumer = consumer
        tracker = MachineTracker(fixed: file.machine)
    }

    mutating func accept(_ record: inout RecordView) {
        levelCounts[Int(record.level.rawValue)] += 1
        // The three values, not the record: a borrowed `RecordView` crossing into `track` was copied whole
        // (about 300 bytes and a string retain) for every record.
        let index = tracker.track(machine: record.bytes(.machine), time: record.time, level: record.level)
        if record.machineIndex != index {
            record.machine = tracker.spans[index].machine
            record.machineIndex = index
        }
        consumer.consume(&record, file: file)
    }

    /// Records per level, indexed by `Level.rawValue`.
    var levels: [Int] { (0..<levelCounts.count).map { levelCounts[$0] } }
}

/// Resolves each record's machine and keeps its time span, comparing raw bytes with the previous record's
/// machine so a run of records from one machine costs no dictionary lookups or strings.
struct MachineTracker {
    private let fixed: String?
    private var lastBytes: [UInt8] = []
    private var lastIndex = -1
    private var index: [String: Int] = [:]
    private(set) var spans: [MachineSpan] = []

    static let unknown = "(unknown machine)"

    init(fixed: String?) { self.fixed = fixed }

    /// Counts a record of the machine named by `machine` (its attribute's raw bytes) and returns the index of
    /// that machine in `spans`.
    mutating func track(machine: UnsafeRawBufferPointer?, time: Int64?, level: Level) -> Int {
        if let fixed {
            if lastIndex < 0 { lastIndex = slot(for: fixed) }
        } else if let raw = machine, raw.count > 0 {
            let same = lastIndex >= 0 && raw.count == lastBytes.count
                && lastBytes.withUnsafeBytes { memcmp($0.baseAddress!, raw.baseAddress!, raw.count) == 0 }
            if !same {
                lastBytes = Array(raw)
                lastIndex = slot(for: TextRepair.string(raw).uppercased())
            }
        } else {
            lastBytes = []
            lastIndex = slot(for: Self.unknown)
        }
        spans[lastIndex].include(time, level: level)
        return lastIndex
    }

    /// Counts a record of machine `name` (events read from a feed).
    mutating func track(_ name: String, time: Int64?, level: Level) {
        if lastIndex < 0 || spans[lastIndex].machine != name { lastIndex = slot(for: name) }
        lastBytes = []
        spans[lastIndex].include(time, level: level)
    }

    private mutating func slot(for name: String) -> Int {
        // Nearly every file names one machine or two: a look along the spans needs no dictionary.
        if spans.count <= 8 {
            if let existing = spans.firstIndex(where: { $0.machine == name }) { return existing }
            spans.append(MachineSpan(machine: name, records: 0))
            if spans.count == 9 { for (number, span) in spans.enumerated() { index[span.machine] = number } }
            return spans.count - 1
        }
        if let existing = index[name] { return existing }
        spans.append(MachineSpan(machine: name, records: 0))
        index[name] = spans.count - 1
        return spans.count - 1
    }
}
