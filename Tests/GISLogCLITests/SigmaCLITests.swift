import Foundation
import Testing

/// Whether python3 can import everything scripts/sigma-check needs (sigma-cli, the pySigma backends, PyYAML, jsonschema).
private let sigmaPackagesInstalled: Bool = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import sigma.cli.main, sigma.backends.sqlite, sigma.backends.splunk, sigma.backends.elasticsearch, yaml, jsonschema"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}()

/// CI sets this so that missing Python packages fail the run instead of skipping the proof quietly.
private let sigmaRequired = ProcessInfo.processInfo.environment["GISLOG_REQUIRE_SIGMA"] == "1"

private func temporaryFolder(_ name: String) -> String {
    NSTemporaryDirectory() + "gislog-\(name)-" + UUID().uuidString
}

private func objects(_ ndjson: String) throws -> [[String: Any]] {
    try ndjson.split(separator: "\n").map { line in
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
}

private func kind(_ object: [String: Any]) -> String? { (object["event"] as? [String: Any])?["kind"] as? String }

@Suite("Sigma export and the every-record feed", .serialized)
struct SigmaCLITests {
    @Test("sigma check, pySigma conversions and the SQLite backend's exact matches (scripts/sigma-check)",
          .enabled(if: sigmaPackagesInstalled || sigmaRequired,
                   "the Python packages of scripts/sigma-check are not installed (bash scripts/setup installs them)"))
    func sigmaRulesMatchWhatGislogFinds() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot + "/scripts/sigma-check", "--gislog", gislogBinary]
        process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("all Sigma checks passed"), "\(text)")
        #expect(text.contains("exported 62 of 62 rules (100%)"), "\(text)")
    }

    @Test func exportWritesOneRuleEachWithStableIDsAndListsWhatHasNoSigmaForm() throws {
        let folder = temporaryFolder("sigma")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let run = try gislog(["rules", "export", "--format", "sigma", "--output", folder + "/out"])
        #expect(run.status == 0, "\(run.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/out")
        #expect(files.filter { $0.hasSuffix(".yml") && $0 != "arcgis_gislog_correlations.yml" }.count == 62)
        let rule = try String(contentsOfFile: folder + "/out/arcgis_wininet_invalid_ca.yml", encoding: .utf8)
        // uuid5(9f3c4a7e-1d2b-5e8f-a6c0-67a1b2c3d4e5, "wininet-invalid-ca"), as Python's uuid module computes it.
        #expect(rule.contains("id: b0600c39-3e40-56dd-b361-d4aafaa7fc77\n"))
        #expect(rule.contains("name: 'wininet-invalid-ca'\n"))
        #expect(rule.contains("message|re: \"WinINet (ERROR_INTERNET_INVALID_CA), (12045)\\\\)"))
        let correlations = try String(contentsOfFile: folder + "/out/arcgis_gislog_correlations.yml", encoding: .utf8)
        #expect(correlations.contains("type: temporal") && correlations.contains("timespan: 15m") && correlations.contains("timespan: 2m"))
        #expect(try String(contentsOfFile: folder + "/out/not-exported.txt", encoding: .utf8).contains("none: every rule was exported"))

        // A local rule with a lookahead: left out, named on stderr and in not-exported.txt; the rest exported.
        let rules = folder + "/local.yaml"
        try """
            - id: site-lookahead
              title: A rule Sigma cannot express
              category: token
              pattern: 'token(?! refreshed)'
            - id: site-plain
              title: A rule it can
              category: token
              pattern: 'proxy rejected token \\d+'
            """.write(toFile: rules, atomically: true, encoding: .utf8)
        let partial = try gislog(["rules", "export", "--format", "sigma", "--rules", rules, "--output", folder + "/partial"])
        #expect(partial.status == 1)
        #expect(partial.stderr.contains("rule 'site-lookahead'") && partial.stderr.contains("lookahead"), "\(partial.stderr)")
        #expect(try String(contentsOfFile: folder + "/partial/not-exported.txt", encoding: .utf8).contains("site-lookahead"))
        let plain = try String(contentsOfFile: folder + "/partial/arcgis_site_plain.yml", encoding: .utf8)
        #expect(plain.contains("message|re: 'proxy rejected token [0-9]+'"), "\(plain)")
        #expect(plain.contains("local.yaml"))
    }

    @Test func everyRecordOnceWithRulesOnTheMatchedOnes() throws {
        let all = try gislog(["scan", "--timezone", "UTC", "--format", "ndjson", "--records", "all", "Samples/basic"])
        #expect(all.status == 1, "\(all.stderr)")
        let json = try gislog(["scan", "--timezone", "UTC", "--format", "json", "Samples/basic"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let recordsRead = try #require((report["coverage"] as? [String: Any])?["records"] as? Int)
        let lines = try objects(all.stdout)
        let records = lines.filter { kind($0) == "event" }
        #expect(records.count == recordsRead)
        let places = Set(records.map { "\(($0["log"] as! [String: Any])["file"]!)@\(($0["log"] as! [String: Any])["offset"]!)" })
        #expect(places.count == records.count, "a record was written twice")
        // Records first, then coverage lines, then the alerts, as in the default feed.
        let order = lines.map { ["event": 0, "state": 1, "alert": 2][kind($0) ?? ""] ?? 9 }
        #expect(order == order.sorted())
        #expect(lines.contains { kind($0) == "alert" })
        let matched = try objects(try gislog(["scan", "--timezone", "UTC", "--format", "ndjson", "Samples/basic"]).stdout)
            .filter { kind($0) == "event" }
        let withRules = records.filter { $0["rule"] != nil }
        #expect(withRules.count == Set(matched.map { "\(($0["log"] as! [String: Any])["offset"]!)\(($0["log"] as! [String: Any])["file"]!)" }).count)
        #expect(records.contains { $0["rule"] == nil && ($0["event"] as? [String: Any])?["category"] == nil })
    }

    @Test func recordsAllRedactsWritesAtomicallyAndResumesWithState() throws {
        let logs = try HostileLogs()
        let stdout = try gislog(["scan", "--timezone", "UTC", "--format", "ndjson", "--records", "all", logs.directory])
        #expect(stdout.status == 1)
        for secret in HostileLogs.secrets { #expect(!stdout.stdout.contains(secret), "\(secret) leaked") }
        #expect(stdout.stdout.contains("token=[REDACTED]"))
        #expect(try objects(stdout.stdout).filter { kind($0) == "event" }.count == 3)

        let folder = temporaryFolder("records")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = try gislog(["scan", "--timezone", "UTC", "--format", "ndjson", "--records", "all", "--output", folder + "/feed.ndjson", logs.directory])
        #expect(file.status == 1 && file.stdout.isEmpty)
        #expect(try String(contentsOfFile: folder + "/feed.ndjson", encoding: .utf8) == stdout.stdout)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["feed.ndjson"], "a temporary file was left")

        let state = folder + "/state.json"
        let first = try gislog(["scan", "--timezone", "UTC", "--format", "ndjson", "--records", "all", "--state", state, logs.directory])
        #expect(try objects(first.stdout).filter { kind($0) == "event" }.count == 3)
        let second = try gislog(["scan", "--timezone", "UTC", "--format", "ndjson", "--records", "all", "--state", state, logs.directory])
        #expect(try objects(second.stdout).filter { kind($0) == "event" }.isEmpty, "records read twice: \(second.stdout)")

        let text = try gislog(["scan", "--records", "all", logs.directory])
        #expect(text.status == 2 && text.stderr.contains("--records all needs --format ndjson"))
        let quiet = try gislog(["scan", "--format", "ndjson", "--records", "all", "--quiet-if-clean", logs.directory])
        #expect(quiet.status == 2 && quiet.stderr.contains("--quiet-if-clean"))
    }
}
