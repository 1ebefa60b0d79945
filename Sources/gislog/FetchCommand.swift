import ArgumentParser

internal import Glibc
import GISLogFetch
import GISLogSupport
import GISLogRecords

struct FetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Pull logs through the ArcGIS Admin API (HTTPS) into a folder that 'gislog scan' reads.",
        discussion: """
            For sites where only HTTPS is open. Pages through Server's admin/logs/query and Portal's \
            portaladmin/logs/query (10,000 records a page) and writes each page as a JSON file. TLS is \
            always verified; trust a site's own CA with --ca-file.

            Credentials: --token-file FILE, --token TOKEN, or --user NAME with the password in the \
            GISLOG_PASSWORD environment variable (or typed at the prompt). A password is never an argument.

            Records that a page boundary repeats are written once. With --state FILE, each run continues \
            from where the last one ended and writes only records not fetched before; a run that fails or is \
            killed adds nothing and leaves the state as it was. One run at a time per state file.

            Exit codes: 0 fetched, 2 could not run.

            Examples:
              gislog fetch --server https://gis:6443/arcgis --user admin --out logs/
              gislog fetch --portal https://portal:7443/arcgis --token-file t.txt \\
                --since 7d --ca-file site-root-ca.pem --out logs/
              gislog fetch --server https://gis:6443/arcgis --user admin --state gis.fetch-state \\
                --keep 14d --out logs/
              gislog scan logs/
            """
    )

    @OptionGroup var site: SiteOptions

    @Option(help: ArgumentHelp("Fetch from this time on: 24h, 7d, 2026-11-14, 2026-11-14T13:00:00Z (with --state: the first run only).",
                                valueName: "time"))
    var since: String = "24h"

    @Option(help: ArgumentHelp("Folder to write the pages to (created when missing).", valueName: "dir"),
            completion: .directory)
    var out: String

    @Option(help: ArgumentHelp("Continue from where the last run with this state file ended: only records not fetched before are written.",
                               valueName: "file"), completion: .file())
    var state: String?

    @Option(help: ArgumentHelp("Remove page files in --out last written longer ago than this: 14d, 36h.", valueName: "duration"))
    var keep: String?

    @OptionGroup var incremental: IncrementalOptions
    @OptionGroup var waitLock: WaitLockOption

    @Option(help: ArgumentHelp("Zone for --since times written without an offset.", valueName: "zone"))
    var timezone: String = "local"

    func validate() throws {
        if !site.requested { throw ValidationError("give --server URL, --portal URL, or both") }
        if let keep, DurationText.milliseconds(keep) == nil {
            throw ValidationError("--keep: '\(keep)' is not a duration; write e.g. 14d")
        }
    }

    func run() throws {
        let zone: LogTimeZone
        do { zone = try LogTimeZone.named(timezone) } catch { throw CommandFailure("--timezone: \(error.description)") }
        let now = TimeSpec.now()
        let oldest: Int64
        do { oldest = try TimeSpec.parse(since, zone: zone, now: now) } catch { throw CommandFailure("--since: \(error)") }
        let keepMilliseconds = keep.flatMap { DurationText.milliseconds($0) }
        let stdout = OutputFile.standardOutput()
        if let state {
            let lock = try lockState(state, wait: waitLock.waitMilliseconds)
            let summary = try runIncrementalFetch(site, incremental, folder: out, statePath: state, since: oldest,
                                                  keep: keepMilliseconds, lock: lock)
            stdout.write(describe(summary, into: out) + " Next: gislog scan --state SCAN-STATE \(out)\n")
            try stdout.finishOrFail("the summary")
            return
        }
        let credentials = try site.credentials()
        var total = FetchSummary()
        do {
            try AdminLogFetcher.prepare(directory: out)
            let fetcher = try site.fetcher()
            for target in site.targets {
                var pager = LogQueryPager(site: target.site, baseURL: target.url, oldest: oldest,
                                          level: site.level.uppercased(), pageSize: site.pageSize)
                // Progress only at a terminal: from cron, stderr is mail.
                let line = FetchProgressLine(enabled: ProgressMeter.stderrIsInteractive)
                defer { line.end() }
                let summary = try fetcher.fetch(&pager, credentials: credentials, into: out) { pages, records in
                    line.page(site: target.site.rawValue, pages: pages, records: records)
                }
                total.add(summary)
            }
            if let keepMilliseconds {
                total.removed = IncrementalFetch.removePages(in: out, olderThan: now - keepMilliseconds)
            }
        } catch {
            throw CommandFailure(error.description)
        }
        stdout.write(describe(total, into: out) + " Next: gislog scan \(out)\n")
        try stdout.finishOrFail("the summary")
    }
}
