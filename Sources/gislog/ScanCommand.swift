import ArgumentParser

internal import Dispatch
internal import Glibc
import GISLogReports
import GISLogSupport
import GISLogRecords
import GISLogKit
import GISLogFetch

/// Which records `--format ndjson` writes.
enum FeedRecords: String, ExpressibleByArgument, CaseIterable {
    case matched
    case all
}

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
              gislog scan --server https://gis:6443/arcgis --user siteadmin --state site.state --quiet-if-clean
                (fetches what is new through the Admin API into a cache folder, then scans it)
              gislog scan --probe --ca-file portal-roots.pem /arcgis/arcgisserver/logs
            """
    )

    @Argument(help: "Log files or folders to read.", completion: .file())
    var paths: [String] = []

    @Option(help: ArgumentHelp(
        "Zone the logs were written in: an IANA name (America/New_York), an offset (+01:00), or 'local'.",
        valueName: "zone"))
    var timezone: String = "local"

    @Option(help: "Output format: text (for a terminal), json, markdown (tickets, mail), html (one self-contained page) or ndjson (events and alerts for a SIEM, ECS field names).")
    var format: ReportFormat = .text

    @Flag(help: "With --format ndjson, include each record as written in event.original.")
    var includeOriginal = false

    @Option(help: ArgumentHelp("With --format ndjson: 'matched' writes the records a rule matched (default), 'all' every record, as it is read.",
                               valueName: "matched|all"))
    var records: FeedRecords = .matched

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

    @Option(help: ArgumentHelp(
        "With --state: if another run holds the state file, wait this long for it (e.g. 10m) instead of exiting 2 at once.",
        valueName: "duration"))
    var waitLock: String?

    @Option(help: ArgumentHelp(
        "With --state: a record cut off at the end of a log unchanged for this long (default 10m), or whose folder holds a newer log, is read as it is instead of waiting for its end.",
        valueName: "duration"))
    var settle: String?

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

    @OptionGroup(title: "Fetch first through the Admin API (--server, --portal)") var fetching: ScanFetchOptions

    @Flag(help: "After correlation, check the certificates of the failing calls' peers live (TLS, no credentials) and rank what the probe confirms first. Without it a scan never touches the network.")
    var probe = false

    // --ca-file and --timeout are shared with --server/--portal (see the fetch options): the same trust store
    // and time limit serve every TLS connection a scan makes.
    @Option(help: ArgumentHelp(
        "With --probe: connect to ADDR:PORT for HOST:PORT, still sending and checking the name HOST (curl's meaning; "
            + "repeatable).", valueName: "host:port:addr:port"))
    var connectTo: [String] = []

    func validate() throws {
        do {
            _ = try OptionValue.count(maxRecordSize, option: "--max-record-size", range: 1024...(1 << 30))
            if let jobs { _ = try OptionValue.count(jobs, option: "--jobs", range: 1...Self.maxJobs) }
            _ = try OptionValue.size(maxDecompressed, option: "--max-decompressed", range: 1...(1 << 60))
            if let waitLock { _ = try OptionValue.duration(waitLock, option: "--wait-lock", range: 0...Self.maxWaitLock) }
            if let settle { _ = try OptionValue.duration(settle, option: "--settle", range: 0...CorrelationFlags.maxWindow) }
        } catch {
            throw ValidationError(error.description)
        }
        if state == nil {
            if waitLock != nil && !fetching.site.requested {
                throw ValidationError("--wait-lock applies only with --state FILE or --server/--portal")
            }
            if settle != nil { throw ValidationError("--settle applies only with --state FILE") }
        }
        if paths.isEmpty && !fetching.site.requested {
            throw ValidationError("give log files or folders to read, or --server/--portal URL to fetch them first")
        }
        if !probe && !fetching.site.requested {
            let given = [("--ca-file", fetching.site.caFile != nil), ("--timeout", fetching.site.timeout != nil),
                         ("--connect-to", !connectTo.isEmpty)].filter(\.1).map(\.0)
            if !given.isEmpty {
                throw ValidationError("\(given.joined(separator: ", ")) \(given.count == 1 ? "is" : "are") for --probe "
                                      + "or --server/--portal")
            }
        } else if !probe && !connectTo.isEmpty {
            throw ValidationError("--connect-to is for --probe")
        }
        if records == .all && format != .ndjson { throw ValidationError("--records all needs --format ndjson") }
        if records == .all && quietIfClean {
            throw ValidationError("--records all writes every record as it is read, so it cannot be quiet when clean; drop --quiet-if-clean")
        }
    }

    static let maxJobs = 1024
    /// The longest `--wait-lock`: a nightly run that waits longer than a day is stuck behind another.
    static let maxWaitLock: Int64 = 86_400_000

    func run() throws {
        let zone: LogTimeZone
        do {
            zone = try LogTimeZone.named(timezone)
        } catch {
            throw CommandFailure("--timezone: \(error.description)")
        }
        // With --server/--portal, fetch first; the fetch state's lock is held until the scan is done.
        let fetched = fetching.site.requested
            ? try fetching.fetch(zone: zone, wait: OptionValue.duration(waitLock ?? "0", option: "--wait-lock",
                                                                     range: 0...Self.maxWaitLock),
                                 progress: !noProgress && ProgressMeter.stderrIsInteractive)
            : nil
        defer { withExtendedLifetime(fetched?.lock) {} }
        let paths = self.paths + (fetched.map { [$0.folder] } ?? [])
        var options = ScanOptions(paths: paths, timeZone: zone)
        options.maxRecordBytes = maxRecordSize
        options.maxDecompressedBytes = try OptionValue.size(maxDecompressed, option: "--max-decompressed", range: 1...(1 << 60))
        options.settleMillis = try OptionValue.duration(settle ?? "10m", option: "--settle", range: 0...CorrelationFlags.maxWindow)
        options.workers = jobs ?? max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        options.redactSecrets = !noRedact
        options.keepOriginalRecords = includeOriginal
        let scanner = LogScanner(options: options)
        if scanner.discovery.files.isEmpty, let fetched, self.paths.isEmpty {
            // A site that has logged nothing yet at this level: nothing to scan is not a failure.
            if !quietIfClean {
                let err = OutputFile.standardError()
                err.write("gislog: nothing fetched into \(fetched.folder) yet; nothing to scan\n")
                err.flush()
            }
            throw ExitCode(0)
        }
        if scanner.discovery.files.isEmpty {
            let err = OutputFile.standardError()
            for warning in scanner.discovery.warnings { err.write("gislog: \(warning)\n") }
            err.write("gislog: no log files found in \(paths.joined(separator: " ")); "
                + "pass ArcGIS log folders such as …/arcgisserver/logs\n")
            err.flush()
            throw ExitCode(2)
        }
        // OpenSSL and the trust store are checked before the scan, so a bad --ca-file stops it at once.
        let prober = probe ? try ProbeNetworkOptions.prober(caFile: fetching.site.caFile, timeout: fetching.site.timeout,
                                                             connectTo: connectTo) : nil
        // One big .gz starts inflating on its own thread while the rules load.
        if state == nil { scanner.openEarly() }
        let ruleSet = try rules.load()
        let now = TimeSpec.now()
        var previous: ScanState?
        // One run per state file, from before the state is read until after it is saved.
        var lock: StateLock?
        if let state {
            let wait = try OptionValue.duration(waitLock ?? "0", option: "--wait-lock", range: 0...Self.maxWaitLock)
            do { lock = try StateLock.acquire(path: state, wait: wait) } catch { throw CommandFailure(error.description) }
            // A run killed while saving left its temporary file; no other run can be writing one now.
            AtomicFile.removeLeftovers(of: state)
        }
        defer { withExtendedLifetime(lock) {} }
        if let state {
            do {
                previous = resetState ? ScanState()
                    : try ScanState.load(path: state, sharingPathsWith: scanner.discovery.files.map(\.path))
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

        // Taken, not copied: the pipeline changes the last run's table of files in place.
        var pipeline = Pipeline(options: options, ruleSet: ruleSet, correlation: correlationOptions, previous: previous.take(),
                                now: now, version: GISLog.version)
        // The matched events leave while the scan runs; the feed's last lines follow the report.
        let feed = format == .ndjson && records == .matched
            ? try NDJSONFeed(output: output, holdUntilDone: state != nil || quietIfClean, ruleSet: ruleSet,
                             options: options, since: correlationOptions.reportFrom, until: correlationOptions.reportUntil)
            : nil
        // --records all: records go out while they are read, into stdout or the temporary file behind --output.
        var streamed: StreamingAtomicFile?
        if records == .all {
            var descriptor: Int32 = 1
            if let output {
                do {
                    streamed = try StreamingAtomicFile(target: output)
                } catch {
                    throw CommandFailure("--output: \(error)")
                }
                descriptor = streamed!.descriptor
            }
            pipeline.recordFeed = ECSRecordFeed(descriptor: descriptor, workers: options.workers, zone: zone,
                                                includeOriginal: includeOriginal,
                                                redact: !noRedact, since: correlationOptions.reportFrom,
                                                until: correlationOptions.reportUntil)
        }
        let progress = scanner.makeProgress()
        // Not while an NDJSON feed streams to the same terminal: the line would land among its lines.
        let streamsToTerminal = format == .ndjson && output == nil && isatty(STDOUT_FILENO) == 1
        let meter = ProgressMeter(progress: progress,
                                  enabled: !noProgress && !streamsToTerminal && ProgressMeter.stderrIsInteractive)
        meter.start()
        // Whatever stops the run, the line goes before its last words.
        defer { meter.stop() }
        let outcome = pipeline.run(scanner, progress: progress, eventSink: feed?.sinks)
        var report = outcome.report
        try ScanChecks.requireReadableLogs(report)
        if report.warnings.contains(where: { ScanChecks.unreadableKinds.contains($0.kind) }) {
            meter.withLineCleared { ScanChecks.warnAboutUnreadableFiles(report) }
        }
        var probed: Int?
        if let prober {
            report.probePeers(with: prober, definitions: ruleSet.causes) { count in
                probed = count
                if count > 0 { progress.enter(.probing, count: count) }
            }
        }
        progress.enter(.writing)
        let written = output.map { "report written to \($0)" } ?? "report written"
        // The state is saved only after the report is out: a run killed (or failing) before is simply run again.
        func saveState() throws {
            guard let state, let next = outcome.nextState else { return }
            do {
                try next.save(path: state, now: now)
            } catch {
                throw CommandFailure("cannot save the state file \(state): \(error); the next run will read the same logs "
                    + "again, so what this run reported may be reported once more")
            }
        }
        if quietIfClean && report.isClean {
            meter.stop()
            feed?.discard()
            try saveState()
            throw ExitCode(report.exitStatus)
        }
        // A report that did not get out stops the run before the state moves on: the next run reports it again.
        let kept = state.map { "; the state file \($0) was not advanced, so the next run reports the same again" } ?? ""
        /// The report is out: the state moves on, the progress line gives way to its summary, and the exit
        /// status says what was found.
        func finishRun() throws -> Never {
            try saveState()
            meter.stop()
            meter.summarize(report: report, outcome: written, probed: probed)
            throw ExitCode(report.exitStatus)
        }
        /// Writes to standard output, after erasing the progress line that shares the terminal.
        func writeToStandardOutput(_ write: (OutputFile) -> Void) throws {
            meter.stop()
            let out = OutputFile.standardOutput()
            write(out)
            do {
                try out.finish()
            } catch {
                throw CommandFailure("cannot write the report to standard output: \(error)" + kept)
            }
        }
        if let feed {
            if output == nil { meter.stop() }
            try feed.finish(NDJSONReport(report, includeOriginal: includeOriginal), kept: kept)
            try finishRun()
        }
        // The JSON report lists every file: for a big site it leaves in pieces instead of whole.
        if format == .json {
            let json = JSONReport(report)
            if let output {
                do throws(AtomicFile.WriteError) {
                    let file = try StreamingAtomicFile(target: output)
                    var failure: AtomicFile.WriteError?
                    json.render { chunk in
                        guard failure == nil else { return }
                        do throws(AtomicFile.WriteError) { try file.append(chunk) } catch { failure = error }
                    }
                    if let failure { throw failure }
                    try file.commit(appending: "")
                } catch {
                    throw CommandFailure("--output: \(error)" + kept)
                }
            } else {
                try writeToStandardOutput { out in json.render { out.write($0) } }
            }
            try finishRun()
        }
        let text: String
        switch format {
        case .text: text = TextReport(report, color: output == nil && TerminalStyle.colorOnStdout).render()
        case .json: text = JSONReport(report).render()  // (written in pieces above)
        case .markdown: text = MarkdownReport(report).render()
        case .html: text = HTMLReport(report).render()
        case .ndjson:
            var feed = NDJSONReport(report, includeOriginal: includeOriginal)
            feed.includesEvents = records == .matched
            text = feed.render()
        }
        if let problem = pipeline.recordFeed?.spoolProblem {
            let err = OutputFile.standardError()
            err.write("gislog: \(problem); later files' records waited in memory instead\n")
            err.flush()
        }
        if pipeline.recordFeed?.failed == true {
            throw CommandFailure("cannot write the every-record feed to " + (output ?? "standard output") + kept)
        }
        if let streamed {
            do {
                try streamed.commit(appending: text)
            } catch {
                throw CommandFailure("--output: \(error)" + kept)
            }
        } else if let output {
            do {
                try AtomicFile.write(text, to: output)
            } catch {
                throw CommandFailure("--output: \(error)" + kept)
            }
        } else {
            try writeToStandardOutput { $0.write(text) }
        }
        try finishRun()
    }
}
