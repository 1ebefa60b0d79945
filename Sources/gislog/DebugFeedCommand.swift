import ArgumentParser

internal import Glibc
import GISLogReports
import GISLogRules
import GISLogRecords
import GISLogKit
import GISLogSupport

extension DebugCommand {
    /// Streams the NDJSON feed's event lines and nothing else: no correlation, no report. Measures what the
    /// feed itself costs (the rules, the lines, the ordered output), apart from the rest of a scan.
    struct Feed: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "feed", abstract: "Write the NDJSON feed's event lines only (no correlation, no report).")

        @Argument(help: "Files or folders.")
        var paths: [String]

        @Option(name: .customLong("jobs"), help: "Files read in parallel (default: the number of CPUs).")
        var jobs: Int?

        @Option(help: "Zone the logs were written in.")
        var timezone: String = "UTC"

        @Flag(help: "Include each record as written in event.original.")
        var includeOriginal = false

        @OptionGroup var rules: RuleOptions

        func run() throws {
            let zone: LogTimeZone
            do { zone = try LogTimeZone.named(timezone) } catch { throw CommandFailure("--timezone: \(error.description)") }
            var options = ScanOptions(paths: paths, timeZone: zone)
            options.workers = jobs ?? max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
            options.keepOriginalRecords = includeOriginal
            let ruleSet = try rules.load()
            let stream = NDJSONEventStream(
                layout: NDJSONEventLayout(ruleSet: ruleSet, zone: zone, includeOriginal: includeOriginal), descriptor: 1,
                workers: options.workers, redact: true)
            var worker = 0
            _ = LogScanner(options: options).run {
                defer { worker += 1 }
                return RuleEngine(ruleSet: ruleSet, sink: stream.sink(worker: worker), redact: true,
                                  keepOriginal: includeOriginal)
            }
            if let failure = stream.finish() {
                throw CommandFailure("cannot write the NDJSON feed to standard output: \(systemErrorText(failure))")
            }
        }
    }
}
