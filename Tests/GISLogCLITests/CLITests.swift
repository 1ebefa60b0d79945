import Foundation
import Testing

/// Runs the built `gislog` binary (next to the test bundle) the way a user or cron would.
struct CLIRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

func gislog(_ arguments: [String], environment: [String: String] = [:], executable: String? = nil) throws -> CLIRun {
    let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var binary = products.appendingPathComponent("gislog")
    if !FileManager.default.fileExists(atPath: binary.path) {
        // `swift test` runs the bundle from .build/<config>/; xctest may pass its own path instead.
        binary = URL(fileURLWithPath: repositoryRoot + "/.build/debug/gislog")
    }
    if let executable { binary = URL(fileURLWithPath: executable) }
    return try runProgram(binary, arguments, environment: environment)
}

/// Runs a program from the repository's root with `environment` added to ours (and NO_COLOR set); stdout and
/// stderr are read to their ends on their own threads.
func runProgram(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> CLIRun {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let errData = Thread.detachedRead(err)
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIRun(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                  stderr: String(decoding: errData.wait(), as: UTF8.self))
}

/// Stops a helper process (a shipper, a fake server): SIGTERM, then SIGKILL if it is still running after two seconds. A child of the
/// test runner can inherit a signal mask that blocks SIGTERM, and its output is already on disk.
func stop(_ process: Process) {
    guard process.isRunning else { return }
    process.terminate()
    let deadline = Date().addingTimeInterval(2)
    while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
}

extension Thread {
    /// Reads a pipe to its end on another thread (so a full stderr pipe cannot block the child).
    static func detachedRead(_ pipe: Pipe) -> PendingRead {
        let pending = PendingRead()
        let thread = Thread { pending.finish(pipe.fileHandleForReading.readDataToEndOfFile()) }
        thread.start()
        return pending
    }
}

// SAFETY: `data` is written once under the condition lock and read only after `wait` sees it set.
final class PendingRead: @unchecked Sendable {
    private let condition = NSCondition()
    private var data: Data?

    func finish(_ value: Data) {
        condition.lock(); data = value; condition.signal(); condition.unlock()
    }

    func wait() -> Data {
        condition.lock(); defer { condition.unlock() }
        while data == nil { condition.wait() }
        return data!
    }
}

let repositoryRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

/// Compares with a golden file; `GISLOG_UPDATE_GOLDEN=1 swift test` rewrites it.
func expectGolden(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let path = repositoryRoot + "/Tests/GISLogCLITests/Golden/" + name
    if ProcessInfo.processInfo.environment["GISLOG_UPDATE_GOLDEN"] == "1" {
        try actual.write(toFile: path, atomically: true, encoding: .utf8)
        return
    }
    let expected = try String(contentsOfFile: path, encoding: .utf8)
    #expect(actual == expected, "differs from \(name); run GISLOG_UPDATE_GOLDEN=1 swift test to accept", sourceLocation: sourceLocation)
}

@Suite("gislog end to end", .serialized)
struct CLITests {
    @Test("each sample's report: top cause, exit code and the text report (golden)", arguments: [
        ("basic", "untrusted-ca"), ("untrusted-ca", "untrusted-ca"), ("token-expiry", "token-expiry"),
        ("self-signed", "self-signed-certificate"), ("machine-restart", "machine-restart"), ("clean", nil),
    ] as [(String, String?)])
    func sampleReports(sample: String, topCause: String?) throws {
        let text = try gislog(["scan", "--timezone", "UTC", "Samples/\(sample)"])
        #expect(text.status == (topCause == nil ? 0 : 1))
        #expect(text.stderr == "")
        try expectGolden(text.stdout, "\(sample).txt")
        let json = try gislog(["scan", "--timezone", "UTC", "--format", "json", "Samples/\(sample)"])
        #expect(json.status == text.status)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let causes = try #require(object["causes"] as? [[String: Any]])
        #expect(causes.first?["id"] as? String == topCause)
        #expect(causes.first?["primary"] as? Bool ?? true)
        for format in ["markdown", "html"] {
            let run = try gislog(["scan", "--timezone", "UTC", "--format", format, "Samples/\(sample)"])
            #expect(run.status == text.status)
            if let topCause { #expect(run.stdout.contains(topCause)) }
        }
    }

    @Test func cleanSampleSaysWhatWasLookedAt() throws {
        let run = try gislog(["scan", "--timezone", "UTC", "Samples/clean"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("No cause found."))
        #expect(run.stdout.contains("62 rules"))
    }

    @Test func outputFileIsWrittenAtomicallyAndStdoutStaysEmpty() throws {
        let path = NSTemporaryDirectory() + "gislog-report-" + UUID().uuidString + ".html"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try gislog(["scan", "--timezone", "UTC", "--format", "html", "--output", path, "Samples/basic"])
        #expect(run.status == 1)
        #expect(run.stdout == "")
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<svg"))
        #expect(!html.contains("<script"))
    }

    @Test func scanSampleJSONShape() throws {
        let run = try gislog(["scan", "--timezone=-05:00", "--format", "json", "Samples/basic"])
        #expect(run.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let causes = try #require(object["causes"] as? [[String: Any]])
        #expect(causes.first?["id"] as? String == "untrusted-ca")
        #expect(causes.map { $0["rank"] as? Int } == Array(1...causes.count).map { $0 })
        for cause in causes {
            for key in ["id", "rank", "confidence", "machines", "events", "first_seen", "last_seen", "evidence", "steps"] {
                #expect(cause[key] != nil, "cause \(cause["id"] ?? "?") lacks \(key)")
            }
            let confidence = try #require(cause["confidence"] as? Double)
            #expect(confidence >= 0 && confidence <= 1)
            // Each burst's example is one record of it here (the sample keeps every burst of small logs).
            for burst in cause["evidence"] as? [[String: Any]] ?? [] {
                let first = try #require(burst["first"] as? String), last = try #require(burst["last"] as? String)
                let example = try #require(burst["example_time"] as? String)
                #expect(first <= example && example <= last, "\(burst)")
            }
        }
        #expect(object["findings"] as? [Any] != nil)
        #expect(object["time_zone"] as? String == "-05:00")
        let coverage = try #require(object["coverage"] as? [String: Any])
        let records = try #require(coverage["records"] as? Int)
        #expect(records > 500)
        let byLevel = try #require(coverage["records_by_level"] as? [String: Int])
        #expect(Set(byLevel.keys) == ["SEVERE", "WARNING", "INFO", "FINE", "VERBOSE", "DEBUG", "UNKNOWN"])
        #expect(byLevel.values.reduce(0, +) == records)
        #expect(coverage["unparsed"] as? Int == 0)
        let range = try #require(coverage["time_range"] as? [String: String])
        #expect(range["first"]?.hasSuffix("-05:00") == true)
        let files = try #require(coverage["files"] as? [[String: Any]])
        #expect(files.count == 3)
        #expect(files.contains { $0["gzip"] as? Bool == true && $0["machine"] as? String == "GIS-SERVER01.CONTOSO.LOCAL" })
        #expect(files.contains { $0["product"] as? String == "portal" && $0["component"] as? String == "portal" })
        let skipped = try #require(coverage["skipped"] as? [[String: Any]])
        #expect(skipped.contains { $0["reason"] as? String == "lock_file" })
        let machines = try #require(coverage["machines"] as? [[String: Any]])
        #expect(machines.compactMap { $0["name"] as? String } == ["GIS-PORTAL01.CONTOSO.LOCAL", "GIS-SERVER01.CONTOSO.LOCAL"])
        #expect(object["warnings"] as? [Any] != nil)
    }

    @Test func damagedGzipIsAWarningAndTheScanGoesOn() throws {
        let directory = NSTemporaryDirectory() + "gislog-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sample = repositoryRoot + "/Samples/basic/arcgisserver/logs/GIS-SERVER01.CONTOSO.LOCAL/server/"
        let gz = try FileManager.default.contentsOfDirectory(atPath: sample).first { $0.hasSuffix(".gz") }!
        let data = try Data(contentsOf: URL(fileURLWithPath: sample + gz))
        try data.prefix(data.count * 2 / 3).write(to: URL(fileURLWithPath: directory + "/cut.log.gz"))
        try Data("<Msg time=\"2026-11-14T10:00:00,1\" type=\"INFO\" code=\"1\">ok</Msg>\n".utf8)
            .write(to: URL(fileURLWithPath: directory + "/good.log"))
        let run = try gislog(["scan", "--timezone", "UTC", "--format", "json", directory])
        #expect(run.status == 0 || run.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let warnings = try #require(object["warnings"] as? [[String: Any]])
        let truncated = try #require(warnings.first { $0["kind"] as? String == "truncated_gzip" })
        #expect((truncated["path"] as? String)?.hasSuffix("/cut.log.gz") == true)
        #expect(truncated["compressed_offset"] as? Int == data.count * 2 / 3)
        let coverage = try #require(object["coverage"] as? [String: Any])
        #expect((coverage["records"] as? Int ?? 0) > 1)
    }

    @Test("could-not-run cases exit 2 with a message", arguments: [
        ["scan", "/nonexistent/logs"],
        ["scan", "--timezone", "Mars/Olympus", "Samples/basic"],
        ["scan", "--bogus-flag", "Samples/basic"],
        ["scan"],
        ["frobnicate"],
    ])
    func couldNotRun(arguments: [String]) throws {
        let run = try gislog(arguments)
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix("gislog: "))
        #expect(run.stdout == "")
    }

    @Test func helpCarriesExamplesAndExitsZero() throws {
        let run = try gislog(["scan", "--help"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("Examples:"))
        #expect(run.stdout.contains("--timezone"))
        let fetch = try gislog(["fetch", "--help"])
        #expect(fetch.status == 0)
        #expect(fetch.stdout.contains("Examples:"))
        #expect(fetch.stdout.contains("--ca-file"))
        let version = try gislog(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("0."))
    }

    @Test func noProgressOutputWhenNotATerminal() throws {
        let run = try gislog(["scan", "Samples/basic"], environment: ["TERM": "xterm"])
        #expect(run.stderr == "")
    }
}

@Suite("gislog rules end to end", .serialized)
struct RulesCLITests {
    private func temporaryRuleFile(_ text: String) throws -> (directory: String, path: String) {
        let directory = NSTemporaryDirectory() + "gislog-rules-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/local.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (directory, path)
    }

    @Test func listShowsBuiltinRulesWithTheirOrigin() throws {
        let run = try gislog(["rules", "list"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("wininet-invalid-ca"))
        #expect(run.stdout.contains("from builtin:certificate.yaml:"))
        #expect(run.stdout.contains("levels SEVERE,WARNING"))
        #expect(run.stdout.contains("codes 217064"))
    }

    @Test func checkAndTestTheBuiltinPack() throws {
        let check = try gislog(["rules", "check"])
        #expect(check.status == 0)
        #expect(check.stdout.hasPrefix("ok: "))
        let test = try gislog(["rules", "test"])
        #expect(test.status == 0)
        #expect(test.stdout.contains(" passed, 0 failed"))
        #expect(!test.stdout.contains("FAIL"))
    }

    @Test func aBadRuleFileStopsScanAndCheckWithExitTwo() throws {
        let (directory, path) = try temporaryRuleFile("""
            - id: bad
              title: Bad
              category: token
              pattern: 'unclosed(group'
            """)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for arguments in [["rules", "check", path], ["scan", "--rules", path, "Samples/basic"]] {
            let run = try gislog(arguments)
            #expect(run.status == 2)
            #expect(run.stdout == "")
            #expect(run.stderr.contains("\(path):4:"))
            #expect(run.stderr.contains("rule 'bad': bad pattern: PCRE2 says: missing closing parenthesis"))
        }
    }

    @Test func aYAMLMistakeIsNamedWithItsPlace() throws {
        let (directory, path) = try temporaryRuleFile("- id: tabbed\n  title: Tabbed\n\tcategory: token\n  pattern: x\n")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try gislog(["rules", "check", path])
        #expect(run.status == 2)
        #expect(run.stderr.contains("\(path):3:1: YAML: a tab indents this line; indent with spaces"))
    }

    @Test func debugRuleTimingTimesTheBuiltinPack() throws {
        let run = try gislog(["debug", "rule-timing", "--passes", "2"])
        #expect(run.status == 0)
        let line = run.stdout.trimmingCharacters(in: .newlines)
        let pattern = #/(\d+) rule files, \d+ bytes, 2 passes; CPU time per pass: YAML \d+ µs, whole load \d+ µs/#
        let match = try #require(line.wholeMatch(of: pattern), "\(line)")
        #expect(Int(match.1) == (try FileManager.default.contentsOfDirectory(atPath: repositoryRoot + "/rules")).filter { $0.hasSuffix(".yaml") }.count)
    }

    @Test func failingSamplesMakeRulesTestExitOne() throws {
        let (directory, path) = try temporaryRuleFile("""
            - id: weak
              title: Weak
              category: token
              pattern: 'token'
              samples:
                match: ['no such word here']
                no_match: ['a token here']
            """)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try gislog(["rules", "test", "--no-default-rules", path])
        #expect(run.status == 1)
        #expect(run.stdout.contains("FAIL weak (2 samples)"))
        #expect(run.stdout.contains("match: did not match"))
        #expect(run.stdout.contains("no_match: matched, but is declared as no_match"))
        #expect(run.stdout.contains("0 passed, 1 failed"))
    }

    @Test func scanUsesLocalRules() throws {
        let (directory, path) = try temporaryRuleFile("""
            - id: site-parcels
              title: Parcels service requests
              category: publishing
              pattern: 'Parcels'
            """)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try gislog(["scan", "--no-default-rules", "--rules", path, "--format", "json", "Samples/basic"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("\"causes\": []"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let events = try #require(object["events"] as? [String: Any])
        #expect(events["rules_loaded"] as? Int == 1)
        let byRule = try #require(events["by_rule"] as? [[String: Any]])
        #expect(byRule.map { $0["rule"] as? String } == ["site-parcels"])
        #expect((byRule.first?["count"] as? Int ?? 0) > 0)
    }
}

@Suite("gislog scan time windows and cron", .serialized)
struct CronCLITests {
    @Test func sinceBoundsTheReportButKeepsContext() throws {
        let all = try gislog(["scan", "--timezone", "UTC", "--format", "json", "Samples/machine-restart"])
        let since = try gislog(["scan", "--timezone", "UTC", "--format", "json", "--since", "2026-11-11T02:05:00Z",
                                "Samples/machine-restart"])
        let after = try gislog(["scan", "--timezone", "UTC", "--format", "json", "--since", "2026-11-11T03:00:00Z",
                                "Samples/machine-restart"])
        func causes(_ run: CLIRun) throws -> [[String: Any]] {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            return try #require(object["causes"] as? [[String: Any]])
        }
        #expect(try causes(all).first?["id"] as? String == "machine-restart")
        // The restart at 02:04 is before --since, but still explains the failures just after it.
        #expect(try causes(since).first?["id"] as? String == "machine-restart")
        #expect(since.stdout.contains("\"since\": \"2026-11-11T02:05:00.000Z\""))
        #expect(try causes(after).isEmpty)
        #expect(after.status == 0)
        let until = try gislog(["scan", "--timezone", "UTC", "--until", "2026-11-11T02:00:00Z", "Samples/machine-restart"])
        #expect(until.status == 0)
        #expect(until.stdout.contains("Reported: from the start until 2026-11-11T02:00:00.000Z"))
    }

    @Test func relativeSpansUseTheClock() throws {
        let run = try gislog(["scan", "--timezone", "UTC", "--since", "24h", "Samples/basic"],
                             environment: ["GISLOG_NOW": "2026-11-15T06:00:00Z"])
        #expect(run.stdout.contains("Reported: from 2026-11-14T06:00:00.000Z to the end"))
        #expect(run.status == 1)
    }

    @Test func quietIfCleanPrintsNothingOnACleanTreeOnly() throws {
        let clean = try gislog(["scan", "--quiet-if-clean", "Samples/clean"])
        #expect(clean.status == 0)
        #expect(clean.stdout == "")
        #expect(clean.stderr == "")
        let problem = try gislog(["scan", "--quiet-if-clean", "Samples/basic"])
        #expect(problem.status == 1)
        #expect(!problem.stdout.isEmpty)
    }

    @Test func badTimeIsExitTwoWithoutUsageNoise() throws {
        let run = try gislog(["scan", "--since", "soon", "Samples/basic"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--since: 'soon' is not a time"))
        #expect(!run.stderr.contains("Usage:"))
    }
}

@Suite("Fuzz corpus replay")
struct FuzzReplayTests {
    /// Every seed and every past crash of each fuzz target runs through its entry point on every test run.
    @Test(arguments: [("FuzzRecords", "records"), ("FuzzGzip", "gzip"), ("FuzzRules", "rules"), ("FuzzNDJSON", "ndjson"),
                      ("FuzzCertificate", "certificate")])
    func replay(product: String, corpus: String) throws {
        let folder = repositoryRoot + "/Fuzz/corpus/" + corpus
        let inputs = try FileManager.default.contentsOfDirectory(atPath: folder).sorted().map { folder + "/" + $0 }
        #expect(!inputs.isEmpty)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent(product)
        if !FileManager.default.fileExists(atPath: process.executableURL!.path) {
            process.executableURL = URL(fileURLWithPath: repositoryRoot + "/.build/debug/" + product)
        }
        process.arguments = inputs
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(process.terminationReason == .exit)
    }
}

@Suite("Parallelism does not change results")
struct WorkerCountTests {
    @Test(arguments: ["basic", "token-expiry", "machine-restart"])
    func oneAndTwoWorkersGiveTheSameReportAndEvents(sample: String) throws {
        for format in ["json", "ndjson"] {
            let one = try gislog(["scan", "--timezone", "UTC", "--jobs", "1", "--format", format, "Samples/\(sample)"])
            let two = try gislog(["scan", "--timezone", "UTC", "--jobs", "2", "--format", format, "Samples/\(sample)"])
            let four = try gislog(["scan", "--timezone", "UTC", "--jobs", "4", "--format", format, "Samples/\(sample)"])
            #expect(one.status == two.status)
            #expect(one.stdout == two.stdout)
            #expect(one.stdout == four.stdout)
        }
    }
}
