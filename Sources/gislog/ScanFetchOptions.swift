import ArgumentParser

internal import Glibc
import GISLogRecords
import GISLogFetch
import GISLogSupport

/// `gislog scan --server URL [--portal URL] …`: fetch what is new through the Admin API into a cache folder,
/// then scan it, in one run with one exit code (for cron and systemd timers).
struct ScanFetchOptions: ParsableArguments {
    @OptionGroup var site: SiteOptions

    @Option(help: ArgumentHelp("With --server/--portal: the folder fetched pages are kept in (default: "
                               + "$XDG_CACHE_HOME/gislog/<site>, else ~/.cache/gislog/<site>).", valueName: "dir"),
            completion: .directory)
    var cache: String?

    @Option(help: ArgumentHelp("With --server/--portal: how far back the first fetch into the cache goes; later "
                               + "runs continue where the last one ended.", valueName: "time"))
    var fetchSince: String = "24h"

    @Option(help: ArgumentHelp("With --server/--portal: remove cached page files older than this.", valueName: "duration"))
    var keep: String = "14d"

    @OptionGroup var incremental: IncrementalOptions

    func validate() throws {
        if DurationText.milliseconds(keep) == nil {
            throw ValidationError("--keep: '\(keep)' is not a duration; write e.g. 14d")
        }
    }

    /// The cache folder: `--cache`, or one per set of sites under the user's cache folder.
    func cacheFolder() throws -> String {
        if let cache { return cache }
        let name = site.targets.map { target in
            let host = target.url.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first ?? "site"
            return target.site.rawValue + "-" + String(host.map { $0 == ":" ? "_" : $0 })
        }.joined(separator: "+")
        func variable(_ key: String) -> String? {
            getenv(key).map { String(cString: $0) }.flatMap { $0.hasPrefix("/") ? $0 : nil }
        }
        if let base = variable("XDG_CACHE_HOME") { return base + "/gislog/" + name }
        if let home = variable("HOME") { return home + "/.cache/gislog/" + name }
        throw CommandFailure("--server/--portal: no HOME to put the cache in; give --cache DIR")
    }

    /// Fetches into the cache under its state's lock; returns the folder to scan and the lock, which the
    /// caller holds until the scan is done, so that no other run changes the folder under it.
    /// - Parameters:
    ///   - wait: how long to wait for another run's lock on the fetch state (`scan --wait-lock`).
    ///   - progress: show the page being fetched on the terminal (not with `--no-progress`).
    func fetch(zone: LogTimeZone, wait: Int64,
               progress: Bool = ProgressMeter.stderrIsInteractive) throws -> (folder: String, lock: StateLock, summary: FetchSummary) {
        let folder = try cacheFolder()
        let since: Int64
        do { since = try TimeSpec.parse(fetchSince, zone: zone, now: TimeSpec.now()) } catch {
            throw CommandFailure("--fetch-since: \(error)")
        }
        do {
            // Logs name users and hosts: a cache gislog makes is its owner's alone (as XDG asks of cache folders).
            try AdminLogFetcher.prepare(directory: folder, mode: 0o700)
        } catch {
            throw CommandFailure(error.description.replacing("--out", with: "--cache"))
        }
        // The fetch state lives with the pages it describes; `.gislog-` names are not read as logs.
        let statePath = folder + "/.gislog-fetch-state"
        let lock = try lockState(statePath, wait: wait)
        let summary = try runIncrementalFetch(site, incremental, folder: folder, statePath: statePath, since: since,
                                              keep: DurationText.milliseconds(keep), lock: lock, progress: progress)
        if isatty(STDERR_FILENO) == 1 {
            let err = OutputFile.standardError()
            err.write("gislog: " + describe(summary, into: folder) + "\n")
            err.flush()
        }
        return (folder, lock, summary)
    }
}
