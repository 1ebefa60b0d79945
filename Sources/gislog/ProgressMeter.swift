internal import Dispatch
internal import Glibc
import GISLogKit
import GISLogSupport
import GISLogReports

/// Shows on stderr what a long scan is doing — reading (files, bytes, rate, ETA), correlating, probing,
/// writing the report — on one line redrawn at most ten times a second, from half a second into the run;
/// `summarize` then leaves one line that says what was done. Only on an interactive terminal: never when
/// stderr is piped, under cron (no TERM), with TERM=dumb or when `NO_PROGRESS`/`CI` is set.
final class ProgressMeter: Sendable {
    private let progress: ScanProgress
    private let enabled: Bool
    private let state = PThreadLocked(State())
    /// Signalled by `stop`, so the drawing thread ends at once instead of after its nap.
    private let wake = DispatchSemaphore(value: 0)
    private let startTime = ScanProgress.now()

    private struct State {
        var stopped = false
        /// The line is on the screen now (it must be erased before anything else is written to stderr).
        var onScreen = false
        /// The line was drawn at least once: the run was long enough to deserve a summary.
        var shown = false
        var window = RateWindow()
        var phase = ScanPhase.reading
        var phaseStart: Int64 = 0
    }

    /// Milliseconds between two redraws (a phase change redraws at once).
    static let redrawInterval = 100
    /// Nanoseconds before the first line: a quick run shows none.
    static let delay: Int64 = 500_000_000

    static var stderrIsInteractive: Bool {
        guard isatty(2) == 1 else { return false }
        if let term = getenv("TERM").map({ String(cString: $0) }), term == "dumb" { return false }
        return getenv("CI") == nil && getenv("NO_PROGRESS") == nil
    }

    init(progress: ScanProgress, enabled: Bool) {
        self.progress = progress
        self.enabled = enabled
    }

    func start() {
        guard enabled else { return }
        progress.watch()
        progress.onPhaseChange { [weak self] _ in self?.redraw() }
        Thread.detach { [self] in
            // Sizing the files the walk did not size is a stat each: here, not on the scan's threads.
            progress.measureTotal()
            while wake.wait(timeout: .now() + .milliseconds(Self.redrawInterval)) == .timedOut { redraw() }
        }
    }

    /// Draws the line for what the scan is doing now (from the drawing thread, or the thread that changed
    /// the phase); under the lock, so that two draws, an erase and a stop never interleave.
    private func redraw() {
        state.withLock { state in
            guard !state.stopped else { return }
            let now = ScanProgress.now()
            let (phase, count) = progress.phase
            let line: String
            if phase == .reading {
                state.window.add(time: seconds(now - startTime), bytes: progress.reads.storedBytes)
                line = ProgressText.reading(ProgressText.Reading(
                    filesDone: progress.filesDone, totalFiles: progress.totalFiles, position: progress.position,
                    total: progress.totalBytes, inflated: progress.reads.inflatedBytes, rate: state.window.rate))
            } else {
                if phase != state.phase {
                    state.phase = phase
                    state.phaseStart = now
                }
                line = ProgressText.phase(phase, count: count, elapsed: seconds(now - state.phaseStart))
            }
            guard now - startTime >= Self.delay else { return }
            // Text first, then clear to the end of the line: no blank flash between two redraws.
            write("\r" + ProgressText.fit(line, width: Terminal.columns(of: 2)) + "\u{1B}[K")
            state.onScreen = true
            state.shown = true
        }
    }

    /// Erases the line while `body` writes to stderr; the next redraw puts it back below.
    func withLineCleared(_ body: () -> Void) {
        guard enabled else { return body() }
        state.withLock { state in
            if state.onScreen { write("\r\u{1B}[K") }
            state.onScreen = false
            body()
        }
    }

    /// Stops drawing and erases the line; safe to call more than once.
    func stop() {
        guard enabled else { return }
        let first = state.withLock { state in
            if state.onScreen { write("\r\u{1B}[K") }
            state.onScreen = false
            defer { state.stopped = true }
            return !state.stopped
        }
        if first { wake.signal() }
    }

    /// After `stop`: one line that says what the run did, if the progress line was ever shown (a run too
    /// short for progress ends as it always did).
    func summarize(report: Report, outcome: String, probed: Int?) {
        guard enabled, state.withLock({ $0.shown }) else { return }
        let now = ScanProgress.now()
        let summary = ProgressText.Summary(
            files: progress.filesDone, stored: progress.reads.storedBytes, inflated: progress.reads.inflatedBytes,
            readSeconds: seconds((progress.readingEnded ?? now) - startTime), events: report.eventTotal,
            probed: probed, outcome: outcome, totalSeconds: seconds(now - startTime))
        write(ProgressText.summary(summary) + "\n")
    }

    private func seconds(_ nanoseconds: Int64) -> Double { Double(nanoseconds) / 1e9 }

    private func write(_ text: String) {
        let err = OutputFile.standardError()
        err.write(text)
        err.flush()
    }
}

/// The terminal's width.
enum Terminal {
    /// Columns of the terminal on `descriptor` (TIOCGWINSZ), or 80 when it does not say.
    static func columns(of descriptor: Int32) -> Int {
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }
}

/// A detached POSIX thread for background chores that block (sleeping, waiting).
enum Thread {
    static func detach(_ body: @escaping @Sendable () -> Void) {
        DispatchQueue.global(qos: .utility).async(execute: body)
    }
}

/// Monotonic seconds.
enum Clock {
    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
