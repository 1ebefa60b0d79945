/// What reading one file produced, before merging.
struct FileOutcome: Sendable {
    var coverage: FileCoverage
    var levelCounts: [Int]
    var machines: [MachineSpan]
    var warnings: [ScanWarning]
}

/// Reads one file start to end: opens it, picks the reader, counts levels and machine spans, and turns
/// every failure into a warning so the scan goes on.
enum FileReader {
    /// - Parameter prefetch: inflate gzip on a second thread (when cores would otherwise idle).
    static func read<Consumer: RecordConsumer>(_ file: InputFile, options: ScanOptions, buffer: ReadBuffer,
                                               consumer: Consumer, prefetch: Bool = false) -> FileOutcome {
        let warnings = WarningLog(path: file.path)
        var coverage = FileCoverage(file: file, status: .read, format: nil, encoding: Encoding(),
                                    storedBytes: 0, counters: ReaderCounters())
        let sink = FileSink(file: file, consumer: consumer)
        consumer.beginFile(file)
        defer { consumer.endFile(file) }
        do throws(InputError) {
            let opened = try InputOpener.open(path: file.path, warnings: warnings,
                                              decompressedLimit: options.maxDecompressedBytes, prefetch: prefetch)
            coverage.format = opened.format
            coverage.encoding = opened.encoding
            switch opened.format {
            case .records:
                let reader = RecordReader(source: opened.source, warnings: warnings, zone: options.timeZone, buffer: buffer)
                defer { coverage.counters = reader.counters }
                try reader.run(sink)
            case .adminJSON:
                let reader = AdminJSONReader(source: opened.source, warnings: warnings, zone: options.timeZone, buffer: buffer)
                defer { coverage.counters = reader.counters }
                try reader.run(sink)
            }
            coverage.storedBytes = opened.source.storedBytesRead
        } catch {
            coverage.status = .failed
            warnings.add(.unreadable, at: error.offset.map { .byteOffset($0) },
                         "cannot \(error.operation): \(error.reason)", hint: error.hint)
        }
        if coverage.status != .failed {
            if coverage.counters.records == 0 && coverage.counters.decodedBytes > 0 && coverage.counters.unparsedLines == 0 {
                warnings.add(.noRecords, "no ArcGIS <Msg> records in \(coverage.counters.decodedBytes) bytes",
                             hint: "not an ArcGIS log? pass only ArcGIS log folders")
            }
            if coverage.encoding.utf16 != nil {
                warnings.add(.utf16, "file is \(coverage.encoding.utf16!.rawValue); decoded it", hint: nil)
            }
            if !warnings.warnings.isEmpty && warnings.warnings.contains(where: { $0.kind != .utf16 }) {
                coverage.status = .damaged
            }
        }
        return FileOutcome(coverage: coverage, levelCounts: sink.levelCounts,
                           machines: sink.tracker.spans, warnings: warnings.warnings)
    }
}

/// Counts levels and machine spans of one file, then hands each record to the scan's consumer.
final class FileSink<Consumer: RecordConsumer>: RecordSink {
    let file: InputFile
    let consumer: Consumer
    var levelCounts = Array(repeating: 0, count: Level.allCases.count)
    var tracker: MachineTracker

    init(file: InputFile, consumer: Consumer) {
        self.file = file
        self.consumer = consumer
        tracker = MachineTracker(fixed: file.machine)
    }

    func accept(_ record: inout RecordView) {
        levelCounts[Int(record.level.rawValue)] += 1
        let machine = tracker.machine(for: record)
        consumer.consume(&record, file: file, machine: machine)
    }
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

    mutating func machine(for record: RecordView) -> String {
        if let fixed {
            return track(fixed, record: record)
        }
        guard let raw = record.bytes(.machine), raw.count > 0 else {
            return track(Self.unknown, record: record)
        }
        if lastIndex >= 0 && raw.elementsEqual(lastBytes) {
            spans[lastIndex].include(record.time, level: record.level)
            return spans[lastIndex].machine
        }
        let name = TextRepair.string(raw).uppercased()
        lastBytes = Array(raw)
        let result = track(name, record: record)
        return result
    }

    private mutating func track(_ name: String, record: RecordView) -> String {
        if lastIndex < 0 || spans[lastIndex].machine != name {
            if let existing = index[name] {
                lastIndex = existing
            } else {
                spans.append(MachineSpan(machine: name, records: 0))
                lastIndex = spans.count - 1
                index[name] = lastIndex
            }
        }
        spans[lastIndex].include(record.time, level: record.level)
        return name
    }
}
