import Foundation
import Testing

/// scripts/esri-logs-standin.py: a site that answers as Esri documents logs/query and generateToken.
private final class EsriSite {
    let site: FakeAdminSite

    init(_ control: [String: Any] = [:]) throws {
        let text = String(decoding: try JSONSerialization.data(withJSONObject: control), as: UTF8.self)
        site = try FakeAdminSite(script: "esri-logs-standin.py", control: text)
    }

    var folder: String { site.folder }
    var url: String { site.url() }
    var caFile: String { site.caFile }

    /// Changes how the site answers from the next request on.
    func control(_ settings: [String: Any]) throws {
        try JSONSerialization.data(withJSONObject: settings).write(to: URL(fileURLWithPath: folder + "/control.json"))
    }

    /// Every record the site holds now (at every level; the tests fetch at INFO, and so does the site).
    func released() throws -> [String: Int] {
        let records = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/released.json")))
        return counted((records as? [[String: Any]] ?? []).map(canonical))
    }

    var tokens: [String] {
        ((try? String(contentsOfFile: folder + "/tokens.log", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    var requestPaths: [String] {
        site.requests.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["path"] as? String
        }
    }

    func fetch(_ arguments: [String], out: String = "out", password: String = "s3cret") throws -> CLIRun {
        try gislog(["fetch", "--server", url, "--ca-file", caFile, "--since", "2025-11-14T00:00:00Z",
                    "--page-size", "5000", "--out", folder + "/" + out] + arguments,
                   environment: ["GISLOG_PASSWORD": password])
    }
}

/// A record as one string of its fields in name order, for counting.
private func canonical(_ record: [String: Any]) -> String {
    record.keys.sorted().map { "\($0)=\(record[$0]!)" }.joined(separator: "\u{1}")
}

private func counted(_ values: [String]) -> [String: Int] {
    values.reduce(into: [:]) { $0[$1, default: 0] += 1 }
}

/// Every record of every page file in `folder` (not its hidden staging folders).
private func readBack(_ folder: String) throws -> [String: Int] {
    var records: [String] = []
    for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name.hasSuffix(".json") && !name.hasPrefix(".") {
        let page = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)))
        records += ((page as? [String: Any])?["logMessages"] as? [[String: Any]] ?? []).map(canonical)
    }
    return counted(records)
}

private func total(_ counts: [String: Int]) -> Int { counts.values.reduce(0, +) }

private func scanJSON(_ arguments: [String]) throws -> (run: CLIRun, records: Int, causes: [String]) {
    let run = try gislog(["scan", "--timezone", "UTC", "--format", "json"] + arguments)
    guard let json = try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] else {
        return (run, -1, [])
    }
    let records = (json["coverage"] as? [String: Any])?["records"] as? Int ?? -1
    let causes = (json["causes"] as? [[String: Any]] ?? []).compactMap { $0["finding_id"] as? String }
    return (run, records, causes)
}

/// The built gislog, started without waiting for it.
private func startGislog(_ arguments: [String], environment: [String: String]) throws -> Process {
    let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var binary = products.appendingPathComponent("gislog")
    if !FileManager.default.fileExists(atPath: binary.path) { binary = URL(fileURLWithPath: repositoryRoot + "/.build/debug/gislog") }
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
}

private func waitFor(_ what: String, seconds: Double = 30, _ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        if Date() > deadline { throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "timed out waiting for \(what)"]) }
        Thread.sleep(forTimeInterval: 0.05)
    }
}

@Suite("gislog fetch against a site that answers as Esri documents", .serialized)
struct IncrementalFetchCLITests {
    @Test func burstsAtPageBoundariesAnExpiringTokenAndA503ReadBackExactly() throws {
        let site = try EsriSite(["bounds": "inclusive", "token_queries": 2, "unavailable_on": [3]])
        let run = try site.fetch(["--user", "admin", "--state", site.folder + "/fetch.state"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("Fetched 23456 records in 5 page(s)"), "\(run.stdout)")
        #expect(run.stdout.contains("1 request(s) retried; token renewed 2 time(s)"), "\(run.stdout)")
        let served = try site.released()
        #expect(total(served) == 23_456)
        let read = try readBack(site.folder + "/out")
        #expect(total(read) == 23_456)
        #expect(read == served, "every served record once, none twice")

        // The token never leaves the request body: not in a URL, a file name, a file, an output line.
        let tokens = site.tokens
        #expect(tokens.count == 3)
        var places = ([run.stdout, run.stderr] + site.requestPaths).map { Data($0.utf8) }
        let files = try FileManager.default.subpathsOfDirectory(atPath: site.folder + "/out")
        places += files.map { Data($0.utf8) }
        places += try files.map { try Data(contentsOf: URL(fileURLWithPath: site.folder + "/out/" + $0)) }
        places.append(try Data(contentsOf: URL(fileURLWithPath: site.folder + "/fetch.state")))
        for token in tokens + ["s3cret"] {
            #expect(!places.contains { $0.range(of: Data(token.utf8)) != nil }, "\(token) leaked")
        }

        let scan = try scanJSON([site.folder + "/out"])
        #expect(scan.records == 23_456)
        #expect(scan.run.status == 1, "the stand-in's certificate failures are found")
    }

    @Test func exclusiveBoundsReadBackExactly() throws {
        let site = try EsriSite(["bounds": "exclusive", "static_token": "fixed-token-7", "first_batch": 12_000])
        try "fixed-token-7\n".write(toFile: site.folder + "/token", atomically: true, encoding: .utf8)
        let run = try site.fetch(["--token-file", site.folder + "/token"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("Fetched 12000 records in 3 page(s)"), "\(run.stdout)")
        #expect(try readBack(site.folder + "/out") == site.released())
    }

    @Test func twoIncrementalRunsAddOnlyNewRecordsAndScanStateReportsOnlyNewIncidents() throws {
        let site = try EsriSite(["batches": 1])
        let out = site.folder + "/out", fetchState = site.folder + "/fetch.state", scanState = site.folder + "/scan.state"
        let first = try site.fetch(["--user", "admin", "--state", fetchState])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("Fetched 23456 records"))
        let firstScan = try scanJSON(["--state", scanState, out])
        #expect(firstScan.records == 23_456)
        #expect(!firstScan.causes.isEmpty)

        // Later: 3,000 newer records, 6 more in the newest millisecond of the first run, 204 written late
        // within the five minutes before it.
        try site.control(["batches": 2])
        let second = try site.fetch(["--user", "admin", "--state", fetchState])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.hasPrefix("Fetched 3210 records"), "\(second.stdout)")
        let served = try site.released()
        #expect(total(served) == 26_666)
        #expect(try readBack(out) == served, "two runs: every record once")

        let secondScan = try scanJSON(["--state", scanState, out])
        #expect(secondScan.records == 3_210, "the scan reads only the new pages")
        #expect(secondScan.run.status == 1)
        #expect(!secondScan.causes.isEmpty)
        #expect(Set(secondScan.causes).isDisjoint(with: firstScan.causes), "only new incidents are reported")

        // Nothing new: no page is written; the first run's pages, made to look old, go with --keep.
        let pages = try FileManager.default.contentsOfDirectory(atPath: out)
        let firstRunPages = pages.filter { $0.hasSuffix("-page-0001.json") }.map { String($0.dropLast("page-0001.json".count)) }
        #expect(firstRunPages.count == 2, "two runs, two names")
        let old = pages.filter { $0.hasPrefix(firstRunPages.sorted()[0]) }
        for page in old {
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-20 * 86_400)],
                                                  ofItemAtPath: out + "/" + page)
        }
        try "keep me".write(toFile: out + "/notes.txt", atomically: true, encoding: .utf8)
        let third = try site.fetch(["--user", "admin", "--state", fetchState, "--keep", "14d"])
        #expect(third.status == 0, "\(third.stderr)")
        #expect(third.stdout.hasPrefix("Fetched 0 records"), "\(third.stdout)")
        #expect(third.stdout.contains("\(old.count) old page file(s) removed"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted()
                == (pages.filter { !old.contains($0) } + ["notes.txt"]).sorted())
        let thirdScan = try gislog(["scan", "--state", scanState, "--quiet-if-clean", out])
        #expect(thirdScan.status == 0)
        #expect(thirdScan.stdout.isEmpty)
    }

    @Test func aKilledFetchLeavesThePreviousStateAndTheNextRunIsExact() throws {
        let site = try EsriSite(["batches": 1, "first_batch": 6_000])
        let out = site.folder + "/out", fetchState = site.folder + "/fetch.state"
        #expect(try site.fetch(["--user", "admin", "--state", fetchState]).status == 0)
        let stateBefore = try Data(contentsOf: URL(fileURLWithPath: fetchState))
        let pagesBefore = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        let queries = site.requestPaths.filter { $0.hasSuffix("/logs/query") }.count

        // The second run's second page hangs; the run is killed once its first page is in the staging folder.
        try site.control(["batches": 2, "first_batch": 6_000, "slow_on": [queries + 2], "delay": 30])
        let process = try startGislog(["fetch", "--server", site.url, "--ca-file", site.caFile, "--user", "admin",
                                       "--page-size", "5000", "--state", fetchState, "--out", out],
                                      environment: ["GISLOG_PASSWORD": "s3cret"])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        func staged() -> [String] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
            return names.filter { $0.hasPrefix(".gislog-fetch-") }.flatMap { folder in
                ((try? FileManager.default.contentsOfDirectory(atPath: out + "/" + folder)) ?? []).filter { $0.hasSuffix(".json") }
            }
        }
        try waitFor("a staged page") { !staged().isEmpty }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()

        #expect(try Data(contentsOf: URL(fileURLWithPath: fetchState)) == stateBefore, "a killed run leaves the state as it was")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).filter { !$0.hasPrefix(".") }.sorted() == pagesBefore)
        let scan = try scanJSON([out])
        #expect(scan.records == 6_000, "a scan meanwhile does not read the staged pages")

        try site.control(["batches": 2, "first_batch": 6_000])
        let next = try site.fetch(["--user", "admin", "--state", fetchState])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stdout.hasPrefix("Fetched 3210 records"), "\(next.stdout)")
        #expect(try readBack(out) == site.released())
        #expect(!(try FileManager.default.contentsOfDirectory(atPath: out)).contains { $0.hasPrefix(".gislog-fetch-") })
    }

    @Test func aSecondRunIsRefusedAtOnceOrWaitsForTheLock() throws {
        let site = try EsriSite(["first_batch": 500, "slow_on": [1], "delay": 3])
        let out = site.folder + "/out", fetchState = site.folder + "/fetch.state"
        let first = try startGislog(["fetch", "--server", site.url, "--ca-file", site.caFile, "--user", "admin",
                                     "--state", fetchState, "--out", out, "--since", "2025-11-14T00:00:00Z"],
                                    environment: ["GISLOG_PASSWORD": "s3cret"])
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        try waitFor("the first run's query") { site.requestPaths.contains { $0.hasSuffix("/logs/query") } }

        let started = Date()
        let refused = try site.fetch(["--user", "admin", "--state", fetchState])
        #expect(refused.status == 2)
        #expect(Date().timeIntervalSince(started) < 2.5, "refused at once, not after the first run")
        #expect(refused.stderr.contains("the state file \(fetchState) is in use by another gislog (pid \(first.processIdentifier))"),
                "\(refused.stderr)")
        #expect(refused.stderr.contains("--wait-lock"))

        let waited = try site.fetch(["--user", "admin", "--state", fetchState, "--wait-lock", "60s"])
        #expect(waited.status == 0, "\(waited.stderr)")
        // Nothing new: it went on only once the first run had committed its 500 records.
        #expect(waited.stdout.hasPrefix("Fetched 0 records"), "\(waited.stdout)")
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        #expect(total(try readBack(out)) == 500)
    }

    @Test func oneCommandFetchesAndScansForCron() throws {
        let site = try EsriSite(["batches": 1, "first_batch": 8_000])
        let cacheHome = site.folder + "/cache-home", scanState = site.folder + "/scan.state"
        func cron(password: String = "s3cret") throws -> CLIRun {
            try gislog(["scan", "--server", site.url, "--ca-file", site.caFile, "--user", "admin",
                        "--fetch-since", "2025-11-14T00:00:00Z", "--page-size", "5000",
                        "--state", scanState, "--quiet-if-clean", "--timezone", "UTC", "--format", "json"],
                       environment: ["GISLOG_PASSWORD": password, "XDG_CACHE_HOME": cacheHome])
        }
        let first = try cron()
        #expect(first.status == 1, "\(first.stderr)")
        #expect(first.stderr.isEmpty, "nothing on stderr off a terminal: cron mails only the report")
        let report = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any]
        #expect((report?["coverage"] as? [String: Any])?["records"] as? Int == 8_000)
        let cache = cacheHome + "/gislog/server-127.0.0.1_\(site.site.port)"
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache).contains { $0.hasSuffix("-page-0001.json") })
        #expect(try FileManager.default.attributesOfItem(atPath: cache)[.posixPermissions] as? Int == 0o700,
                "the cache of logs is its owner's alone")

        let quiet = try cron()
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(quiet.stdout.isEmpty)

        try site.control(["batches": 2, "first_batch": 8_000])
        let later = try cron()
        #expect(later.status == 1, "\(later.stderr)")
        let laterReport = try JSONSerialization.jsonObject(with: Data(later.stdout.utf8)) as? [String: Any]
        #expect((laterReport?["coverage"] as? [String: Any])?["records"] as? Int == 3_210)
        #expect(try readBack(cache) == site.released())

        let failing = try cron(password: "wrong")
        #expect(failing.status == 2)
        #expect(failing.stderr.contains("gave no token for admin"))
        #expect(failing.stdout.isEmpty)
    }

    @Test func timeoutsAndDroppedConnectionsAreTriedAgain() throws {
        // Two dropped connections (libcurl itself sends a request again once when a reused connection turns out
        // closed, so the first drop may not reach gislog), then an answer slower than --timeout.
        let site = try EsriSite(["first_batch": 6_000, "drop_on": [1, 2], "slow_on": [4], "delay": 4])
        let run = try site.fetch(["--user", "admin", "--timeout", "2s"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("2 request(s) retried") || run.stdout.contains("3 request(s) retried"), "\(run.stdout)")
        #expect(site.requestPaths.filter { $0.hasSuffix("/logs/query") }.count == 5)
        #expect(try readBack(site.folder + "/out") == site.released())
    }

    @Test func fetchOptionsWithoutASiteAreUsageErrors() throws {
        let orphan = try gislog(["scan", "--user", "admin", "--ca-file", "ca.pem", "Samples/basic"])
        #expect(orphan.status == 2)
        #expect(orphan.stderr.contains("--user needs --server URL or --portal URL"), "\(orphan.stderr)")
        let nothing = try gislog(["scan"])
        #expect(nothing.status == 2)
        #expect(nothing.stderr.contains("give log files or folders to read, or --server/--portal URL"))
        let badKeep = try gislog(["fetch", "--server", "https://h/arcgis", "--token", "t", "--out", "x", "--keep", "soon"])
        #expect(badKeep.status == 2)
        #expect(badKeep.stderr.contains("--keep: 'soon' is not a duration"))
    }

    @Test func aSiteThatStaysUnavailableIsNamedAfterTheLastTry() throws {
        let site = try EsriSite(["first_batch": 100, "unavailable_on": [1, 2, 3]])
        let run = try site.fetch(["--user", "admin", "--retries", "2"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("\(site.url)/admin/logs/query returned an HTML page (\"503 Service Unavailable\"), HTTP 503"),
                "\(run.stderr)")
        #expect(run.stderr.contains("tried 3 times over 3 s"))
        for token in site.tokens { #expect(!run.stderr.contains(token)) }
    }
}
