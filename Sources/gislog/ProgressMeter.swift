
internal import Dispatch
internal import Glibc
internal import Synchronization
import GISLogKit
import GISLogSupport
import GISLogReports

/// Shows files and bytes done on stderr while a long scan runs — only on an interactive terminal, never
/// when output is piped, under cron (no TERM) or when `NO_PROGRESS`/`CI` is set.
final class ProgressMeter: Sendable {
    private let progress: ScanProgress
    private let enabled: Bool
    private let done = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

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
        Thread.detach { [self] in
            let start = Clock.now()
            var shown = false
            while !done.load(ordering: .acquiring) {
                usleep(100_000)
                let elapsed = Clock.now() - start
                guard elapsed >= 0.5, !done.load(ordering: .acquiring) else { continue }
                let bytes = progress.bytesDone
                let rate = Double(bytes) / elapsed
                let line = "\r\u{1B}[2Kscanning: \(progress.filesDone)/\(progress.totalFiles) files, "
                    + "\(Format.bytes(bytes)) read, \(Format.bytes(Int64(rate)))/s"
                let err = OutputFile.standardError()
                err.write(line)
                err.flush()
                shown = true
            }
            if shown {
                let err = OutputFile.standardError()
                err.write("\r\u{1B}[2K")
                err.flush()
            }
            finished.signal()
        }
    }

    func stop() {
        guard enabled else { return }
        done.store(true, ordering: .releasing)
        finished.wait()
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
