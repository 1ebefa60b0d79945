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
    /// Where each file was read to (incremental runs only).
    public var checkpoints: [FileCheckpoint] = []
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
        let outcomes = PThreadLocked<[FileOutcome?]>(Array(repeating: nil, count: files.count))
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
                outcomes.withLock { $0[index] = outcome }
            }
        }
        var coverage = Coverage()
        coverage.skipped = discovery.skipped
        var warnings = discovery.warnings
        var machines: [String: MachineSpan] = [:]
        var checkpoints: [FileCheckpoint] = []
        for outcome in outcomes.withLock({ $0 }) {
            guard let outcome else { continue }
            if let checkpoint = outcome.checkpoint { checkpoints.append(checkpoint) }
            coverage.files.append(outcome.coverage)
            coverage.totals.add(outcome.coverage.counters)
            coverage.storedBytes += outcome.coverage.storedBytes
            for (level, count) in zip(Level.allCases, outcome.levelCounts) { coverage.recordsByLevel[level, default: 0] += count }
            for span in outcome.machines { machines[span.machine, default: MachineSpan(machine: span.machine, records: 0)].merge(span) }
            warnings += outcome.warnings
        }
        coverage.machines = machines.values.sorted { $0.machine < $1.machine }
        return (ScanResult(coverage: coverage, warnings: warnings, checkpoints: checkpoints), consumers)
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
