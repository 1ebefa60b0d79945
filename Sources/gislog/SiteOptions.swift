import ArgumentParser

internal import Glibc
import GISLogRecords
import GISLogFetch
import GISLogSupport

/// Where to fetch from and how: the options `gislog fetch` and `gislog scan --server` share.
struct SiteOptions: ParsableArguments {
    @Option(help: ArgumentHelp("ArcGIS Server base URL, e.g. https://host:6443/arcgis.", valueName: "url"))
    var server: String?

    @Option(help: ArgumentHelp("Portal for ArcGIS base URL, e.g. https://host:7443/arcgis.", valueName: "url"))
    var portal: String?

    @Option(help: ArgumentHelp("PEM file of the CA certificates to trust (instead of the system's): for the site's "
                               + "Admin API, and in `scan --probe` for the peers probed.", valueName: "file"),
            completion: .file())
    var caFile: String?

    @Option(help: ArgumentHelp("A token file: the token on its first line.", valueName: "file"), completion: .file())
    var tokenFile: String?

    @Option(help: ArgumentHelp("A token (visible to other users in the process list; prefer --token-file).",
                               valueName: "token"))
    var token: String?

    @Option(help: ArgumentHelp("An administrator account; the password comes from GISLOG_PASSWORD or a prompt. "
                               + "An expired token is renewed mid-fetch.", valueName: "name"))
    var user: String?

    @Option(help: "Lowest level to fetch: SEVERE, WARNING, INFO, FINE, VERBOSE or DEBUG.")
    var level: String = "INFO"

    @Option(help: "Records per page, at most 10000.")
    var pageSize: Int = LogQueryPager.maximumPageSize

    @Option(help: ArgumentHelp("Times to send a request again after a timeout, a dropped connection, an HTTP "
                               + "502/503/504 or a cut-off page (pauses of 1 s, 2 s, 4 s, … up to 30 s).",
                               valueName: "n"))
    var retries: Int = 3

    @Option(help: ArgumentHelp("The longest one request may take: 90s, 5m (default 5m for fetching; 10s for each "
                               + "connection and answer of `scan --probe`).", valueName: "duration"))
    var timeout: String?

    /// The fetch's time limit per request.
    var fetchTimeout: String { timeout ?? "5m" }

    /// Whether any site was given.
    var requested: Bool { server != nil || portal != nil }

    func validate() throws {
        guard requested else {
            // --ca-file and --timeout also serve `scan --probe`: the scan checks those.
            let given = [("--token-file", tokenFile), ("--token", token), ("--user", user)]
                .filter { $0.1 != nil }.map(\.0)
            if !given.isEmpty {
                let verb = given.count == 1 ? "needs" : "need"
                throw ValidationError("\(given.joined(separator: ", ")) \(verb) --server URL or --portal URL to fetch from")
            }
            return
        }
        if [tokenFile != nil, token != nil, user != nil].filter({ $0 }).count != 1 {
            throw ValidationError("give exactly one of --token-file, --token or --user")
        }
        if !(1...LogQueryPager.maximumPageSize).contains(pageSize) {
            throw ValidationError("--page-size must be between 1 and \(LogQueryPager.maximumPageSize)")
        }
        let levels = ["SEVERE", "WARNING", "INFO", "FINE", "VERBOSE", "DEBUG"]
        if !levels.contains(level.uppercased()) { throw ValidationError("--level must be one of \(levels.joined(separator: ", "))") }
        if !(0...20).contains(retries) { throw ValidationError("--retries must be between 0 and 20") }
        if (DurationText.milliseconds(fetchTimeout) ?? 0) < 1000 {
            throw ValidationError("--timeout: '\(fetchTimeout)' is not a duration of at least 1s; write e.g. 90s or 5m")
        }
    }

    /// The sites to fetch, Server first.
    var targets: [IncrementalFetch.Target] {
        [(AdminSite.server, server), (.portal, portal)].compactMap { site, url in
            url.map { IncrementalFetch.Target(site: site, url: $0) }
        }
    }

    func fetcher() throws(FetchError) -> AdminLogFetcher {
        let seconds = Int((DurationText.milliseconds(fetchTimeout) ?? 300_000) / 1000)
        return AdminLogFetcher(client: try HTTPSClient(caFile: caFile, timeoutSeconds: seconds),
                               retry: RetryPolicy(retries: retries))
    }

    func credentials() throws -> FetchCredentials {
        if let token { return .token(token) }
        if let tokenFile {
            do { return try FetchCredentials.tokenFile(tokenFile) } catch { throw CommandFailure(error.description) }
        }
        let name = user ?? ""
        if let password = getenv("GISLOG_PASSWORD").map({ String(cString: $0) }), !password.isEmpty {
            return .account(user: name, password: password)
        }
        guard isatty(STDIN_FILENO) == 1, let typed = getpass("Password for \(name): ") else {
            throw CommandFailure("--user \(name): set GISLOG_PASSWORD or run at a terminal to type the password")
        }
        return .account(user: name, password: String(cString: typed))
    }
}

/// Options of an incremental fetch that `gislog fetch` and `gislog scan --server` share.
struct IncrementalOptions: ParsableArguments {
    @Option(help: ArgumentHelp("With a state file: each run fetches again this far back from the newest record "
                               + "it has, for records a site writes late; they are kept once.", valueName: "duration"))
    var overlap: String = "5m"

    func validate() throws {
        if DurationText.milliseconds(overlap) == nil {
            throw ValidationError("--overlap: '\(overlap)' is not a duration; write e.g. 5m")
        }
    }

    var overlapMilliseconds: Int64 { DurationText.milliseconds(overlap) ?? IncrementalFetch.defaultOverlap }
}

/// `--wait-lock` of `gislog fetch` (`gislog scan` has its own, which also covers the fetch of --server).
struct WaitLockOption: ParsableArguments {
    @Option(help: ArgumentHelp("If another run holds the state file, wait this long for it (default: exit 2 at once).",
                               valueName: "duration"))
    var waitLock: String = "0s"

    func validate() throws {
        if DurationText.milliseconds(waitLock) == nil {
            throw ValidationError("--wait-lock: '\(waitLock)' is not a duration; write e.g. 30m")
        }
    }

    var waitMilliseconds: Int64 { DurationText.milliseconds(waitLock) ?? 0 }
}

/// Runs an incremental fetch under the state file's lock, printing progress only at a terminal.
func runIncrementalFetch(_ site: SiteOptions, _ incremental: IncrementalOptions, folder: String, statePath: String,
                         since: Int64, keep: Int64?, lock: StateLock,
                         progress: Bool = ProgressMeter.stderrIsInteractive) throws -> FetchSummary {
    let credentials = try site.credentials()
    // Progress only at a terminal: from cron, stderr is mail.
    let line = FetchProgressLine(enabled: progress)
    defer { line.end() }
    do throws(FetchError) {
        try AdminLogFetcher.prepare(directory: folder)
        let plan = IncrementalFetch(targets: site.targets, folder: folder, statePath: statePath, since: since,
                                    overlap: incremental.overlapMilliseconds, level: site.level.uppercased(),
                                    pageSize: site.pageSize, keep: keep)
        let fetcher = try site.fetcher()
        let summary = try plan.run(fetcher: fetcher, credentials: credentials, now: TimeSpec.now()) { which, pages, records in
            line.page(site: which.rawValue, pages: pages, records: records)
        }
        // The lock is the caller's to release; this keeps it alive at least until the run is committed.
        withExtendedLifetime(lock) {}
        return summary
    } catch {
        throw CommandFailure(error.description)
    }
}

/// Takes the state file's lock, or says who holds it (exit 2).
func lockState(_ path: String, wait: Int64) throws -> StateLock {
    do {
        return try StateLock.acquire(path: path, wait: wait)
    } catch {
        throw CommandFailure(error.description)
    }
}

/// The summary line of a fetch.
func describe(_ summary: FetchSummary, into folder: String) -> String {
    var notes: [String] = []
    if summary.repeated > 0 { notes.append("\(summary.repeated) sent again at page or run seams, kept once") }
    if summary.retries > 0 { notes.append("\(summary.retries) request(s) retried") }
    if summary.tokenRenewals > 0 { notes.append("token renewed \(summary.tokenRenewals) time(s)") }
    if summary.removed > 0 { notes.append("\(summary.removed) old page file(s) removed") }
    let detail = notes.isEmpty ? "" : " (" + notes.joined(separator: "; ") + ")"
    return "Fetched \(summary.records) records in \(summary.pages) page(s) into \(folder)\(detail)."
}
