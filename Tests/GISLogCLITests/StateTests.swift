import Foundation
import Glibc
import Testing

/// A copy of a sample tree in a temporary folder, with a state file beside it.
private final class Workspace {
    let root: String
    var logs: String { root + "/logs" }
    var state: String { root + "/state.json" }
    var serverLog: String {
        logs + "/arcgisserver/logs/GIS-SERVER01.CONTOSO.LOCAL/server/server-20261114.061502-4212-0.0.log"
    }
    var portalLog: String { logs + "/arcgisportal/logs/GIS-PORTAL01.CONTOSO.LOCAL/portal/portal-20261114.060000.log" }

    init(sample: String = "basic") throws {
        root = NSTemporaryDirectory() + "gislog-state-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: repositoryRoot + "/Samples/\(sample)", toPath: logs)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// Runs `gislog scan --state … --format json` and returns the parsed document.
    func scan(_ extra: [String] = []) throws -> (run: CLIRun, json: [String: Any]) {
        let run = try gislog(["scan", "--timezone", "UTC", "--state", state, "--format", "json"] + extra + [logs])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any],
                                "no JSON: \(run.stderr)")
        return (run, json)
    }

    func append(failures count: Int, hour: Int) throws {
        let handle = try #require(FileHandle(forWritingAtPath: serverLog))
        handle.seekToEndOfFile()
        for index in 0..<count {
            let line = "<Msg time=\"2026-11-14T\(hour):0\(index):00,5\" type=\"SEVERE\" code=\"20010\" source=\"Rest\" process=\"1\" thread=\"1\" methodName=\"\" machine=\"GIS-SERVER01.CONTOSO.LOCAL\" user=\"\" elapsed=\"\" requestID=\"\">The certificate authority is invalid or incorrect (WinINet ERROR_INTERNET_INVALID_CA, 12045), URL = https://gis-portal01.contoso.local:7443/arcgis/sharing/rest/self</Msg>\n"
            handle.write(Data(line.utf8))
        }
        try handle.close()
    }
}

private func events(_ json: [String: Any]) -> Int { (json["events"] as? [String: Any])?["total"] as? Int ?? -1 }
private func causes(_ json: [String: Any]) -> [String] { (json["causes"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } }
private func decoded(_ json: [String: Any]) -> Int {
    ((json["coverage"] as? [String: Any])?["bytes"] as? [String: Any])?["decoded"] as? Int ?? -1
}
private func warningKinds(_ json: [String: Any]) -> [String] {
    (json["warnings"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
}

@Suite("Incremental runs with --state", .serialized)
struct StateTests {
    @Test func secondRunReadsNothingNewAndReportsNothingNew() throws {
        let space = try Workspace()
        let first = try space.scan()
        #expect(first.run.status == 1)
        #expect(causes(first.json).first == "untrusted-ca")
        #expect(events(first.json) == 58)
        let second = try space.scan()
        #expect(second.run.status == 0)
        #expect(causes(second.json).isEmpty)
        #expect(events(second.json) == 0)
        #expect(decoded(second.json) < 10)  // at most the line break after the last record of each file
    }

    @Test func appendedFailuresAreTheOnlyNewEvents() throws {
        let space = try Workspace()
        _ = try space.scan()
        try space.append(failures: 3, hour: 18)
        let run = try space.scan()
        #expect(run.run.status == 1)
        #expect(events(run.json) == 3)
        #expect(causes(run.json).contains("untrusted-ca"))
        let again = try space.scan()
        #expect(events(again.json) == 0)
        #expect(causes(again.json).isEmpty)
    }

    @Test func aRotatedAndGzippedFileIsNotReadTwice() throws {
        let space = try Workspace()
        _ = try space.scan()
        try space.append(failures: 2, hour: 19)
        let rotate = Process()
        rotate.executableURL = URL(fileURLWithPath: "/bin/gzip")
        rotate.arguments = ["-n", space.serverLog]
        try rotate.run()
        rotate.waitUntilExit()
        #expect(FileManager.default.fileExists(atPath: space.serverLog + ".gz"))
        // The two records appended before the rotation are new; nothing else is.
        let run = try space.scan()
        #expect(events(run.json) == 2)
        let again = try space.scan()
        #expect(events(again.json) == 0)
    }

    /// A log read to its end is stamped in the state (device, inode, size, modification time) and, while
    /// `stat` says the same of it, not opened again. Shown by a rewrite that keeps the size and puts the time
    /// back — the one change a stamp cannot see, so an opened file would have warned — and by a file only
    /// touched, which is opened again and holds nothing new.
    @Test func anUnchangedLogIsNotOpenedAgain() throws {
        let space = try Workspace()
        _ = try space.scan()
        let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: space.state)))
                                    as? [String: Any])
        let files = try #require(saved["files"] as? [[String: Any]])
        let server = try #require(files.first { ($0["path"] as? String)?.hasSuffix("server-20261114.061502-4212-0.0.log") ?? false })
        var info = stat()
        #expect(stat(space.serverLog, &info) == 0)
        #expect(server["stamp"] as? String == "\(info.st_dev):\(info.st_ino):\(Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))")

        let before = info
        var bytes = try Data(contentsOf: URL(fileURLWithPath: space.serverLog))
        let head = Array("<Msg".utf8)
        bytes.replaceSubrange(0..<4, with: Array("<Xyz".utf8))
        #expect(Array(bytes.prefix(4)) != head)
        // Same inode (written in place), same size, the time put back.
        let handle = try #require(FileHandle(forWritingAtPath: space.serverLog))
        handle.write(bytes)
        try handle.close()
        // To the nanosecond (Foundation's dates would round it, and the stamp would see the change).
        var times = [before.st_atim, before.st_mtim]
        #expect(utimensat(AT_FDCWD, space.serverLog, &times, 0) == 0)
        let quiet = try space.scan()
        #expect(!warningKinds(quiet.json).contains("file_changed"), "the stamped file was opened")
        #expect(decoded(quiet.json) < 10)

        // Touched: opened, its head no longer matches (the rewrite above), read again with a warning.
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: space.serverLog)
        let touched = try space.scan()
        #expect(warningKinds(touched.json).contains("file_changed"))
        #expect(decoded(touched.json) >= bytes.count)
    }

    @Test func aTruncatedFileIsReadAgainWithAWarning() throws {
        let space = try Workspace()
        _ = try space.scan()
        let original = try Data(contentsOf: URL(fileURLWithPath: space.portalLog))
        try original.prefix(5000).write(to: URL(fileURLWithPath: space.portalLog))
        let run = try space.scan()
        #expect(warningKinds(run.json).contains("file_changed"))
        let coverage = try #require(run.json["coverage"] as? [String: Any])
        #expect((coverage["records"] as? Int ?? 0) > 0)
    }

    @Test func aKilledRunLosesNothingAndDoublesNothing() throws {
        let space = try Workspace()
        // Enough data that the scan is still running when it is killed.
        let generate = Process()
        generate.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        generate.arguments = ["python3", repositoryRoot + "/scripts/genlog.py", space.root + "/big", "--size", "60M", "--force"]
        generate.standardOutput = FileHandle.nullDevice
        generate.standardError = FileHandle.nullDevice
        try generate.run()
        generate.waitUntilExit()
        try FileManager.default.moveItem(atPath: space.root + "/big", toPath: space.logs + "/big")
        let full = try gislog(["scan", "--timezone", "UTC", "--format", "json", space.logs])
        let fullJSON = try #require(try JSONSerialization.jsonObject(with: Data(full.stdout.utf8)) as? [String: Any])
        for delay in [0.02, 0.08] {
            let victim = Process()
            victim.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("gislog")
            if !FileManager.default.fileExists(atPath: victim.executableURL!.path) {
                victim.executableURL = URL(fileURLWithPath: repositoryRoot + "/.build/debug/gislog")
            }
            victim.arguments = ["scan", "--timezone", "UTC", "--state", space.state, "--format", "json", space.logs]
            victim.standardOutput = FileHandle.nullDevice
            try victim.run()
            Thread.sleep(forTimeInterval: delay)
            kill(victim.processIdentifier, SIGKILL)
            victim.waitUntilExit()
        }
        let resumed = try space.scan()
        #expect(events(resumed.json) == events(fullJSON))
        #expect(causes(resumed.json) == causes(fullJSON))
        let after = try space.scan()
        #expect(events(after.json) == 0)
    }

    @Test func corruptAndNewerStateFilesAreRefusedUnlessReset() throws {
        let space = try Workspace()
        try "{\"gislog_state\": 1, \"files\": [".write(toFile: space.state, atomically: true, encoding: .utf8)
        let corrupt = try gislog(["scan", "--state", space.state, space.logs])
        #expect(corrupt.status == 2)
        #expect(corrupt.stderr.contains("is corrupt"))
        #expect(corrupt.stderr.contains("--reset-state"))
        try "{\"gislog_state\": 99}".write(toFile: space.state, atomically: true, encoding: .utf8)
        let newer = try gislog(["scan", "--state", space.state, space.logs])
        #expect(newer.status == 2)
        #expect(newer.stderr.contains("newer gislog"))
        let reset = try space.scan(["--reset-state"])
        #expect(reset.run.status == 1)
        #expect(events(reset.json) == 58)
        let state = try String(contentsOfFile: space.state, encoding: .utf8)
        #expect(state.hasPrefix("{\"gislog_state\":2,"))
    }
}
