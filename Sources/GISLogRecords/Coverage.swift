public import GISLogInput

/// First and last record time and the record count of one machine.
public struct MachineSpan: Sendable, Hashable {
    public var machine: String
    public var first: Int64?
    public var last: Int64?
    public var records: Int
    /// Records per level, indexed by `Level.rawValue`.
    public var levelCounts: [Int] = Array(repeating: 0, count: Level.allCases.count)

    /// Records of this machine at `level`.
    public func records(at level: Level) -> Int { levelCounts[Int(level.rawValue)] }

    package mutating func include(_ time: Int64?, level: Level) {
        records += 1
        levelCounts[Int(level.rawValue)] += 1
        guard let time else { return }
        if first.map({ time < $0 }) ?? true { first = time }
        if last.map({ time > $0 }) ?? true { last = time }
    }

    package mutating func merge(_ other: MachineSpan) {
        records += other.records
        for index in levelCounts.indices { levelCounts[index] += other.levelCounts[index] }
        if let f = other.first, first.map({ f < $0 }) ?? true { first = f }
        if let l = other.last, last.map({ l > $0 }) ?? true { last = l }
    }

    package init(machine: String, first: Int64? = nil, last: Int64? = nil, records: Int = 0,
                 levelCounts: [Int] = Array(repeating: 0, count: Level.allCases.count)) {
        self.machine = machine
        self.first = first
        self.last = last
        self.records = records
        self.levelCounts = levelCounts
    }
}

/// What happened to one file.
public struct FileCoverage: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        /// Read to the end without trouble.
        case read
        /// Read, but something was wrong with it (see the warnings): damaged gzip, cut records, stray text.
        case damaged
        /// Could not be opened or read at all.
        case failed
    }

    public var file: InputFile
    public var status: Status
    public var format: ContentFormat?
    public var encoding: Encoding
    /// Bytes read from disk (compressed bytes for gzip).
    public var storedBytes: Int64
    public var counters: ReaderCounters

    package init(file: InputFile, status: Status, format: ContentFormat?, encoding: Encoding, storedBytes: Int64,
                 counters: ReaderCounters) {
        self.file = file
        self.status = status
        self.format = format
        self.encoding = encoding
        self.storedBytes = storedBytes
        self.counters = counters
    }
}

/// Every file of a scan and what reading it gave, in the scan's order.
///
/// The files are kept as the list the folder walk made, shared rather than copied, and what reading each
/// gave beside it: a big site's 100,000 files were otherwise listed twice (4.8 MB more at the end of a scan).
public struct FileCoverages: RandomAccessCollection, MutableCollection, ExpressibleByArrayLiteral, Sendable {
    /// What reading one file gave: a `FileCoverage` without its file.
    private struct Reading: Sendable {
        var status: FileCoverage.Status
        var format: ContentFormat?
        var encoding: Encoding
        var storedBytes: Int64
        var counters: ReaderCounters

        init(_ coverage: FileCoverage) {
            status = coverage.status
            format = coverage.format
            encoding = coverage.encoding
            storedBytes = coverage.storedBytes
            counters = coverage.counters
        }

        init(unread: Void) {
            status = .failed
            format = nil
            encoding = Encoding()
            storedBytes = 0
            counters = ReaderCounters()
        }
    }

    /// The files, in the scan's order.
    public private(set) var inputs: [InputFile]
    private var readings: [Reading]

    public init() {
        inputs = []
        readings = []
    }

    public init(_ files: [FileCoverage]) {
        inputs = files.map(\.file)
        readings = files.map(Reading.init)
    }

    public init(arrayLiteral files: FileCoverage...) { self.init(files) }

    /// `files` (shared, not copied), none of them read yet: each `failed` until its reading is set.
    package init(unread files: [InputFile]) {
        inputs = files
        readings = Array(repeating: Reading(unread: ()), count: files.count)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { inputs.count }

    public subscript(position: Int) -> FileCoverage {
        get {
            let reading = readings[position]
            return FileCoverage(file: inputs[position], status: reading.status, format: reading.format,
                                encoding: reading.encoding, storedBytes: reading.storedBytes, counters: reading.counters)
        }
        set {
            // The same file (as when a scan sets a file's reading) leaves the shared list as it is.
            if inputs[position] != newValue.file { inputs[position] = newValue.file }
            readings[position] = Reading(newValue)
        }
    }

    public mutating func append(_ file: FileCoverage) {
        inputs.append(file.file)
        readings.append(Reading(file))
    }
}

/// Everything a scan knows about what it read: the basis for trusting (or doubting) its findings.
public struct Coverage: Sendable {
    public var files = FileCoverages()
    public var skipped: [SkippedFile] = []
    public var totals = ReaderCounters()
    /// Records per level; every level has an entry (zero when none).
    public var recordsByLevel: [Level: Int] = Dictionary(uniqueKeysWithValues: Level.allCases.map { ($0, 0) })
    /// One entry per machine, sorted by name.
    public var machines: [MachineSpan] = []
    /// Bytes read from disk (compressed for gzip files).
    public var storedBytes: Int64 = 0

    public var filesRead: Int { files.count { $0.status != .failed } }
    public var filesDamaged: Int { files.count { $0.status == .damaged } }
    public var filesFailed: Int { files.count { $0.status == .failed } }
    public var gzipFiles: Int { files.count { $0.encoding.gzip } }
    public var utf16Files: Int { files.count { $0.encoding.utf16 != nil } }
    public var adminJSONFiles: Int { files.count { $0.format == .adminJSON } }

    /// Earliest and latest record time over all machines.
    public var timeRange: (first: Int64, last: Int64)? {
        let firsts = machines.compactMap(\.first), lasts = machines.compactMap(\.last)
        guard let first = firsts.min(), let last = lasts.max() else { return nil }
        return (first, last)
    }

    /// Skipped files counted by reason.
    public var skippedByReason: [(reason: SkippedFile.Reason, count: Int)] {
        SkippedFile.Reason.allCases.compactMap { reason in
            let count = skipped.count { $0.reason == reason }
            return count > 0 ? (reason, count) : nil
        }
    }

    package init() {}
}
