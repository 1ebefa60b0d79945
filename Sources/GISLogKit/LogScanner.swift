internal import Dispatch
internal import Synchronization
public import GISLogRules
public import GISLogRecords
public import GISLogInput
public import GISLogSupport

/// Settings of a scan.
public struct ScanOptions: Sendable {
    /// Files and folders to read.
    public var paths: [String]
    /// The zone the logs were written in.
    public var timeZone: LogTimeZone
    /// Records longer than this many bytes are cut (and flagged).
    public var maxRecordBytes: Int = 1 << 20
    /// Stop decompressing a gzip file after this many bytes (a defence against gzip bombs).
    public var maxDecompressedBytes: Int64 = 64 << 30
    /// Worker threads; files are spread over them.
    public var workers: Int = 2
    /// Hide tokens, passwords and authorization values in everything reported (`--no-redact` turns it off).
    public var redactSecrets = true
    /// Keep each matched record as written, for NDJSON's `event.original` (`--include-original`).
    public var keepOriginalRecords = false
    /// Incremental runs: a record cut off at the end of a file that has not changed for this long (in
    /// milliseconds), or whose folder holds a newer log, is read as it is rather than kept for the next run
    /// (`--settle`): ArcGIS will never finish it.
    public var settleMillis: Int64 = 600_000
    /// Where the sources count bytes as they read them (the scanner's progress sets it).
    package var readMeter: ReadMeter?

    public init(paths: [String], timeZone: LogTimeZone) {
        self.paths = paths
        self.timeZone = timeZone
    }
}

/// Receives every record of a scan. One consumer is made per worker thread and sees only that worker's
/// files, so it needs no locking; the caller merges consumers after the scan.
public protocol RecordConsumer: AnyObject, SendableMetatype {
    /// Called once per record, in file order within each file.
    /// - Parameters:
    ///   - record: valid only during the call; `record.machine` names the machine it belongs to.
    ///   - file: the file the record is in.
    func consume(_ record: inout RecordView, file: InputFile)

    /// Called for an event read from another gislog's NDJSON feed (its rules already ran).
    func adopt(_ event: Event, file: InputFile)

    /// Called before the first record of each file.
    func beginFile(_ file: InputFile)

    /// Called before the first record of each file, with the file's index in `Discovery.files`.
    func beginFile(_ file: InputFile, index: Int)

    /// Called after the last record of each file (also when the file could not be read).
    func endFile(_ file: InputFile)
}

extension RecordConsumer {
    public func adopt(_ event: Event, file: InputFile) {}
    public func beginFile(_ file: InputFile) {}
    public func beginFile(_ file: InputFile, index: Int) { beginFile(file) }
    public func endFile(_ file: InputFile) {}
}

/// The outcome of a scan.
public struct ScanResult: Sendable {
    public var coverage: Coverage
    /// Trouble with the input, in file order.
    public var warnings: [ScanWarning]
    /// Where each file was read to (incremental runs only): see `takeCheckpoints`.
    var checkpoints = RunCheckpoints()

    /// Where each file was read to (incremental runs only), by the file's place in the scan, handed over
    /// once (the result keeps none, so that the next state is built without copying a table).
    public mutating func takeCheckpoints() -> RunCheckpoints {
        defer { checkpoints = RunCheckpoints() }
        return checkpoints
    }
}

/// Reads every file under the given paths on a fixed number of threads and feeds the records to consumers.
public struct LogScanner: Sendable {
    public let options: ScanOptions
    public let discovery: Discovery
    private let early = EarlyFiles()
    /// Counts from the first byte, which may be read early (`openEarly`).
    private let progress: ScanProgress

    /// Walks the paths (no file is read yet).
    public init(options: ScanOptions) {
        discovery = LogDiscovery.discover(paths: options.paths)
        progress = ScanProgress(files: discovery.files)
        var options = options
        options.readMeter = progress.reads
        self.options = options
    }

    /// Whether the file at `index` is inflated on a thread of its own: when fewer files remain than
    /// workers, a core would otherwise idle.
    private func prefetches(_ index: Int) -> Bool {
        options.workers > 1 && discovery.files.count - index < options.workers
    }

    /// Opens now the files that will be inflated on threads of their own (one big `.gz`, say), so that
    /// inflating starts while the caller still prepares (loads rules); `run` takes them over. For full
    /// scans: an incremental run decides how to open a file from its checkpoint.
    public func openEarly() {
        for index in discovery.files.indices where prefetches(index) {
            let file = discovery.files[index]
            let warnings = WarningLog(path: file.path)
            // A file that cannot be opened now is opened again by `run`, which reports why.
            guard let opened = try? InputOpener.open(path: file.path, warnings: warnings,
                                                     decompressedLimit: options.maxDecompressedBytes, prefetch: true,
                                                     meter: options.readMeter)
            else { continue }
            early.put(OpenedEarly(warnings: warnings, opened: opened), at: index)
        }
    }

    /// The scan's progress, for `run` and a display: the same object every time, counting bytes since the
    /// first was read.
    public func makeProgress() -> ScanProgress {
        progress
    }

    /// Reads all files. Blocking: call it from a thread that may wait, not from a Swift concurrency task.
    ///
    /// - Parameters:
    ///   - progress: updated as files finish.
    ///   - makeConsumer: makes one consumer per worker thread.
    /// - Returns: the coverage and warnings, and the consumers (one per worker) to merge.
    public func run<Consumer: RecordConsumer>(
        progress: ScanProgress? = nil,
        incremental: IncrementalContext? = nil,
        makeConsumer: () -> Consumer
    ) -> (result: ScanResult, consumers: [Consumer]) {
        let files = discovery.files
        let workerCount = max(1, min(options.workers, files.count))
        let consumers = (0..<workerCount).map { _ in makeConsumer() }
        // What each file leaves behind is folded in as it finishes: only its coverage entry (and warnings,
        // checkpoint) stays per file, so a tree of 100,000 small files costs a few hundred bytes each.
        // Every file an incremental run finds has a checkpoint: at least those beyond the last run's count are fresh.
        let freshAtLeast = incremental.map { max(0, files.count - $0.index.checkpoints.count) } ?? 0
        let collected = PThreadLocked(CollectedOutcomes(files: files, freshAtLeast: freshAtLeast))
        let next = Atomic<Int>(0)
        let boxes = consumers.map { UncheckedBox($0) }
        let options = options
        DispatchQueue.concurrentPerform(iterations: workerCount) { worker in
            let buffer = ReadBuffer(maxRecordBytes: options.maxRecordBytes)
            let consumer = boxes[worker].value
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < files.count else { break }
                // Taken either way, so that an incremental run does not leave an early file's thread waiting.
                let opened = early.take(index)
                let outcome = FileReader.read(files[index], index: index, options: options, buffer: buffer, consumer: consumer,
                                              prefetch: prefetches(index), incremental: incremental,
                                              early: incremental == nil ? opened : nil)
                progress?.finished(file: outcome.coverage.storedBytes, path: files[index].path)
                collected.withLock { $0.add(outcome, at: index) }
            }
        }
        var coverage = Coverage()
        coverage.skipped = discovery.skipped
        var warnings = discovery.warnings
        // Moved out, not copied: the files' entries are the biggest thing a scan of many files keeps.
        var outcomes = collected.withLock { collected in
            defer { collected = CollectedOutcomes(files: [], freshAtLeast: 0) }
            return collected
        }
        let checkpoints = outcomes.checkpoints
        outcomes.checkpoints = RunCheckpoints()
        for index in outcomes.warnings.keys.sorted() { warnings += outcomes.warnings[index]! }
        coverage.files = outcomes.files
        coverage.totals = outcomes.totals
        coverage.storedBytes = outcomes.storedBytes
        for (level, count) in zip(Level.allCases, outcomes.levels) { coverage.recordsByLevel[level, default: 0] += count }
        coverage.machines = outcomes.machines.values.sorted { $0.machine < $1.machine }
        return (ScanResult(coverage: coverage, warnings: warnings, checkpoints: checkpoints), consumers)
    }
}

/// What the files of a scan left, gathered as they finish (in any order): per file its coverage entry, warnings
/// and checkpoint; summed over all files the counters, levels and machine spans (sums, minima and maxima, the
/// same in any order).
private struct CollectedOutcomes {
    /// Every file's entry, in the scan's order (each replaced as its file finishes; every file does).
    var files: FileCoverages
    /// Only files that warned, by index (most do not).
    var warnings: [Int: [ScanWarning]] = [:]
    /// By file index, once a first file gave one (incremental runs: every file does).
    var checkpoints = RunCheckpoints()
    let freshAtLeast: Int
    var totals = ReaderCounters()
    var storedBytes: Int64 = 0
    var levels = Array(repeating: 0, count: Level.allCases.count)
    var machines: [String: MachineSpan] = [:]

    init(files: [InputFile], freshAtLeast: Int) {
        self.freshAtLeast = freshAtLeast
        self.files = FileCoverages(unread: files)
    }

    mutating func add(_ outcome: FileOutcome, at index: Int) {
        files[index] = outcome.coverage
        if !outcome.warnings.isEmpty { warnings[index] = outcome.warnings }
        if let checkpoint = outcome.checkpoint {
            checkpoints.set(checkpoint, at: index, files: files.count, freshAtLeast: freshAtLeast)
        }
        totals.add(outcome.coverage.counters)
        storedBytes += outcome.coverage.storedBytes
        for (level, count) in outcome.levelCounts.enumerated() where level < levels.count { levels[level] += count }
        for span in outcome.machines {
            machines[span.machine, default: MachineSpan(machine: span.machine, records: 0)].merge(span)
        }
    }
}

/// Files opened by `LogScanner.openEarly`, until a worker takes them (each exactly once).
private final class EarlyFiles: Sendable {
    private let files = PThreadLocked<[Int: OpenedEarly]>([:])

    func put(_ file: OpenedEarly, at index: Int) { files.withLock { $0[index] = file } }

    func take(_ index: Int) -> OpenedEarly? { files.withLock { $0.removeValue(forKey: index) } }
}

/// Hands a worker its own consumer across the `concurrentPerform` boundary.
// SAFETY: each box is read by exactly one worker (index = worker number) while the scan runs.
private final class UncheckedBox<Value: AnyObject>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// A consumer that does nothing, for scans that only need coverage.
public final class DiscardingConsumer: RecordConsumer {
    public init() {}
    public func consume(_ record: inout RecordView, file: InputFile) {}
}
