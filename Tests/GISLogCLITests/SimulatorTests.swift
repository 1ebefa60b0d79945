import Foundation
import Testing

/// Runs a Python script of the repository.
private func python(_ arguments: [String]) throws -> CLIRun {
    try runProgram(URL(fileURLWithPath: "/usr/bin/env"), ["python3"] + arguments)
}

private func object(_ text: String) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
}

/// What one simulated tree showed: problems found, and how much was checked (so a check that checked
/// nothing cannot pass unnoticed).
private struct TreeCheck: Sendable {
    var tree: String
    var problems: [String] = []
    var signalsMatched = 0
    var failuresFound = 0
    var clean = false
}

// SAFETY: `checks` is only touched under `lock`; concurrentPerform's workers append, the test reads after.
private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var checks: [TreeCheck] = []
    func add(_ check: TreeCheck) { lock.lock(); checks.append(check); lock.unlock() }
    var all: [TreeCheck] { lock.lock(); defer { lock.unlock() }; return checks }
}

@Suite struct SimulatorTests {
    /// Message shapes the simulator writes that the default rule pack does not find yet — real shapes that
    /// issue 12 asks rules for: Apache's and Python's and curl's host-name and issuer wordings, ArcGIS
    /// upgrade records, Portal's OAuth2 `code expired []`. Found or not, they may never be found as
    /// another category, and the per-machine counts stay within what the simulator wrote.
    static let pendingShapes: Set<String> = [
        "apache-san", "curl-hostname", "python-hostname", "python-local-issuer", "python-expired",
        "upgrade-mode", "upgrade-step", "token-oauth-expired",
    ]
    /// The categories whose every event must be a record the simulator wrote as that kind.
    static let checkedCategories: Set<String> = ["certificate", "token", "restart", "publishing"]

    private static func check(tree: String) -> TreeCheck {
        var result = TreeCheck(tree: tree)
        func problem(_ text: String) { result.problems.append("\(tree): \(text)") }
        guard let data = FileManager.default.contents(atPath: tree + "/truth.json"),
              let truth = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let zone = truth["timezone"] as? String, let records = truth["records"] as? Int,
              let signals = truth["signals"] as? [[Any]], let manifest = truth["manifest"] as? [String: Any],
              let labels = truth["truth"] as? [String: String] else {
            problem("truth.json is missing or incomplete")
            return result
        }
        result.clean = labels.isEmpty
        let logs = tree + "/logs"
        guard let report = try? gislog(["scan", "--format", "json", "--timezone=\(zone)", "--jobs", "1", logs]),
              report.status == 0 || report.status == 1, let json = object(report.stdout),
              let coverage = json["coverage"] as? [String: Any] else {
            problem("the JSON scan did not run")
            return result
        }
        // Well-formed: every line inside a record, every record closed and timed, nothing damaged.
        for key in ["unparsed", "unterminated_records", "records_without_time", "oversized_records"] {
            if (coverage[key] as? Int) != 0 { problem("coverage.\(key) is \(coverage[key] ?? "absent"), not 0") }
        }
        if (coverage["records"] as? Int) != records {
            problem("gislog read \(coverage["records"] ?? "?") records, the simulator wrote \(records)")
        }
        if let counts = coverage["file_counts"] as? [String: Any], (counts["damaged"] as? Int) != 0 || (counts["failed"] as? Int) != 0 {
            problem("damaged or failed files: \(counts)")
        }
        if let warnings = json["warnings"] as? [Any], !warnings.isEmpty {
            problem("\(warnings.count) warnings, e.g. \(warnings[0])")
        }

        // Events: each (file, offset, category) once, whatever number of rules matched the record.
        guard let feed = try? gislog(["scan", "--format", "ndjson", "--timezone=\(zone)", "--jobs", "1", logs]),
              feed.status == 0 || feed.status == 1 else {
            problem("the NDJSON scan did not run")
            return result
        }
        var events = Set<String>()
        var perHost: [String: [String: Set<String>]] = [:]
        for line in feed.stdout.split(separator: "\n") {
            guard let event = object(String(line)), let kind = (event["event"] as? [String: Any])?["kind"] as? String,
                  kind == "event", let log = event["log"] as? [String: Any],
                  let path = (log["file"] as? [String: Any])?["path"] as? String, let offset = log["offset"] as? Int,
                  let category = (event["rule"] as? [String: Any])?["category"] as? String,
                  let host = (event["host"] as? [String: Any])?["name"] as? String else { continue }
            let relative = path.hasPrefix(logs + "/") ? String(path.dropFirst(logs.count + 1)) : path
            let key = "\(relative)|\(offset)|\(category)"
            events.insert(key)
            perHost[host, default: [:]][category, default: []].insert("\(relative)|\(offset)")
        }
        var expected: [String: String] = [:]
        for signal in signals {
            guard signal.count == 4, let path = signal[0] as? String, let offset = signal[1] as? Int,
                  let kinds = signal[2] as? [String], let shape = signal[3] as? String else {
                problem("a malformed signal \(signal)")
                continue
            }
            for kind in kinds where checkedCategories.contains(kind) { expected["\(path)|\(offset)|\(kind)"] = shape }
        }
        for (key, shape) in expected.sorted(by: { $0.key < $1.key }) where !pendingShapes.contains(shape) {
            if events.contains(key) { result.signalsMatched += 1 } else { problem("no event for the \(shape) record at \(key)") }
        }
        for key in events.sorted() {
            let category = key.split(separator: "|").last.map(String.init) ?? ""
            if checkedCategories.contains(category), expected[key] == nil {
                problem("an event the simulator did not write as \(category) (a decoy was matched?): \(key)")
            }
        }
        // Per machine, as many records per category as the simulator wrote (pending shapes may or may not count).
        for (machine, value) in manifest {
            guard let kinds = value as? [String: [String: Int]] else { continue }
            for (kind, shapes) in kinds where checkedCategories.contains(kind) {
                let sure = shapes.filter { !pendingShapes.contains($0.key) }.values.reduce(0, +)
                let maybe = shapes.filter { pendingShapes.contains($0.key) }.values.reduce(0, +)
                let found = perHost[machine]?[kind]?.count ?? 0
                if found < sure || found > sure + maybe {
                    problem("\(machine): \(found) \(kind) events, the simulator wrote \(sure) (+\(maybe) pending)")
                }
                if kind == "certificate" { result.failuresFound += found }
            }
        }
        if result.clean, result.failuresFound != 0 {
            problem("a clean draw with \(result.failuresFound) certificate events")
        }
        for machine in labels.keys {
            let written = ((manifest[machine] as? [String: [String: Int]])?["certificate"] ?? [:]).values.reduce(0, +)
            if written == 0 { problem("\(machine) fails in the truth but the simulator wrote no failure for it") }
        }
        return result
    }

    @Test("every situation writes trees that parse cleanly and whose failures, tokens and restarts are found exactly")
    func simulatedTreesAreWellFormed() throws {
        let root = NSTemporaryDirectory() + "gislog-sim-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let made = try python(["scripts/simulate", "--out", root, "--draws", "2", "--seed", "5", "--storm-days", "0.5",
                               "--signals"])
        try #require(made.status == 0, "scripts/simulate failed: \(made.stderr)")
        let situations = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
        #expect(situations.count >= 25, "\(situations)")
        var trees: [String] = []
        for situation in situations {
            let draws = try FileManager.default.contentsOfDirectory(atPath: root + "/" + situation).sorted()
            #expect(draws == ["000", "001"], "\(situation): \(draws)")
            trees += draws.map { root + "/" + situation + "/" + $0 }
        }
        let collected = Collected()
        let paths = trees
        // Two scans at a time: the trees are independent and the machine has two cores.
        DispatchQueue.concurrentPerform(iterations: paths.count) { i in
            collected.add(Self.check(tree: paths[i]))
        }
        let checks = collected.all
        #expect(checks.count == trees.count)
        let problems = checks.flatMap(\.problems)
        let problemCount = problems.count
        #expect(problemCount == 0, "the first problems:\n\(problems.prefix(20).joined(separator: "\n"))")
        // Failing draws' failures were found (all but those written only in pending shapes), and the checks
        // compared real records.
        let failing = checks.filter { !$0.clean }
        #expect(failing.filter { $0.failuresFound > 0 }.count * 10 >= failing.count * 9)
        #expect(checks.map(\.signalsMatched).reduce(0, +) > 1000)
        #expect(checks.contains { $0.clean })
    }

    @Test("the same arguments give the same trees, byte for byte")
    func simulatorIsDeterministic() throws {
        let root = NSTemporaryDirectory() + "gislog-sim-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        var listings: [String] = []
        for run in ["a", "b"] {
            let made = try python(["scripts/simulate", "--out", root + "/" + run, "--draws", "1", "--seed", "3",
                                   "--situations", "restart-long-tail,token-expiry-server,multi-machine"])
            try #require(made.status == 0, "scripts/simulate failed: \(made.stderr)")
            let sums = try python(["-c", """
                import hashlib, os, sys
                root = sys.argv[1]
                for d, _, files in sorted(os.walk(root)):
                    for f in sorted(files):
                        p = os.path.join(d, f)
                        print(os.path.relpath(p, root), hashlib.sha256(open(p, 'rb').read()).hexdigest())
                """, root + "/" + run])
            #expect(sums.status == 0)
            listings.append(sums.stdout)
        }
        #expect(listings[0].split(separator: "\n").count > 10)
        #expect(listings[0] == listings[1])
    }

    @Test("diagnosis-accuracy judges draws and reports every figure; --min-accuracy fails a run")
    func accuracyScriptReports() throws {
        let arguments = ["scripts/diagnosis-accuracy", "--binary", gislogBinary, "--draws", "1", "--seed", "2",
                         "--situations", "clean-decoys,restart-server,multi-machine", "--keep", "none", "--json"]
        let run = try python(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(object(run.stdout), "no JSON: \(run.stderr)")
        let situations = try #require(report["situations"] as? [String: [String: Any]])
        #expect(Set(situations.keys) == ["clean-decoys", "restart-server", "multi-machine"])
        // multi-machine judges each failing machine: more judged items than draws.
        #expect((situations["multi-machine"]?["items"] as? Int ?? 0) >= 2)
        #expect(situations["clean-decoys"]?["items"] as? Int == 1)
        let confusion = try #require(report["confusion"] as? [String: [String: Int]])
        #expect(confusion.values.flatMap(\.values).reduce(0, +) == situations.values.compactMap { $0["items"] as? Int }.reduce(0, +))
        #expect(confusion["clean"] != nil && confusion["machine-restart"] != nil)
        #expect(report["reliability"] is [Any])
        #expect(report.keys.contains("brier"))
        let impossible = try python(arguments + ["--min-accuracy", "1.01"])
        #expect(impossible.status == 1)
        let unknown = try python(["scripts/diagnosis-accuracy", "--binary", gislogBinary, "--situations", "no-such"])
        #expect(unknown.status == 2 && unknown.stderr.contains("no-such"))
    }

    /// Runs scripts/diagnosis-accuracy on seed 12 (held out: the weights were tuned on seeds 1, 3, 5 and 7).
    private func accuracy(draws: Int) throws -> (report: [String: Any], situations: [String: [String: Any]], status: Int32) {
        let run = try python(["scripts/diagnosis-accuracy", "--binary", gislogBinary, "--draws", String(draws),
                              "--seed", "12", "--storm-days", "3", "--keep", "none", "--json"])
        let report = try #require(object(run.stdout), "no JSON from scripts/diagnosis-accuracy: \(run.stderr)")
        let situations = try #require(report["situations"] as? [String: [String: Any]])
        #expect(situations.count >= 25)
        return (report, situations, run.status)
    }

    /// The check CI can afford (a debug build, two cores): the first 40 draws of every situation of the full
    /// check below. The draws are fixed, so the result is not flaky; what 40 draws can show is bounded: a
    /// situation right 97 % of the time has 1.2 misses in 40 on average and 3 or more in 12 % of samples, so
    /// the bar per situation is 95 % (at most 2 misses), and 97 % over all ~1,050 judged machines (standard error
    /// about 0.5 %), where a real drop shows. Brier stays under 0.05 (it was 0.033 before the evidence over the
    /// same calls, and is about 0.003 now).
    @Test("the ranked cause is right in 95% of every situation and 97% overall (40 draws each)",
          .timeLimit(.minutes(30)))
    func diagnosisAccuracyQuick() throws {
        let (report, situations, status) = try accuracy(draws: 40)
        #expect(status == 0)
        var right = 0, judged = 0
        for (name, figures) in situations.sorted(by: { $0.key < $1.key }) {
            let accuracy = figures["accuracy"] as? Double ?? 0
            #expect(accuracy >= 0.95, "\(name): \(accuracy)")
            right += figures["right"] as? Int ?? 0
            judged += figures["items"] as? Int ?? 0
        }
        #expect(judged >= 1000)
        #expect(Double(right) >= 0.97 * Double(judged), "\(right) of \(judged)")
        let brier = try #require(report["brier"] as? Double)
        #expect(brier < 0.05)
    }

    /// The full check (200 draws per situation; about 3 min with a release build, much longer with a debug
    /// one): `GISLOG_FULL_ACCURACY=1 swift test --filter diagnosisAccuracy`, or the script itself with
    /// `--draws 200 --seed 12 --storm-days 3 --min-accuracy 0.97`.
    @Test("the ranked cause is right in at least 97% of every situation (200 draws each)",
          .enabled(if: ProcessInfo.processInfo.environment["GISLOG_FULL_ACCURACY"] == "1",
                   "the full check; set GISLOG_FULL_ACCURACY=1"), .timeLimit(.minutes(120)))
    func diagnosisAccuracy() throws {
        let (_, situations, status) = try accuracy(draws: 200)
        for (name, figures) in situations.sorted(by: { $0.key < $1.key }) {
            let accuracy = figures["accuracy"] as? Double ?? 0
            #expect(accuracy >= 0.97, "\(name): \(accuracy)")
        }
        #expect(status == 0)
    }
}
