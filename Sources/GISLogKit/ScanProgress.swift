internal import Glibc
internal import Synchronization
public import GISLogInput
internal import GISLogSupport

/// What a scan is doing, for a progress display.
public enum ScanPhase: Int, Sendable {
    /// Reading the files (and running the rules on them).
    case reading
    /// Correlating the events found (the count is the number of events).
    case correlating
    /// Checking the failing peers live (`--probe`; the count is the number of endpoints).
    case probing
    /// Rendering and writing the report.
    case writing
}

/// Live counters a terminal can show while the scan runs. The workers count files as they finish and the
/// sources count bytes per buffer (`reads`); the steps after reading set the phase; a display's thread
/// reads them all. Every counter is a relaxed atomic: a display may see them a moment apart, never torn.
public final class ScanProgress: Sendable {
    public let totalFiles: Int
    /// Bytes taken from disk and inflated so far, counted per buffer as they are read.
    public let reads = ReadMeter()
    private let files: [InputFile]
    private let doneFiles = Atomic<Int>(0)
    private let doneBytes = Atomic<Int64>(0)
    private let passedBytes = Atomic<Int64>(0)
    private let measured = Atomic<Int64>(-1)
    private let watched = Atomic<Bool>(false)
    private let phaseValue = Atomic<Int>(ScanPhase.reading.rawValue)
    private let phaseCount = Atomic<Int>(0)
    private let readingEnd = Atomic<Int64>(-1)
    private let phaseHook = PThreadLocked<(@Sendable (ScanPhase) -> Void)?>(nil)

    init(files: [InputFile]) {
        self.files = files
        totalFiles = files.count
    }

    /// Files finished so far.
    public var filesDone: Int { doneFiles.load(ordering: .relaxed) }
    /// Bytes read from disk by the files finished so far.
    public var bytesDone: Int64 { doneBytes.load(ordering: .relaxed) }

    /// How far through the files' bytes the scan is: the bytes read so far, plus those of finished files
    /// that did not need reading (unchanged since the last `--state` run, or before where it stopped).
    /// Counts passed-over bytes only once `watch` was called.
    public var position: Int64 { reads.storedBytes + passedBytes.load(ordering: .relaxed) }

    /// The size of all files together, once `measureTotal` has run; nil before.
    public var totalBytes: Int64? {
        let total = measured.load(ordering: .relaxed)
        return total >= 0 ? total : nil
    }

    /// The current phase and its count (events or endpoints).
    public var phase: (phase: ScanPhase, count: Int) {
        let phase = ScanPhase(rawValue: phaseValue.load(ordering: .acquiring)) ?? .reading
        return (phase, phaseCount.load(ordering: .relaxed))
    }

    /// When reading ended (monotonic nanoseconds, see `ScanProgress.now`), nil while reading.
    public var readingEnded: Int64? {
        let end = readingEnd.load(ordering: .relaxed)
        return end >= 0 ? end : nil
    }

    /// Moves to `phase`; the first move away from reading notes the time reading ended.
    public func enter(_ phase: ScanPhase, count: Int = 0) {
        if phase != .reading && readingEnd.load(ordering: .relaxed) < 0 {
            readingEnd.store(Self.now(), ordering: .relaxed)
        }
        phaseCount.store(count, ordering: .relaxed)
        phaseValue.store(phase.rawValue, ordering: .releasing)
        phaseHook.withLock { $0 }?(phase)
    }

    /// Calls `hook` on the thread that enters each phase, after the phase is set: a display shows a new
    /// phase at once, however short it is, instead of at its next redraw.
    public func onPhaseChange(_ hook: @escaping @Sendable (ScanPhase) -> Void) {
        phaseHook.withLock { $0 = hook }
    }

    /// A display will show `position` against `totalBytes`: from now on each finished file not read whole
    /// is looked up (one `stat`) so that its unread bytes count as passed. Call it before the scan starts.
    public func watch() {
        watched.store(true, ordering: .relaxed)
    }

    /// Learns the size of every file, with a `stat` for those the folder walk did not size (it sizes files
    /// only when it stats them anyway). Runs on the display's thread, never the workers'.
    public func measureTotal() {
        var total: Int64 = 0
        for file in files {
            total += file.size > 0 ? file.size : Self.size(of: file.path)
        }
        measured.store(total, ordering: .relaxed)
    }

    func finished(file bytes: Int64, path: String) {
        if watched.load(ordering: .relaxed) {
            let unread = Self.size(of: path) - bytes
            if unread > 0 { passedBytes.add(unread, ordering: .relaxed) }
        }
        doneBytes.add(bytes, ordering: .relaxed)
        doneFiles.add(1, ordering: .relaxed)
    }

    private static func size(of path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG ? Int64(info.st_size) : 0
    }

    /// Monotonic time in nanoseconds.
    public static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
