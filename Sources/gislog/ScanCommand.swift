import ArgumentParser

internal import Dispatch
internal import Glibc
import GISLogReports
import GISLogSupport
import GISLogRecords
import GISLogKit

/// Output formats of `gislog scan`.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
    case markdown
    case html
    case ndjson
}

struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Read ArcGIS logs (files or folders, plain or gzipped) and rank the likely causes of failures.",
        discussion: """
            Folders are walked recursively. gislog recognises the ArcGIS layout \
            (…/logs/<MACHINE>/server|services|portal|database/) and reads *.log files, rotations \
            (*.log.1) and gzip files (detected by content), and Admin API logs/query JSON exports. \
            Lock files (*.lck) are skipped.

            Exit codes: 0 no cause found, 1 at least one cause ranked, 2 could not run.

            Examples:
              gislog scan Samples/basic
              gislog scan --timezone=-05:00 server-logs/ portal-logs/   (a negative offset needs the =)
              gislog scan --format json /arcgis/arcgisserver/logs > report.json
              gislog scan --rules site-rules.yaml /arcgis/arcgisserver/logs
            """
    )

    @Argument(help: "Log files or folders to read.", completion: .file())
    var paths: [String]

    @Option(help: ArgumentHelp(
        "Zone the logs were written in: an IANA name (America/New_York), an offset (+01:00), or 'local'.",
        valueName: "zone"))
    var timezone: String = "local"

    @Option(help: "Output format: text (for a terminal), json, markdown (tickets, mail), html (one self-contained page) or ndjson (events and alerts for a SIEM, ECS field names).")
    var format: ReportFormat = .text

    @Flag(help: "With --format ndjson, include each record as written in event.original.")
    var includeOriginal = false

    @Flag(help: "Show tokens, passwords and Authorization values as they are in the logs (they are redacted by default).")
    var noRedact = false

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the report to this file (atomically) instead of stdout.",
                                                    valueName: "file"), completion: .file())
    var output: String?

    @Option(help: ArgumentHelp(
        "Report only from this time: 2026-11-14T13:00:00Z, 2026-11-14, 24h or 7d (back from now), today, yesterday.",
        valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Report only before this time (same forms as --since).", valueName: "time"))
    var until: String?

    @Flag(help: "Print nothing (and write no --output file) when no cause and no problem is found: cron mails only problems.")
    var quietIfClean = false

    @Option(help: ArgumentHelp("Read only what earlier runs with the same state file have not read, and report only new findings.",
                               valueName: "file"), completion: .file())
    var state: String?

    @Flag(help: "With --state: ignore the existing state file (even a corrupt one) and start over.")
    var resetState = false

    @OptionGroup(title: "Correlation") var correlation: CorrelationFlags

    @Option(help: ArgumentHelp("Cut records longer than this many bytes (they are flagged and counted).",
                               valueName: "bytes"))
    var maxRecordSize: Int = 1 << 20

    @Option(help: ArgumentHelp("Stop inflating a gzip file after this much text (a defence against gzip bombs): 500M, 8G, 64G.",
                               valueName: "size"))
    var maxDecompressed: String = "64G"

    @Option(name: .customLong("jobs"), help: "Files read in parallel (default: the number of CPUs).")
    var jobs: Int?

    @OptionGroup var rules: RuleOptions

    @Flag(help: "Never show progress on stderr (it is shown only on a terminal, for scans longer than a moment).")
    var noProgress = false

    func validate() throws {
        guard maxRecordSize >= 1024 else { throw ValidationError("--max-record-size must be at least 1024") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let zone: LogTimeZone
        do {
            zone = try LogTimeZone.named(timezone)
        } catch {
            throw CommandFailure("--timezone: \(error.description)")
        }
        var options = ScanOptions(paths: paths, timeZone: zone)
        options.maxRecordBytes = maxRecordSize
        guard let cap = ByteSize.parse(maxDecompressed), cap > 0 else {
            throw CommandFailure("--max-decompressed: '\(maxDecompressed)' is not a size; write e.g. 500M or 8G")
        }
        options.maxDecompressedBytes = cap
        options.workers = jobs ?? max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        options.redactSecrets = !noRedact
        options.keepOriginalRecords = includeOriginal
        let scanner = LogScanner(options: options)
        if scanner.discovery.files.isEmpty {
            let err = OutputFile.standardError()
            for warning in scanner.discovery.warnings { err.write("gislog: \(warning)\n") }
            err.write("gislog: no log files found in \(paths.joined(separator: " ")); "
                + "pass ArcGIS log folders such as …/arcgisserver/logs\n")
            err.flush()
            throw ExitCode(2)
        }
        // One big .gz starts inflating on its own thread while the rules load.
        if state == nil { scanner.openEarly() }
        let ruleSet = try rules.load()
        let now = TimeSpec.now()
        var previous: ScanState?
        if let state {
            do {
                previous = resetState ? ScanState() : try ScanState.load(path: state)
            } catch {
                throw CommandFailure(error.description)
            }
        }
        var correlationOptions = try correlation.options()
        func instant(_ text: String?, _ flag: String) throws -> Int64? {
            guard let text else { return nil }
            do { return try TimeSpec.parse(text, zone: zone, now: now) } catch { throw CommandFailure("--\(flag): \(error)") }
        }
        correlationOptions.reportFrom = try instant(since, "since")
        correlationOptions.reportUntil = try instant(until, "until")

        let pipeline = Pipeline(options: options, ruleSet: ruleSet, correlation: correlationOptions, previous: previous,
                                now: now, version: GISLog.version)
        // The feed's events leave while the scan runs; its last lines follow the report.
        let feed = format == .ndjson
            ? try NDJSONFeed(output: output, holdUntilDone: state != nil || quietIfClean, ruleSet: ruleSet,
                             options: options, since: correlationOptions.reportFrom, until: correlationOptions.reportUntil)
            : nil
        let progress = scanner.makeProgress()
        let meter = ProgressMeter(progress: progress, enabled: !noProgress && ProgressMeter.stderrIsInteractive)
        meter.start()
        let outcome = pipeline.run(scanner, progress: progress, eventSink: feed?.sinks)
        meter.stop()
        let report = outcome.report
        // The state is saved only after the report is out: a run killed (or failing) before is simply run again.
        func saveState() {
            guard let state, let next = outcome.nextState else { return }
            do {
                try next.save(path: state, now: now)
            } catch {
                let err = OutputFile.standardError()
                err.write("gislog: cannot save the state file: \(error); the next run will read the same logs again\n")
                err.flush()
            }
        }
        if quietIfClean && report.isClean {
            feed?.discard()
            saveState()
            throw ExitCode(report.exitStatus)
        }
        if let feed {
            try feed.finish(NDJSONReport(report, includeOriginal: includeOriginal))
            saveState()
            throw ExitCode(report.exitStatus)
        }
        let text: String
        switch format {
        case .text: text = TextReport(report, color: output == nil && TerminalStyle.colorOnStdout).render()
        case .json: text = JSONReport(report).render()
        case .markdown: text = MarkdownReport(report).render()
        case .html: text = HTMLReport(report).render()
        case .ndjson: text = NDJSONReport(report, includeOriginal: includeOriginal).render()
        }
        if let output {
            do {
                try AtomicFile.write(text, to: output)
            } catch {
                throw CommandFailure("--output: \(error)")
            }
        } else {
            let out = OutputFile.standardOutput()
            out.write(text)
            out.flush()
        }
        saveState()
        throw ExitCode(report.exitStatus)
    }
}
