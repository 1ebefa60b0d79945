import GISLogReports
import GISLogSupport


/// What a scan must not pass over in silence: logs it could not read.
enum ScanChecks {
    /// Warning kinds that mean a log (or a folder of logs) was not read at all.
    static let unreadableKinds: Set<ScanWarning.Kind> = [.unreadable, .missingPath]

    /// Stops the run (exit 2) when files were found but not one could be read: "no cause found" would be a
    /// lie about logs never read, whatever `--quiet-if-clean` asks for. Names every file and the reason.
    static func requireReadableLogs(_ report: Report) throws {
        let files = report.coverage.files
        // A file that failed part-way was read in part: that is a warning, not "unreadable".
        guard !files.isEmpty, files.allSatisfy({ $0.status == .failed && $0.counters.decodedBytes == 0 }) else { return }
        let failed = report.warnings.filter { unreadableKinds.contains($0.kind) }
        var lines = ["no readable log file: \(files.count == 1 ? "the file found" : "none of the \(files.count) files found") "
                     + "could be read, so nothing was scanned (and --state, if given, was not advanced):"]
        for warning in failed.prefix(50) { lines.append("  \(warning.path): \(warning.message)") }
        if failed.count > 50 { lines.append("  … and \(failed.count - 50) more") }
        lines.append(failed.first?.hint.map { "what to do: " + $0 } ?? "what to do: check that the files can be read")
        throw CommandFailure(lines.joined(separator: "\n"))
    }

    /// One line on stderr per file or folder that could not be read, whatever the format: cron mails stderr,
    /// and `--quiet-if-clean` prints no report that would show them.
    static func warnAboutUnreadableFiles(_ report: Report) {
        let failed = report.warnings.filter { unreadableKinds.contains($0.kind) }
        guard !failed.isEmpty else { return }
        let err = OutputFile.standardError()
        for warning in failed { err.write("gislog: warning: \(Format.terminalSafe(warning.description))\n") }
        err.write("gislog: warning: \(failed.count) log file(s) or folder(s) could not be read; the others were scanned\n")
        err.flush()
    }
}
