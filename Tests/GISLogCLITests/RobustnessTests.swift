import Foundation
import Testing

/// The built `gislog` binary.
let gislogBinary: String = {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gislog").path
    return FileManager.default.fileExists(atPath: beside) ? beside : repositoryRoot + "/.build/debug/gislog"
}()

/// Runs a bash script with `$GISLOG` set to the built binary: for redirections (`> /dev/full`) and limits
/// (`ulimit -f`) that a test cannot set on a `Process` directly.
func gislogScript(_ script: String, environment: [String: String] = [:]) throws -> CLIRun {
    var env = environment
    env["GISLOG"] = gislogBinary
    return try gislog(["-c", script], environment: env, executable: "/bin/bash")
}

/// Single-quotes `text` for a shell script.
func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

/// A copy of a sample in a temporary folder, with a state file beside it.
final class SampleCopy {
    let root: String
    var logs: String { root + "/logs" }
    var state: String { root + "/state.json" }
    var serverLog: String {
        logs + "/arcgisserver/logs/GIS-SERVER01.CONTOSO.LOCAL/server/server-20261114.061502-4212-0.0.log"
    }

    init(sample: String = "basic") throws {
        root = NSTemporaryDirectory() + "gislog-robust-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: repositoryRoot + "/Samples/\(sample)", toPath: logs)
    }

    deinit {
        _ = try? gislogScript("chmod -R u+rwX " + quoted(root))
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Appends 12045 failures to the server log at `hour` (a new episode).
    func appendFailures(_ count: Int, hour: Int) throws {
        let handle = try #require(FileHandle(forWritingAtPath: serverLog))
        handle.seekToEndOfFile()
        for index in 0..<count {
            handle.write(Data(failure(hour: hour, minute: index).utf8))
        }
        try handle.close()
    }

    func failure(hour: Int, minute: Int, machine: String = "GIS-SERVER01.CONTOSO.LOCAL", closed: Bool = true) -> String {
        let time = String(format: "2026-11-14T%02d:%02d:00,5", hour, minute)
        return "<Msg time=\"\(time)\" type=\"SEVERE\" code=\"20010\" source=\"Rest\" process=\"1\" thread=\"1\" methodName=\"\" machine=\"\(machine)\" user=\"\" elapsed=\"\" requestID=\"\">The certificate authority is invalid or incorrect (WinINet ERROR_INTERNET_INVALID_CA, 12045), URL = https://gis-portal01.contoso.local:7443/arcgis/sharing/rest/self"
            + (closed ? "</Msg>\n" : "")
    }

    func stateBytes() -> Data? { FileManager.default.contents(atPath: state) }
}

func jsonObject(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "no JSON in: \(text.prefix(300))")
}

func causeIDs(_ json: [String: Any]) -> [String] {
    (json["causes"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
}

func eventTotal(_ json: [String: Any]) -> Int { (json["events"] as? [String: Any])?["total"] as? Int ?? -1 }

func warningList(_ json: [String: Any]) -> [(kind: String, path: String, message: String)] {
    (json["warnings"] as? [[String: Any]] ?? []).map {
        ($0["kind"] as? String ?? "", $0["path"] as? String ?? "", $0["message"] as? String ?? "")
    }
}

/// Whether the machine can make a file unreadable for gislog: as root, by running it without the
/// capabilities that bypass file permissions (`setpriv`); as another user, by `chmod 000` alone.
let canDropFileAccess: Bool = {
    guard geteuid() == 0 else { return true }
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return false }
    let probe = NSTemporaryDirectory() + "gislog-probe-" + UUID().uuidString
    _ = FileManager.default.createFile(atPath: probe, contents: Data("x".utf8))
    defer { try? FileManager.default.removeItem(atPath: probe) }
    chmod(probe, 0)
    let run = try? gislogScript(unprivileged + " cat " + quoted(probe))
    return run.map { $0.status != 0 } ?? false
}()

/// A command prefix that runs the rest without the power to read files whatever their permissions.
let unprivileged: String = geteuid() == 0 ? "/usr/bin/setpriv --bounding-set=-dac_override,-dac_read_search --" : ""

@Suite("Nothing lost, nothing crashes: write failures, options, unreadable logs, cut records, locks", .serialized)
struct RobustnessTests {
    // MARK: - Write failures

    @Test(arguments: ["text", "json", "markdown", "html", "ndjson"])
    func aReportSentToAFullDiskIsExitTwoAndTheStateStays(format: String) throws {
        let copy = try SampleCopy()
        let full = try gislogScript("\"$GISLOG\" scan --timezone UTC --state \(quoted(copy.state)) --format \(format) "
                                    + "\(quoted(copy.logs)) > /dev/full")
        #expect(full.status == 2)
        #expect(full.stderr.contains("cannot write the report to standard output: No space left on device"))
        #expect(full.stderr.contains("the state file \(copy.state) was not advanced"))
        #expect(copy.stateBytes() == nil)
        // Nothing lost: the next run reports what the failed one could not deliver.
        let next = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, "--format", "json", copy.logs])
        #expect(next.status == 1)
        #expect(causeIDs(try jsonObject(next.stdout)).first == "untrusted-ca")
    }

    /// A reader that stops early (`| head`) is a failed write too: exit 2 and the state stays, not a death
    /// by SIGPIPE that a wrapper could mistake for something else.
    @Test func aReaderThatGoesAwayIsExitTwoAndTheStateStays() throws {
        let copy = try SampleCopy()
        let run = try gislogScript("set -o pipefail; \"$GISLOG\" scan --timezone UTC --state \(quoted(copy.state)) "
                                   + "--format ndjson \(quoted(copy.logs)) | head -c 10 > /dev/null; "
                                   + "echo \"status ${PIPESTATUS[0]}\"")
        #expect(run.stdout.contains("status 2"), "\(run.stdout) \(run.stderr)")
        #expect(run.stderr.contains("Broken pipe"), "\(run.stderr)")
        #expect(copy.stateBytes() == nil)
    }

    /// `--output` naming a pipe (or a device such as /dev/null) writes into it: an atomic replace would put
    /// a regular file in its place, and every later write to /dev/null on the machine would fill that file.
    /// Naming a symbolic link replaces the file it points at and leaves the link a link.
    @Test(arguments: ["text", "json", "ndjson"])
    func anOutputThatIsAPipeOrALinkStaysOne(format: String) throws {
        let copy = try SampleCopy()
        let pipe = copy.root + "/out.pipe", received = copy.root + "/received", link = copy.root + "/link",
            real = copy.root + "/real"
        let run = try gislogScript("""
            mkfifo \(quoted(pipe)) && (timeout -s KILL 10 cat \(quoted(pipe)) > \(quoted(received)) 2>&1 < /dev/null &) && \
            "$GISLOG" scan --timezone UTC --format \(format) --output \(quoted(pipe)) \(quoted(copy.logs)); echo "pipe $?"; \
            sleep 0.2; [ -p \(quoted(pipe)) ] && echo "still a pipe"; \
            echo old > \(quoted(real)) && ln -s \(quoted(real)) \(quoted(link)) && \
            "$GISLOG" scan --timezone UTC --format \(format) --output \(quoted(link)) \(quoted(copy.logs)); echo "link $?"; \
            [ -L \(quoted(link)) ] && echo "still a link"
            """)
        #expect(run.stdout.contains("pipe 1") && run.stdout.contains("link 1"), "\(run.stdout) \(run.stderr)")
        #expect(run.stdout.contains("still a pipe") && run.stdout.contains("still a link"), "\(run.stdout)")
        // Without a writer (the pipe replaced) the reader gives up after its timeout, with nothing.
        let sent = (try? String(contentsOfFile: received, encoding: .utf8)) ?? ""
        let replaced = try String(contentsOfFile: real, encoding: .utf8)
        #expect(sent.contains("untrusted-ca") && replaced.contains("untrusted-ca"))
        #expect(sent == replaced, "the pipe got the whole report")
        #expect(try FileManager.default.contentsOfDirectory(atPath: copy.root).allSatisfy { !$0.hasPrefix(".gislog-") })
    }

    @Test func anIncrementalReportSentToAFullDiskIsReportedNextTime() throws {
        let copy = try SampleCopy()
        let first = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, copy.logs])
        #expect(first.status == 1)
        let before = try #require(copy.stateBytes())
        try copy.appendFailures(3, hour: 20)
        let quiet = try gislogScript("\"$GISLOG\" scan --timezone UTC --state \(quoted(copy.state)) --quiet-if-clean "
                                     + "--format markdown \(quoted(copy.logs)) > /dev/full")
        #expect(quiet.status == 2)
        #expect(copy.stateBytes() == before)
        let next = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, "--format", "json", copy.logs])
        #expect(next.status == 1)
        #expect(eventTotal(try jsonObject(next.stdout)) == 3)
    }

    @Test func aFeedCutOffByAFileSizeLimitIsExitTwo() throws {
        let copy = try SampleCopy()
        let feed = copy.root + "/events.ndjson"
        let run = try gislogScript("ulimit -f 8; \"$GISLOG\" scan --timezone UTC --format ndjson \(quoted(copy.logs)) >> \(quoted(feed))")
        #expect(run.status == 2)
        #expect(run.stderr.contains("cannot write the report to standard output: File too large"))
        let written = try #require(FileManager.default.contents(atPath: feed))
        #expect(written.count == 8192)
        #expect(written.last != UInt8(ascii: "\n"))  // a partial line: the wrapper must be told
    }

    @Test func anOutputFileOnAFullDiskIsExitTwoAndLeavesNothingBehind() throws {
        let copy = try SampleCopy()
        let out = copy.root + "/out/report.html"
        try FileManager.default.createDirectory(atPath: copy.root + "/out", withIntermediateDirectories: true)
        let run = try gislogScript("ulimit -f 4; \"$GISLOG\" scan --timezone UTC --state \(quoted(copy.state)) --format html "
                                   + "--output \(quoted(out)) \(quoted(copy.logs))")
        #expect(run.status == 2)
        #expect(run.stderr.contains("--output: cannot write"))
        #expect(run.stderr.contains("File too large"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: copy.root + "/out").isEmpty)
        #expect(copy.stateBytes() == nil)
    }

    @Test func aStateFileThatCannotBeSavedIsExitTwoAndTheOldStateStays() throws {
        let copy = try SampleCopy()
        _ = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, copy.logs])
        let before = try #require(copy.stateBytes())
        try copy.appendFailures(2, hour: 21)
        // The report goes to a pipe (no size limit); the state file is larger than the limit.
        let run = try gislogScript("ulimit -f 1; \"$GISLOG\" scan --timezone UTC --state \(quoted(copy.state)) "
                                   + "--format json \(quoted(copy.logs))")
        #expect(run.status == 2)
        #expect(run.stderr.contains("cannot save the state file \(copy.state)"))
        #expect(run.stderr.contains("File too large"))
        #expect(eventTotal(try jsonObject(run.stdout)) == 2)
        #expect(copy.stateBytes() == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: copy.root).filter { $0.hasPrefix(".gislog-") }.isEmpty)
        // At least once: the next run reads the same again.
        let next = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, "--format", "json", copy.logs])
        #expect(eventTotal(try jsonObject(next.stdout)) == 2)
    }

    @Test func otherCommandsCheckTheirOutputToo() throws {
        for command in ["\"$GISLOG\" rules list", "\"$GISLOG\" rules check", "\"$GISLOG\" --help", "\"$GISLOG\" scan --help"] {
            let run = try gislogScript(command + " > /dev/full")
            #expect(run.status == 2, "\(command)")
            #expect(run.stderr.contains("No space left on device"), "\(command)")
        }
    }

    // MARK: - Absurd option values

    static let absurdValues = ["-1", "1e20h", "184467440737095516160m", "1e400", "nan", "inf", "-inf",
                               "99999999999999999999", "-9223372036854775808", "", "abc", "0x10", "1h1h", "∞"]

    static let numericOptions: [(command: [String], option: String, extra: [String])] = [
        (["scan"], "--restart-window", []), (["scan"], "--fade-window", []), (["scan"], "--lookback", []),
        (["scan"], "--token-window", []), (["scan"], "--episode-gap", []), (["scan"], "--burst-gap", []),
        (["scan"], "--min-confidence", []), (["scan"], "--max-record-size", []), (["scan"], "--max-decompressed", []),
        (["scan"], "--jobs", []), (["scan"], "--since", []), (["scan"], "--until", []),
        (["scan"], "--wait-lock", ["--state", "STATE"]), (["scan"], "--settle", ["--state", "STATE"]),
        (["fetch"], "--page-size", ["--server", "https://127.0.0.1:9/arcgis", "--token", "t", "--out", "OUT"]),
        (["fetch"], "--since", ["--server", "https://127.0.0.1:9/arcgis", "--token", "t", "--out", "OUT"]),
        (["debug", "read"], "--jobs", []),
    ]

    @Test(arguments: numericOptions.indices)
    func absurdValuesAreExitTwoWithTheOptionNamed(index: Int) throws {
        let (command, option, extra) = Self.numericOptions[index]
        let scratch = NSTemporaryDirectory() + "gislog-absurd-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let fixed = extra.map { $0 == "STATE" ? scratch + "/state" : $0 == "OUT" ? scratch + "/out" : $0 }
        let paths = command == ["fetch"] ? [] : ["Samples/basic"]
        for value in Self.absurdValues {
            let zone = command == ["scan"] ? ["--timezone=UTC"] : []
            // `--opt=` with nothing after it would take the next argument as its value.
            let given = value.isEmpty ? [option, value] : ["\(option)=\(value)"]
            let run = try gislog(command + zone + fixed + given + paths)
            #expect(run.status == 2, "\(command) \(option)=\(value): exit \(run.status), \(run.stderr)")
            #expect(run.stderr.contains(option) || run.stderr.contains("'\(value)'") || run.stderr.contains("\(option.dropFirst(2))"),
                    "\(command) \(option)=\(value): \(run.stderr)")
            #expect(run.stdout.isEmpty)
        }
    }

    @Test func rangesAreStatedInTheMessage() throws {
        let lookback = try gislog(["scan", "--lookback", "1e20h", "Samples/basic"])
        #expect(lookback.status == 2)
        #expect(lookback.stderr.contains("--lookback: '1e20h' is out of range; give a duration from 0 to 30d"))
        let window = try gislog(["scan", "--restart-window", "184467440737095516160m", "Samples/basic"])
        #expect(window.stderr.contains("--restart-window: '184467440737095516160m' is out of range"))
        let jobs = try gislog(["scan", "--jobs", "100000", "Samples/basic"])
        #expect(jobs.stderr.contains("--jobs: 100000 is out of range; give a number from 1 to 1024"))
        let size = try gislog(["scan", "--max-decompressed", "0", "Samples/basic"])
        #expect(size.stderr.contains("--max-decompressed: '0' is out of range; give a size from 1 to 1048576T"))
        let record = try gislog(["scan", "--max-record-size", "100", "Samples/basic"])
        #expect(record.stderr.contains("--max-record-size: 100 is out of range; give a number from 1024 to 1073741824"))
        let since = try gislog(["scan", "--since", "1e20h", "Samples/basic"])
        #expect(since.stderr.contains("reaches back more than 100 years"))
        let lock = try gislog(["scan", "--wait-lock", "5m", "Samples/basic"])
        #expect(lock.stderr.contains("--wait-lock applies only with --state"))
        // Values in range still work.
        let fine = try gislog(["scan", "--timezone", "UTC", "--lookback", "30d", "--burst-gap", "0", "--jobs", "1024",
                               "--max-decompressed", "1G", "--min-confidence", "0", "Samples/basic"])
        #expect(fine.status == 1)
    }

    // MARK: - Unreadable logs

    @Test func noReadableLogFileIsExitTwoWhateverTheFlags() throws {
        guard canDropFileAccess else {
            print("skipped: cannot make files unreadable here (root without setpriv)")
            return
        }
        let copy = try SampleCopy()
        let files = try FileManager.default.subpathsOfDirectory(atPath: copy.logs).filter { $0.hasSuffix(".log") || $0.hasSuffix(".gz") }
        #expect(files.count == 3)
        for file in files { chmod(copy.logs + "/" + file, 0o000) }
        for flags in [[], ["--quiet-if-clean"], ["--quiet-if-clean", "--state", copy.state, "--format", "ndjson"],
                      ["--format", "json", "--output", copy.root + "/report.json"]] {
            let run = try gislogScript(unprivileged + " \"$GISLOG\" scan --timezone UTC "
                                       + flags.map(quoted).joined(separator: " ") + " " + quoted(copy.logs))
            #expect(run.status == 2, "\(flags)")
            #expect(run.stdout.isEmpty, "\(flags)")
            #expect(run.stderr.contains("no readable log file"), "\(flags)")
            for file in files { #expect(run.stderr.contains(copy.logs + "/" + file + ": cannot open: Permission denied"), "\(flags)") }
            #expect(run.stderr.contains("run gislog as a user who can read"))
        }
        #expect(copy.stateBytes() == nil)
        #expect(!FileManager.default.fileExists(atPath: copy.root + "/report.json"))
    }

    @Test func someUnreadableFilesAreAWarningEachAndTheScanGoesOn() throws {
        guard canDropFileAccess else {
            print("skipped: cannot make files unreadable here (root without setpriv)")
            return
        }
        let copy = try SampleCopy()
        let portal = try #require(try FileManager.default.subpathsOfDirectory(atPath: copy.logs).first { $0.hasSuffix("portal-20261114.060000.log") })
        chmod(copy.logs + "/" + portal, 0o000)
        let run = try gislogScript(unprivileged + " \"$GISLOG\" scan --timezone UTC --format json --quiet-if-clean " + quoted(copy.logs))
        #expect(run.status == 1)
        #expect(run.stderr.contains("gislog: warning: \(copy.logs)/\(portal): cannot open: Permission denied"))
        #expect(run.stderr.contains("1 log file(s) or folder(s) could not be read; the others were scanned"))
        let json = try jsonObject(run.stdout)
        #expect(causeIDs(json).contains("untrusted-ca"))
        #expect(warningList(json).contains { $0.kind == "unreadable" && $0.path.hasSuffix(portal) })
    }

    // MARK: - Records cut off by a crash

    @Test func aRecordCutByACrashIsReportedOnceWithState() throws {
        let copy = try SampleCopy()
        let folder = copy.logs + "/crashed/logs/GIS-SERVER09.CONTOSO.LOCAL/server"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let log = folder + "/server-20261114.220000-77-0.0.log"
        let cut = copy.failure(hour: 22, minute: 1, machine: "GIS-SERVER09.CONTOSO.LOCAL", closed: false)
        try Data((copy.failure(hour: 22, minute: 0, machine: "GIS-SERVER09.CONTOSO.LOCAL") + cut).utf8)
            .write(to: URL(fileURLWithPath: log))
        func scan() throws -> [String: Any] {
            let run = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, "--format", "json", copy.logs])
            #expect(run.status <= 1, "\(run.stderr)")
            return try jsonObject(run.stdout)
        }
        func failures(_ json: [String: Any]) -> Int {
            ((json["events"] as? [String: Any])?["by_rule"] as? [[String: Any]] ?? [])
                .filter { $0["rule"] as? String == "wininet-invalid-ca" }.compactMap { $0["count"] as? Int }.reduce(0, +)
        }
        // Just written: the cut record may still be finished; it waits.
        let first = try scan()
        #expect(failures(first) == 14 + 1)
        // Untouched for two days: read as it is, with a warning, once.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -2 * 86_400)], ofItemAtPath: log)
        let second = try scan()
        #expect(failures(second) == 1)
        #expect(warningList(second).contains { $0.kind == "unterminated_record" && $0.path == log && $0.message.contains("read as it is") })
        let third = try scan()
        #expect(failures(third) == 0)
        // ArcGIS did finish it after all, and wrote one more: only the new one is read.
        let handle = try #require(FileHandle(forWritingAtPath: log))
        handle.seekToEndOfFile()
        handle.write(Data(("</Msg>\n" + copy.failure(hour: 22, minute: 9, machine: "GIS-SERVER09.CONTOSO.LOCAL")).utf8))
        try handle.close()
        let fourth = try scan()
        #expect(failures(fourth) == 1)
        #expect(!warningList(fourth).contains { $0.kind == "unparsed_text" })
    }

    @Test func aNewerLogSettlesACutRecordAndTheFeedFlagsIt() throws {
        let copy = try SampleCopy()
        let folder = copy.logs + "/crashed/logs/GIS-SERVER09.CONTOSO.LOCAL/server"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let old = folder + "/server-20261114.220000-77-0.0.log"
        try Data(copy.failure(hour: 22, minute: 1, machine: "GIS-SERVER09.CONTOSO.LOCAL", closed: false).utf8)
            .write(to: URL(fileURLWithPath: old))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -120)], ofItemAtPath: old)
        _ = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, copy.logs])
        // ArcGIS started again: a new file beside the old one.
        try Data(copy.failure(hour: 23, minute: 0, machine: "GIS-SERVER09.CONTOSO.LOCAL").utf8)
            .write(to: URL(fileURLWithPath: folder + "/server-20261114.230000-78-0.0.log"))
        let run = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, "--format", "ndjson", copy.logs])
        let lines = run.stdout.split(separator: "\n").map { try? jsonObject(String($0)) }.compactMap { $0 }
        let events = lines.filter { ($0["event"] as? [String: Any])?["kind"] as? String == "event" }
        #expect(events.count == 2)
        let cut = try #require(events.first { ($0["log"] as? [String: Any]).flatMap { $0["file"] as? [String: Any] }?["path"] as? String == old })
        #expect(cut["tags"] as? [String] == ["unterminated"])
        #expect(events.filter { $0["tags"] != nil }.count == 1)
        let feed = copy.root + "/feed.ndjson"
        try run.stdout.write(toFile: feed, atomically: true, encoding: .utf8)
        let valid = try gislogScript("python3 " + quoted(repositoryRoot + "/scripts/validate-ndjson") + " < " + quoted(feed))
        #expect(valid.status == 0, "\(valid.stdout)")
    }

    // MARK: - Incremental reports

    @Test func aCauseReportedAgainCountsOnlyTheNewFailures() throws {
        let copy = try SampleCopy()
        _ = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, copy.logs])
        // A new episode the same evening: yesterday's failures are context for it, not news.
        try copy.appendFailures(3, hour: 20)
        let run = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, "--format", "json", copy.logs])
        #expect(run.status == 1)
        let cause = try #require((try jsonObject(run.stdout)["causes"] as? [[String: Any]])?.first)
        #expect(cause["id"] as? String == "untrusted-ca")
        #expect(cause["events"] as? Int == 3)
        #expect((cause["first_seen"] as? String)?.hasPrefix("2026-11-14T20:00:00") == true)
    }

    // MARK: - One run per state file

    @Test func aHeldStateFileStopsARunAtOnceNamingTheHolder() throws {
        let copy = try SampleCopy()
        let lock = open(copy.state + ".lock", O_RDWR | O_CREAT, 0o644)
        try #require(lock >= 0)
        defer { close(lock) }
        try #require(flock(lock, LOCK_EX) == 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(lock, $0, strlen($0)) }
        let started = Date()
        let refused = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, copy.logs])
        #expect(refused.status == 2)
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(refused.stderr.contains("the state file \(copy.state) is in use by another gislog (pid \(getpid()))"))
        #expect(refused.stdout.isEmpty)
        #expect(copy.stateBytes() == nil)
        let timedOut = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, "--wait-lock", "300ms", copy.logs])
        #expect(timedOut.status == 2)
        #expect(timedOut.stderr.contains("did not finish within"))
        // Released while the next run waits: it goes ahead.
        let release = Thread {
            Thread.sleep(forTimeInterval: 0.5)
            flock(lock, LOCK_UN)
        }
        release.start()
        let waited = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, "--wait-lock", "30s", "--format", "json", copy.logs])
        #expect(waited.status == 1)
        #expect(causeIDs(try jsonObject(waited.stdout)).first == "untrusted-ca")
    }

    @Test func twoOverlappingRunsReportEachIncidentOnce() throws {
        let copy = try SampleCopy()
        // The first run is stopped while it holds the lock; the second comes and must not go ahead.
        let (first, firstOutput) = try stoppedWhileHoldingTheLock(copy)
        let second = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, "--format", "json", copy.logs])
        kill(first.processIdentifier, SIGCONT)
        first.waitUntilExit()
        #expect(second.status == 2)
        #expect(second.stderr.contains("in use by another gislog (pid \(first.processIdentifier))"))
        #expect(second.stdout.isEmpty)
        #expect(first.terminationStatus == 1)
        let report = try jsonObject(String(decoding: firstOutput.wait(), as: UTF8.self))
        #expect(causeIDs(report).first == "untrusted-ca")
        // And after both: nothing left to report, nothing reported twice.
        let third = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, "--format", "json", copy.logs])
        #expect(third.status == 0)
        #expect(causeIDs(try jsonObject(third.stdout)).isEmpty)
    }

    @Test func whatAKilledSaveLeftBehindIsRemovedByTheNextRun() throws {
        let copy = try SampleCopy()
        let leftover = copy.root + "/.gislog-state.json-Ab12Cd"
        let other = copy.root + "/.gislog-report.html-Ab12Cd"
        for path in [leftover, other] { #expect(FileManager.default.createFile(atPath: path, contents: Data("{\"gislog_state\":1,".utf8))) }
        let run = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, copy.logs])
        #expect(run.status == 1)
        #expect(!FileManager.default.fileExists(atPath: leftover))
        // Another target's temporary file may belong to a run writing it now: it stays.
        #expect(FileManager.default.fileExists(atPath: other))
        #expect(try FileManager.default.contentsOfDirectory(atPath: copy.root).filter { $0.hasPrefix(".gislog-state.json-") }.isEmpty)
    }

    @Test func aKilledRunDoesNotBlockTheNext() throws {
        let copy = try SampleCopy()
        let (victim, _) = try stoppedWhileHoldingTheLock(copy)
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        let next = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, "--format", "json", copy.logs])
        #expect(next.status == 1)
        #expect(causeIDs(try jsonObject(next.stdout)).first == "untrusted-ca")
    }
}

/// Starts `gislog scan --state` on `copy` and stops it (SIGSTOP) as soon as it holds the state file's lock;
/// tries again (up to ten times) when the run was over before it could be stopped.
private func stoppedWhileHoldingTheLock(_ copy: SampleCopy) throws -> (Process, PendingRead) {
    for _ in 0..<10 {
        try? FileManager.default.removeItem(atPath: copy.state + ".lock")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gislogBinary)
        process.arguments = ["scan", "--timezone", "UTC", "--state", copy.state, "--format", "json", copy.logs]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        let output = Thread.detachedRead(out)
        try process.run()
        let pid = process.processIdentifier
        _ = waitUntil { (try? String(contentsOfFile: copy.state + ".lock", encoding: .utf8)) == "\(pid)\n" }
        kill(pid, SIGSTOP)
        // Stopped ('T' in /proc/PID/stat; a signal takes a moment to land), not finished: it holds the lock.
        func state() -> Character? {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            guard let close = stat.lastIndex(of: ")"), stat.distance(from: close, to: stat.endIndex) > 2 else { return nil }
            return stat[stat.index(close, offsetBy: 2)]
        }
        _ = waitUntil(seconds: 2) { state() != "R" && state() != "S" && state() != "D" }
        if state() == "T", copy.stateBytes() == nil {
            return (process, output)
        }
        kill(pid, SIGCONT)
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: copy.state)
    }
    throw CancellationError()
}

/// Polls `condition` every millisecond for up to `seconds`.
func waitUntil(seconds: Double = 20, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(1000)
    }
    return condition()
}
