import Foundation
import Testing

/// SplitMix64: a small seeded generator, so a failing run can be replayed with its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private let machine = "GIS-SERVER01.CONTOSO.LOCAL"

private func record(day: Int, hour: Int, minute: Int, second: Int = 0, type: String, code: Int, text: String,
                    closed: Bool = true) -> String {
    let time = String(format: "2026-11-%02dT%02d:%02d:%02d,%d", day, hour, minute, second, 100 + minute)
    return "<Msg time=\"\(time)\" type=\"\(type)\" code=\"\(code)\" source=\"Rest\" process=\"4212\" thread=\"1\" methodName=\"\" machine=\"\(machine)\" user=\"\" elapsed=\"\" requestID=\"\">\(text)"
        + (closed ? "</Msg>\n" : "")
}

private func failure(day: Int, minute: Int, closed: Bool = true) -> String {
    record(day: day, hour: 10, minute: minute, type: "SEVERE", code: 20010,
           text: "The certificate authority is invalid or incorrect (WinINet ERROR_INTERNET_INVALID_CA, 12045), URL = https://gis-portal01.contoso.local:7443/arcgis/sharing/rest/self",
           closed: closed)
}

private func noise(day: Int, count: Int) -> String {
    (0..<count).map { index in
        record(day: day, hour: 8 + index % 2, minute: index % 60, second: index % 50, type: "INFO", code: 9029,
               text: "Request user: Anonymous user, Service: SampleWorldCities/MapServer, request \(day)-\(index)")
    }.joined()
}

/// A server logs folder that grows, restarts, crashes and is compressed between runs, as ArcGIS and
/// logrotate would leave it.
private final class GrowingTree {
    let root: String
    var logs: String { root + "/logs" }
    var folder: String { logs + "/arcgisserver/logs/\(machine)/server" }
    var state: String { root + "/state.json" }
    /// The file ArcGIS writes now.
    private(set) var current: String
    private var serial = 0

    init() throws {
        root = NSTemporaryDirectory() + "gislog-faults-" + UUID().uuidString
        current = ""
        try FileManager.default.createDirectory(atPath: root + "/logs/arcgisserver/logs/\(machine)/server",
                                                withIntermediateDirectories: true)
        current = try newFile(day: 1)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    private func newFile(day: Int) throws -> String {
        serial += 1
        let path = folder + String(format: "/server-202611%02d.0%05d-%d-0.0.log", day, serial, 4000 + serial)
        try Data(noise(day: day, count: 3).utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func append(_ text: String, to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
        try handle.close()
    }

    /// One day of logs: noise and a burst of failures (an episode of its own); then, at random, a restart
    /// (a new file), a crash (a record cut off, then a new file), or an old file gzipped. Returns what
    /// happened, for the failure message.
    func grow(day: Int, using generator: inout SeededGenerator) throws -> String {
        var done = ["day \(day)"]
        try append(noise(day: day, count: 20) + (0..<4).map { failure(day: day, minute: $0) }.joined()
                   + noise(day: day, count: 5), to: current)
        switch generator.next() % 6 {
        case 0:
            current = try newFile(day: day)
            done.append("restart")
        case 1:
            // ArcGIS stopped mid-record; it started again a few minutes later with a new file.
            try append(failure(day: day, minute: 30, closed: false), to: current)
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -300)], ofItemAtPath: current)
            current = try newFile(day: day)
            done.append("crash")
        default:
            break
        }
        if generator.next() % 4 == 0 {
            let old = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
                .filter { $0.hasSuffix(".log") && folder + "/" + $0 != current }
            if let name = old.first {
                let gzip = Process()
                gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
                gzip.arguments = ["-n", folder + "/" + name]
                try gzip.run()
                gzip.waitUntilExit()
                done.append("gzip \(name)")
            }
        }
        return done.joined(separator: ", ")
    }
}

/// An event of the feed, by what does not change when its file is renamed or gzipped.
private func eventKey(_ object: [String: Any]) -> String {
    let rule = (object["rule"] as? [String: Any])?["id"] as? String ?? "?"
    let offset = (object["log"] as? [String: Any])?["offset"] as? Int ?? -1
    let host = (object["host"] as? [String: Any])?["name"] as? String ?? "?"
    return "\(host) \(object["@timestamp"] as? String ?? "-") \(rule) @\(offset) \(object["message"] as? String ?? "")"
}

private struct Feed {
    var events: [String] = []
    /// Causes: (cause id, start, end).
    var causes: [(id: String, start: String, end: String)] = []

    init(_ ndjson: String) throws {
        for line in ndjson.split(separator: "\n") {
            let object = try jsonObject(String(line))
            let event = object["event"] as? [String: Any] ?? [:]
            switch event["kind"] as? String {
            case "event": events.append(eventKey(object))
            case "alert":
                if let cause = (object["gislog"] as? [String: Any])?["cause"] as? [String: Any], let id = cause["id"] as? String {
                    causes.append((id, event["start"] as? String ?? "", event["end"] as? String ?? ""))
                }
            default: break
            }
        }
    }
}

/// Runs gislog, killing it with SIGKILL after `delay` seconds if it is still running.
private func runKilling(_ arguments: [String], after delay: Double?) throws -> (status: Int32, killed: Bool, stdout: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: gislogBinary)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    process.environment = env
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    let output = Thread.detachedRead(out)
    try process.run()
    if let delay {
        Thread.sleep(forTimeInterval: delay)
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
    process.waitUntilExit()
    let killed = process.terminationReason == .uncaughtSignal
    return (process.terminationStatus, killed, String(decoding: output.wait(), as: UTF8.self))
}

/// Starts gislog and returns once it has `path` open (seen in /proc/PID/fd), so that a test can change the
/// files around it while it reads.
private func startReading(_ path: String, arguments: [String], prefix: [String] = []) throws -> (Process, PendingRead, PendingRead) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: prefix.isEmpty ? gislogBinary : prefix[0])
    process.arguments = Array(prefix.dropFirst()) + (prefix.isEmpty ? [] : [gislogBinary]) + arguments
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let stdout = Thread.detachedRead(out), stderr = Thread.detachedRead(err)
    try process.run()
    let pid = process.processIdentifier
    let opened = waitUntil {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        return fds.contains { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) == path }
    }
    #expect(opened, "gislog never opened \(path)")
    return (process, stdout, stderr)
}

/// A folder with one big log read first (`--jobs 1` reads files in name order) and small ones after it:
/// while gislog reads the big one, a test changes the others.
private final class MidRunTree {
    let root: String
    var folder: String { root + "/logs/arcgisserver/logs/\(machine)/server" }
    var big: String { folder + "/a-big.log" }
    func victim(_ n: Int) -> String { folder + "/b-victim-\(n).log" }

    init() throws {
        root = NSTemporaryDirectory() + "gislog-midrun-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: big, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: big))
        handle.write(Data(failure(day: 1, minute: 0).utf8))
        let chunk = Data(noise(day: 1, count: 300).utf8)
        // About 30 MB: long enough to read that the test can act while gislog is inside it.
        for _ in 0..<(30_000_000 / chunk.count) { handle.write(chunk) }
        try handle.close()
        for n in 1...2 { try Data((noise(day: 2, count: 3) + failure(day: 2, minute: n)).utf8).write(to: URL(fileURLWithPath: victim(n))) }
    }

    deinit {
        chmod(victim(1), 0o644)
        try? FileManager.default.removeItem(atPath: root)
    }
}

@Suite("Fault injection: kills, full disks, files changing under a scan, clocks", .serialized)
struct FaultInjectionTests {
    /// Twenty nightly runs with --state over a tree that grows, restarts, crashes and is gzipped between
    /// runs; each run is killed with SIGKILL at a random moment (seeded: GISLOG_FAULT_SEED replays one).
    /// What the completed runs reported, taken together, must be what one clean run over the final tree
    /// reports: every event once, nothing lost, nothing doubled, and every episode's cause once.
    @Test func twentyKilledRunsLoseNothingAndDoubleNothing() throws {
        let seed = ProcessInfo.processInfo.environment["GISLOG_FAULT_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 1...UInt64(Int64.max))
        var generator = SeededGenerator(seed: seed)
        let tree = try GrowingTree()
        let arguments = ["scan", "--timezone", "UTC", "--format", "ndjson", "--state", tree.state]
        // How long a run takes here, so that the kills land anywhere in a run, not all after it.
        // The quickest of three runs: one slowed by a busy machine would make the kills come too late.
        var durations = try (0..<3).map { _ in
            let started = Date()
            _ = try runKilling(["scan", "--timezone", "UTC", "--format", "ndjson", tree.logs], after: nil)
            return Date().timeIntervalSince(started)
        }
        var delivered: [String] = []
        var causes: [(run: Int, id: String, start: String, end: String)] = []
        var history: [String] = ["seed \(seed) (replay with GISLOG_FAULT_SEED=\(seed))"]
        var kills = 0
        for day in 1...21 {
            var step = day <= 20 ? try tree.grow(day: day, using: &generator) : "final run, not killed"
            let before = FileManager.default.contents(atPath: tree.state)
            // Anywhere in twice the median run: runs grow with the tree and with the machine's load, and
            // the median of the last runs that finished follows them without a slow one throwing it off.
            let median = durations.suffix(5).sorted()[durations.suffix(5).count / 2]
            var delay = day <= 20 ? Double(generator.next() % 1000) / 1000 * median * 1.5 : nil
            // Should the machine's pace have changed so that few runs were killed, the last ones are
            // killed early, so that every run of the test kills at least three.
            if day <= 20, 3 - kills >= 21 - day { delay = 0.001 }
            let started = Date()
            let run = try runKilling(arguments + [tree.logs], after: delay)
            if !run.killed { durations.append(Date().timeIntervalSince(started)) }
            let committed = FileManager.default.contents(atPath: tree.state) != before
            if run.killed { kills += 1 }
            step += run.killed ? ", killed after \(Int((delay ?? 0) * 1000)) ms" : ", exit \(run.status)"
            #expect(run.killed || run.status <= 1, "\(history.joined(separator: "\n"))\n\(step)")
            // A run's report counts when the run finished, or when it was killed after saving its state
            // (then its report was out in full before, and the next run will not repeat it).
            if !run.killed || committed {
                let feed = try Feed(run.stdout)
                delivered += feed.events
                causes += feed.causes.map { (day, $0.id, $0.start, $0.end) }
                step += ": \(feed.events.count) events, \(feed.causes.count) causes"
            } else {
                step += ": not delivered"
            }
            history.append(step)
        }
        let clean = try Feed(try runKilling(["scan", "--timezone", "UTC", "--format", "ndjson", tree.logs], after: nil).stdout)
        let story = history.joined(separator: "\n")
        // Four failures a day, and the one cut off by each crash.
        #expect(clean.events.count == 20 * 4 + history.filter { $0.contains("crash") }.count, "\(story)")
        #expect(delivered.sorted() == clean.events.sorted(), "\(story)")
        #expect(Set(delivered).count == delivered.count, "an event was reported twice\n\(story)")
        // Causes: each day's failures explained by a delivered cause of the same id as in the clean run,
        // and no two delivered causes of one id over the same failures.
        #expect(Set(causes.map(\.id)) == Set(clean.causes.map(\.id)), "\(story)")
        for id in Set(causes.map(\.id)) {
            let spans = causes.filter { $0.id == id }.sorted { $0.start < $1.start }
            for (a, b) in zip(spans, spans.dropFirst()) {
                #expect(a.end < b.start, "\(id) reported twice over the same failures (runs \(a.run) and \(b.run))\n\(story)\n\(causes)")
            }
        }
        let failureDays = Set(clean.events.filter { $0.contains("wininet-invalid-ca") }.map { String($0.split(separator: " ")[1].prefix(10)) })
        let coveredDays = Set(causes.filter { $0.id == "untrusted-ca" }.flatMap { span -> [String] in
            failureDays.filter { $0 >= String(span.start.prefix(10)) && $0 <= String(span.end.prefix(10)) }
        })
        #expect(coveredDays == failureDays, "\(story)")
        #expect(kills >= 3, "too few runs were killed to test anything (\(kills))\n\(story)")
        // A run killed while saving leaves a temporary file; the next run removes it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: tree.root).filter { $0.hasPrefix(".gislog-") }.isEmpty)
        print("fault injection: seed \(seed), \(kills) of 20 runs killed, \(delivered.count) events delivered once each")
    }

    // MARK: - Full disks

    /// A small tmpfs, where this machine lets the tests mount one (root with CAP_SYS_ADMIN); nil otherwise.
    private func smallDisk(kilobytes: Int) throws -> String? {
        let mountPoint = NSTemporaryDirectory() + "gislog-tmpfs-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let run = try gislogScript("mount -t tmpfs -o size=\(kilobytes)k gislog-test \(quoted(mountPoint)) 2>&1")
        if run.status != 0 {
            try? FileManager.default.removeItem(atPath: mountPoint)
            return nil
        }
        return mountPoint
    }

    private func unmount(_ mountPoint: String) {
        _ = try? gislogScript("umount \(quoted(mountPoint)) || umount -l \(quoted(mountPoint))")
        try? FileManager.default.removeItem(atPath: mountPoint)
    }

    /// Fills a file system up to `leave` bytes free.
    private func fill(_ mountPoint: String, leaving leave: Int) throws {
        _ = try gislogScript("dd if=/dev/zero of=\(quoted(mountPoint + "/filler")) bs=1k count=100000 2>/dev/null; "
                             + "truncate -s -\(leave) \(quoted(mountPoint + "/filler")) 2>/dev/null || true")
    }

    @Test func aFullDiskForTheOutputAndForTheStateFile() throws {
        guard let disk = try smallDisk(kilobytes: 256) else {
            // The same failures are tested everywhere with a file-size limit (RobustnessTests).
            print("skipped: cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN); ulimit -f stands in for it in RobustnessTests")
            return
        }
        defer { unmount(disk) }
        let copy = try SampleCopy()
        // --output on the full disk: exit 2, nothing left behind, the state not advanced.
        try fill(disk, leaving: 2048)
        let report = disk + "/report.html"
        let output = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, "--format", "html", "--output", report, copy.logs])
        #expect(output.status == 2)
        #expect(output.stderr.contains("No space left on device"))
        #expect(!FileManager.default.fileExists(atPath: report))
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk).filter { $0.hasPrefix(".gislog-") }.isEmpty)
        #expect(copy.stateBytes() == nil)
        // The state file on the full disk: exit 2, the old state kept, the report still out.
        try FileManager.default.removeItem(atPath: disk + "/filler")
        let state = disk + "/site.state"
        let first = try gislog(["scan", "--timezone", "UTC", "--state", state, copy.logs])
        #expect(first.status == 1)
        let saved = try #require(FileManager.default.contents(atPath: state))
        try copy.appendFailures(3, hour: 22)
        try fill(disk, leaving: 1024)
        let second = try gislog(["scan", "--timezone", "UTC", "--state", state, "--format", "json", copy.logs])
        #expect(second.status == 2)
        #expect(second.stderr.contains("cannot save the state file \(state)"))
        #expect(second.stderr.contains("No space left on device"))
        #expect(eventTotal(try jsonObject(second.stdout)) == 3)
        #expect(FileManager.default.contents(atPath: state) == saved)
        // Room again: the next run reads those three again (at least once, never lost).
        try FileManager.default.removeItem(atPath: disk + "/filler")
        let third = try gislog(["scan", "--timezone", "UTC", "--state", state, "--format", "json", copy.logs])
        #expect(third.status == 1)
        #expect(eventTotal(try jsonObject(third.stdout)) == 3)
    }

    @Test func aFullStdout() throws {
        // /dev/full refuses the first byte; a file-size limit refuses one in the middle of the feed.
        let copy = try SampleCopy()
        let full = try gislogScript("\"$GISLOG\" scan --timezone UTC --format ndjson --state \(quoted(copy.state)) "
                                    + "\(quoted(copy.logs)) > /dev/full")
        #expect(full.status == 2)
        #expect(copy.stateBytes() == nil)
        let feed = copy.root + "/events.ndjson"
        let partial = try gislogScript("ulimit -f 16; \"$GISLOG\" scan --timezone UTC --format ndjson --state \(quoted(copy.state)) "
                                       + "\(quoted(copy.logs)) >> \(quoted(feed))")
        #expect(partial.status == 2)
        // With --state the feed waits in a temporary file until the run is done (so that an appended feed never
        // ends in a cut line); the limit stops it there, and stdout gets at most what fits.
        #expect((FileManager.default.contents(atPath: feed)?.count ?? 0) <= 16 * 1024)
        #expect(copy.stateBytes() == nil)
    }

    // MARK: - Files that change under a scan

    @Test func aLogReplacedByADirectory() throws {
        // Before the run: the folder is walked like any other.
        let tree = try MidRunTree()
        try FileManager.default.removeItem(atPath: tree.victim(2))
        try FileManager.default.createDirectory(atPath: tree.victim(2), withIntermediateDirectories: false)
        try Data(failure(day: 3, minute: 0).utf8).write(to: URL(fileURLWithPath: tree.victim(2) + "/inner.log"))
        // During the run: found as a file, a folder by the time it is opened.
        let (process, stdout, stderr) = try startReading(tree.big, arguments: ["scan", "--timezone", "UTC", "--jobs", "1", "--format", "json", tree.root + "/logs"])
        try FileManager.default.removeItem(atPath: tree.victim(1))
        try FileManager.default.createDirectory(atPath: tree.victim(1), withIntermediateDirectories: false)
        process.waitUntilExit()
        let json = try jsonObject(String(decoding: stdout.wait(), as: UTF8.self))
        let errors = String(decoding: stderr.wait(), as: UTF8.self)
        #expect(process.terminationStatus == 1)
        #expect(warningList(json).contains { $0.kind == "unreadable" && $0.path == tree.victim(1) && $0.message.contains("Is a directory") })
        #expect(errors.contains("gislog: warning: \(tree.victim(1))"))
        #expect(eventTotal(json) == 2)  // the big file's failure and the one inside the folder
    }

    @Test func aFileDeletedWhileRead() throws {
        let tree = try MidRunTree()
        let (process, stdout, stderr) = try startReading(tree.big, arguments: ["scan", "--timezone", "UTC", "--jobs", "1", "--format", "json", tree.root + "/logs"])
        // The file being read goes away (rotated away): what is open is read to its end. One not yet
        // opened goes away too: a warning, and the scan goes on.
        try FileManager.default.removeItem(atPath: tree.big)
        try FileManager.default.removeItem(atPath: tree.victim(1))
        process.waitUntilExit()
        let json = try jsonObject(String(decoding: stdout.wait(), as: UTF8.self))
        _ = stderr.wait()
        #expect(process.terminationStatus == 1)
        #expect(warningList(json).contains { $0.kind == "unreadable" && $0.path == tree.victim(1) && $0.message.contains("No such file") })
        #expect(eventTotal(json) == 2)  // the deleted big file's failure, read in full, and victim 2's
    }

    @Test func aFileTruncatedWhileRead() throws {
        let tree = try MidRunTree()
        let state = tree.root + "/state.json"
        let (process, stdout, _) = try startReading(tree.big, arguments: ["scan", "--timezone", "UTC", "--jobs", "1", "--format", "json",
                                                                           "--state", state, tree.root + "/logs"])
        // Cut it well behind where gislog is reading (its descriptor's position, from /proc).
        let pid = process.processIdentifier
        func position() -> Int {
            for fd in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            where (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) == tree.big {
                let info = (try? String(contentsOfFile: "/proc/\(pid)/fdinfo/\(fd)", encoding: .utf8)) ?? ""
                let line = info.split(separator: "\n").first { $0.hasPrefix("pos:") } ?? ""
                return Int(line.dropFirst(4).trimmingCharacters(in: .whitespaces)) ?? 0
            }
            return 0
        }
        #expect(waitUntil { position() > 5_000_000 })
        truncate(tree.big, 20_000)
        process.waitUntilExit()
        #expect(process.terminationStatus <= 1)
        _ = try jsonObject(String(decoding: stdout.wait(), as: UTF8.self))
        // The next run sees a file shorter than where the last one stopped: read again from the start.
        let next = try gislog(["scan", "--timezone", "UTC", "--format", "json", "--state", state, tree.root + "/logs"])
        #expect(next.status <= 1)
        #expect(warningList(try jsonObject(next.stdout)).contains { $0.kind == "file_changed" && $0.path == tree.big })
    }

    @Test func permissionsChangedMidRun() throws {
        guard canDropFileAccess else {
            print("skipped: cannot make files unreadable here (root without setpriv)")
            return
        }
        let tree = try MidRunTree()
        let prefix = unprivileged.split(separator: " ").map(String.init)
        let (process, stdout, stderr) = try startReading(tree.big, arguments: ["scan", "--timezone", "UTC", "--jobs", "1", "--format", "json",
                                                                                "--quiet-if-clean", tree.root + "/logs"], prefix: prefix)
        chmod(tree.victim(1), 0o000)
        process.waitUntilExit()
        let json = try jsonObject(String(decoding: stdout.wait(), as: UTF8.self))
        let errors = String(decoding: stderr.wait(), as: UTF8.self)
        #expect(process.terminationStatus == 1)
        #expect(errors.contains("gislog: warning: \(tree.victim(1)): cannot open: Permission denied"))
        #expect(warningList(json).contains { $0.kind == "unreadable" && $0.path == tree.victim(1) })
        #expect(eventTotal(json) == 2)
    }

    // MARK: - Clocks

    @Test func theMachinesClockBehindTheLogs() throws {
        // The machine thinks it is 2020; the logs are from 2026.
        let copy = try SampleCopy()
        let behind = ["GISLOG_NOW": "2020-01-01T00:00:00Z"]
        let first = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, "--format", "json", copy.logs], environment: behind)
        #expect(first.status == 1)
        #expect(eventTotal(try jsonObject(first.stdout)) == 58)
        try copy.appendFailures(3, hour: 23)
        let second = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, "--format", "json", "--since", "24h", copy.logs],
                                environment: behind)
        #expect(second.status == 1)
        #expect(eventTotal(try jsonObject(second.stdout)) == 3)
        let third = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, "--format", "json", copy.logs], environment: behind)
        #expect(third.status == 0)
        #expect(eventTotal(try jsonObject(third.stdout)) == 0)
        // Then the clock is put right: nothing is read or reported again.
        let fixed = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, "--format", "json", copy.logs],
                               environment: ["GISLOG_NOW": "2026-11-15T06:30:00Z"])
        #expect(fixed.status == 0)
        #expect(eventTotal(try jsonObject(fixed.stdout)) == 0)
        // A span that ends before the logs begin reports nothing, and says what it looked at.
        let before = try gislog(["scan", "--timezone", "UTC", "--since", "yesterday", "--until", "today", "--format", "json", copy.logs],
                                environment: behind)
        #expect(before.status == 0)
        #expect(eventTotal(try jsonObject(before.stdout)) == 0)
    }

    @Test func filesStampedInTheFutureStillSettle() throws {
        // The file server's clock is a day ahead of this machine: a record cut by a crash is read once a
        // newer log follows it, though by this machine's clock the file has not aged at all.
        let copy = try SampleCopy()
        let folder = copy.logs + "/crashed/logs/\(machine)/server"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let old = folder + "/server-20261120.100000-1-0.0.log"
        try Data(failure(day: 20, minute: 0, closed: false).utf8).write(to: URL(fileURLWithPath: old))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 86_400)], ofItemAtPath: old)
        _ = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, copy.logs])
        let new = folder + "/server-20261120.101000-2-0.0.log"
        try Data(failure(day: 20, minute: 10).utf8).write(to: URL(fileURLWithPath: new))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 86_400 + 600)], ofItemAtPath: new)
        let run = try gislog(["scan", "--timezone", "UTC", "--state", copy.state, "--format", "json", copy.logs])
        let json = try jsonObject(run.stdout)
        #expect(eventTotal(json) == 2)
        #expect(warningList(json).contains { $0.kind == "unterminated_record" && $0.path == old })
    }
}
