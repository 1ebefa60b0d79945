import ArgumentParser
import GISLogKit
internal import Glibc

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

            Exit codes: 0 fetched, 2 could not run.

            Examples:
              gislog fetch --server https://gis:6443/arcgis --user admin --out logs/
              gislog fetch --portal https://portal:7443/arcgis --token-file t.txt \\
                --since 7d --ca-file site-root-ca.pem --out logs/
              gislog scan logs/
            """
    )

    @Option(help: ArgumentHelp("ArcGIS Server base URL, e.g. https://host:6443/arcgis.", valueName: "url"))
    var server: String?

    @Option(help: ArgumentHelp("Portal for ArcGIS base URL, e.g. https://host:7443/arcgis.", valueName: "url"))
    var portal: String?

    @Option(help: ArgumentHelp("Fetch from this time on: 24h, 7d, 2026-11-14, 2026-11-14T13:00:00Z.", valueName: "time"))
    var since: String = "24h"

    @Option(help: ArgumentHelp("Folder to write the pages to (created when missing).", valueName: "dir"),
            completion: .directory)
    var out: String

    @Option(help: ArgumentHelp("PEM file of the CA certificates to trust for the site.", valueName: "file"),
            completion: .file())
    var caFile: String?

    @Option(help: ArgumentHelp("A token file: the token on its first line.", valueName: "file"), completion: .file())
    var tokenFile: String?

    @Option(help: ArgumentHelp("A token (visible to other users in the process list; prefer --token-file).",
                               valueName: "token"))
    var token: String?

    @Option(help: ArgumentHelp("An administrator account; the password comes from GISLOG_PASSWORD or a prompt.",
                               valueName: "name"))
    var user: String?

    @Option(help: "Lowest level to fetch: SEVERE, WARNING, INFO, FINE, VERBOSE or DEBUG.")
    var level: String = "INFO"

    @Option(help: "Records per page, at most 10000.")
    var pageSize: Int = LogQueryPager.maximumPageSize

    @Option(help: ArgumentHelp("Zone for --since times written without an offset.", valueName: "zone"))
    var timezone: String = "local"

    func validate() throws {
        if server == nil && portal == nil { throw ValidationError("give --server URL, --portal URL, or both") }
        if [tokenFile != nil, token != nil, user != nil].filter({ $0 }).count != 1 {
            throw ValidationError("give exactly one of --token-file, --token or --user")
        }
        if !(1...LogQueryPager.maximumPageSize).contains(pageSize) {
            throw ValidationError("--page-size must be between 1 and \(LogQueryPager.maximumPageSize)")
        }
        let levels = ["SEVERE", "WARNING", "INFO", "FINE", "VERBOSE", "DEBUG"]
        if !levels.contains(level.uppercased()) { throw ValidationError("--level must be one of \(levels.joined(separator: ", "))") }
    }

    func run() throws {
        let zone: LogTimeZone
        do { zone = try LogTimeZone.named(timezone) } catch { throw CommandFailure("--timezone: \(error.description)") }
        let oldest: Int64
        do { oldest = try TimeSpec.parse(since, zone: zone, now: TimeSpec.now()) } catch { throw CommandFailure("--since: \(error)") }
        let credentials = try self.credentials()
        let err = OutputFile.standardError()
        var total = (pages: 0, records: 0)
        do {
            try AdminLogFetcher.prepare(directory: out)
            let fetcher = AdminLogFetcher(client: try HTTPSClient(caFile: caFile))
            for (site, url) in [(AdminSite.server, server), (.portal, portal)] {
                guard let url else { continue }
                var pager = LogQueryPager(site: site, baseURL: url, oldest: oldest, level: level.uppercased(),
                                          pageSize: pageSize)
                // Progress only at a terminal: from cron, stderr is mail.
                let showProgress = isatty(STDERR_FILENO) == 1
                let summary = try fetcher.fetch(&pager, credentials: credentials, into: out) { pages, records in
                    guard showProgress else { return }
                    err.write("gislog: \(site.rawValue): page \(pages), \(records) records\n")
                    err.flush()
                }
                total.pages += summary.pages
                total.records += summary.records
            }
        } catch {
            throw CommandFailure(error.description)
        }
        let stdout = OutputFile.standardOutput()
        stdout.write("Fetched \(total.records) records in \(total.pages) page(s) into \(out). Next: gislog scan \(out)\n")
        try stdout.finishOrFail("the summary")
    }

    private func credentials() throws -> FetchCredentials {
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
