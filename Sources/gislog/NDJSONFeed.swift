import GISLogReports
import GISLogRules
import GISLogKit
import GISLogSupport

/// Where `gislog scan --format ndjson` writes its feed, and the stream its event lines leave by while the
/// scan runs (see `NDJSONEventStream`); the coverage and alert lines follow when the scan is done.
///
/// Lines go straight to stdout, or into the temporary file of `--output` (renamed at the end). When the run
/// may end up printing nothing or must not print half a feed — `--quiet-if-clean`, `--state` (a cron job
/// appending to a shipped file must not leave a cut line or events that the next run writes again) — stdout
/// gets the feed only once it is complete, from a temporary file.
final class NDJSONFeed {
    let stream: NDJSONEventStream
    private let destination: Destination
    private let output: String?

    private enum Destination {
        case standardOutput
        case heldForStandardOutput(TemporaryFile)
        case file(StreamingAtomicFile)
    }

    init(output: String?, holdUntilDone: Bool, ruleSet: RuleSet, options: ScanOptions, since: Int64?, until: Int64?)
        throws(CommandFailure) {
        let descriptor: Int32
        self.output = output
        if let output {
            do {
                let file = try StreamingAtomicFile(target: output)
                destination = .file(file)
                descriptor = file.descriptor
            } catch {
                throw CommandFailure("--output: \(error)")
            }
        } else if holdUntilDone, let held = Self.temporaryFile() {
            destination = .heldForStandardOutput(held)
            descriptor = held.descriptor
        } else {
            destination = .standardOutput
            descriptor = 1
        }
        let layout = NDJSONEventLayout(ruleSet: ruleSet, zone: options.timeZone, includeOriginal: options.keepOriginalRecords)
        stream = NDJSONEventStream(layout: layout, descriptor: descriptor, workers: max(1, options.workers),
                                   redact: options.redactSecrets, since: since, until: until)
    }

    /// A temporary file to hold the feed in, or nil (with a warning: the feed then goes out as it is made).
    private static func temporaryFile() -> TemporaryFile? {
        do {
            return try TemporaryFile()
        } catch {
            let err = OutputFile.standardError()
            err.write("gislog: \(error), so the NDJSON feed is written as the scan goes rather than once it is "
                + "complete (set TMPDIR to a writable folder)\n")
            err.flush()
            return nil
        }
    }

    /// The sink of each scan worker.
    var sinks: (Int) -> any EventSink {
        let stream = stream
        return { stream.sink(worker: $0) }
    }

    private var where_: String {
        switch destination {
        case .standardOutput, .heldForStandardOutput: "standard output"
        case .file: output ?? "the --output file"
        }
    }

    /// After the scan: the lines after the events, then the feed is put in place.
    /// - Parameter kept: what to add to the message when the feed did not get out (the state was kept).
    /// - Throws: a failed write (exit 2: the state is then not saved, and the next run writes it again).
    func finish(_ report: NDJSONReport, kept: String) throws(CommandFailure) {
        var failure = stream.finish()
        if let problem = stream.output.spoolProblem {
            let err = OutputFile.standardError()
            err.write("gislog: \(problem); later files' events waited in memory instead\n")
            err.flush()
        }
        if failure == nil {
            var summary = ""
            report.writeSummary { summary += $0 }
            failure = summary.utf8.withContiguousStorageIfAvailable { stream.output.writeAfterFiles(UnsafeRawBufferPointer($0)) }
                ?? Array(summary.utf8).withUnsafeBytes { stream.output.writeAfterFiles($0) }
        }
        if failure == nil, case .heldForStandardOutput(let held) = destination {
            failure = held.copyAll(to: 1)
        }
        if let failure {
            if case .file(let file) = destination { file.abandon() }
            if output != nil { throw CommandFailure("--output: cannot write \(where_): \(systemErrorText(failure))" + kept) }
            throw CommandFailure("cannot write the report to standard output: \(systemErrorText(failure))" + kept)
        }
        switch destination {
        case .file(let file):
            do { try file.commit(appending: "") } catch { throw CommandFailure("--output: \(error)" + kept) }
        case .standardOutput, .heldForStandardOutput:
            // A regular file behind stdout is synced, and a failure only reported then is heard too.
            do {
                try OutputFile.standardOutput().finish()
            } catch {
                throw CommandFailure("cannot write the report to standard output: \(error)" + kept)
            }
        }
    }

    /// Nothing is written after all (`--quiet-if-clean` on a clean run).
    func discard() {
        _ = stream.finish()
        if case .file(let file) = destination { file.abandon() }
    }
}
