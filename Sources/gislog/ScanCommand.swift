import ArgumentParser
import GISLogKit
internal import Dispatch
internal import Glibc

/// Output formats of `gislog scan`.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Read ArcGIS logs (files or folders, plain or gzipped) and report on them.",
        discussion: """
            Folders are walked recursively. gislog recognises the ArcGIS layout \
            (…/logs/<MACHINE>/server|services|portal|database/) and reads *.log files, rotations \
            (*.log.1) and gzip files (detected by content), and Admin API logs/query JSON exports. \
            Lock files (*.lck) are skipped.

            Examples:
              gislog scan Samples/basic
              gislog scan --timezone=-05:00 server-logs/ portal-logs/   (a negative offset needs the =)
              gislog scan --format json /arcgis/arcgisserver/logs > coverage.json
              gislog scan --rules site-rules.yaml /arcgis/arcgisserver/logs
            """
    )

    @Argument(help: "Log files or folders to read.", completion: .file())
    var paths: [String]

    @Option(help: ArgumentHelp(
        "Zone the logs were written in: an IANA name (America/New_York), an offset (+01:00), or 'local'.",
        valueName: "zone"))
    var timezone: String = "local"

    @Option(help: "Output format: text or json.")
    var format: ReportFormat = .text

    @Option(help: ArgumentHelp("Cut records longer than this many bytes (they are flagged and counted).",
                               valueName: "bytes"))
    var maxRecordSize: Int = 1 << 20

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
            throw ValidationError("--timezone: \(error.description)")
        }
        let ruleSet = try rules.load()
        var options = ScanOptions(paths: paths, timeZone: zone)
        options.maxRecordBytes = maxRecordSize
        options.workers = jobs ?? max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let scanner = Scanner(options: options)
        if scanner.discovery.files.isEmpty {
            let err = OutputFile.standardError()
            for warning in scanner.discovery.warnings { err.write("gislog: \(warning)\n") }
            err.write("gislog: no log files found in \(paths.joined(separator: " ")); "
                + "pass ArcGIS log folders such as …/arcgisserver/logs\n")
            err.flush()
            throw ExitCode(2)
        }
        let progress = scanner.makeProgress()
        let meter = ProgressMeter(progress: progress, enabled: !noProgress && ProgressMeter.stderrIsInteractive)
        meter.start()
        let result = scanner.run(ruleSet: ruleSet, progress: progress)
        meter.stop()

        let report = ScanSummaryReport(result, options: options, version: GISLog.version)
        let out = OutputFile.standardOutput()
        switch format {
        case .text: out.write(report.text())
        case .json: out.write(report.json())
        }
        out.flush()
    }
}
