import Foundation
import Testing

/// The `kind`, path and offset of each line of a feed.
private func lines(_ feed: String) throws -> [(kind: String, path: String, offset: Int)] {
    try feed.split(separator: "\n").map { line in
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let kind = (object["event"] as? [String: Any])?["kind"] as? String ?? "?"
        let log = object["log"] as? [String: Any]
        return (kind, (log?["file"] as? [String: Any])?["path"] as? String ?? "", log?["offset"] as? Int ?? -1)
    }
}

/// Runs gislog with stdout sent to `/dev/full` (every write fails with ENOSPC).
private func gislogToFullDisk(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
    let process = Process()
    let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    process.executableURL = products.appendingPathComponent("gislog")
    if !FileManager.default.fileExists(atPath: process.executableURL!.path) {
        process.executableURL = URL(fileURLWithPath: repositoryRoot + "/.build/debug/gislog")
    }
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
    process.standardOutput = try #require(FileHandle(forWritingAtPath: "/dev/full"))
    let err = Pipe()
    process.standardError = err
    try process.run()
    let data = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A temporary folder, removed afterwards.
private final class Folder {
    let path = NSTemporaryDirectory() + "gislog-feed-" + UUID().uuidString

    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Records that the 12045 rule matches, `count` of them, as one log file.
    func log(_ name: String, failures count: Int, hour: Int = 10) throws {
        let folder = path + "/arcgisserver/logs/GIS01.EXAMPLE.COM/server"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var text = ""
        for index in 0..<count {
            let time = String(format: "%02d:%02d:%02d", hour + index / 3600, index / 60 % 60, index % 60)
            text += "<Msg time=\"2026-11-14T\(time),\(index % 1000)\" type=\"SEVERE\" code=\"20010\" source=\"Rest\" process=\"1\" thread=\"1\" methodName=\"\" machine=\"GIS01.EXAMPLE.COM\" user=\"\" elapsed=\"\" requestID=\"r\(index)\">The certificate authority is invalid or incorrect (WinINet ERROR_INTERNET_INVALID_CA, 12045), URL = https://portal.example.com:7443/arcgis/sharing/rest/self?n=\(index)</Msg>\n"
        }
        try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
    }
}

@Suite("NDJSON feed streamed during the scan", .serialized)
struct FeedStreamTests {
    /// Events leave per file, in the scan's file order, and in record order within a file; coverage and
    /// alert lines come after them.
    @Test func eventsComeInFileOrderThenRecordOrder() throws {
        let run = try gislog(["scan", "--timezone", "UTC", "--format", "ndjson", "--jobs", "4", "Samples/basic"])
        let json = try gislog(["scan", "--timezone", "UTC", "--format", "json", "Samples/basic"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let files = ((document["coverage"] as? [String: Any])?["files"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        let events = try lines(run.stdout).filter { $0.kind == "event" }
        #expect(events.count == 58)
        let order = events.map { (try? #require(files.firstIndex(of: $0.path))) ?? -1 }
        #expect(order == order.sorted())
        for (a, b) in zip(events, events.dropFirst()) where a.path == b.path { #expect(a.offset <= b.offset) }
    }

    /// A big first file and many small ones: the small ones finish long before the first, their events wait
    /// (spooled), and the bytes are the same with 1, 2 and 4 workers, every event once.
    @Test func laterFilesWaitForEarlierOnesWithAnyNumberOfWorkers() throws {
        let folder = try Folder()
        try folder.log("a-big.log", failures: 6000)
        for index in 0..<24 { try folder.log("b-\(index < 10 ? "0" : "")\(index).log", failures: index % 3, hour: 11) }
        let runs = try [1, 2, 4].map { jobs in
            try gislog(["scan", "--timezone", "UTC", "--format", "ndjson", "--jobs", "\(jobs)", folder.path])
        }
        #expect(runs[0].status == 1)
        #expect(runs[0].stdout == runs[1].stdout)
        #expect(runs[0].stdout == runs[2].stdout)
        let events = try lines(runs[0].stdout).filter { $0.kind == "event" }
        #expect(events.count == 6000 + 8 * (0 + 1 + 2))
        #expect(events.first?.path.hasSuffix("a-big.log") == true)
        #expect(events.map(\.path) == events.map(\.path).sorted())
    }

    /// The every-record feed (`--records all`) goes out the same way: per file in the scan's order, the same
    /// bytes with 1, 2 and 4 workers, every record once.
    @Test func everyRecordFeedIsTheSameWithAnyNumberOfWorkers() throws {
        let folder = try Folder()
        try folder.log("a-big.log", failures: 6000)
        for index in 0..<24 { try folder.log("b-\(index < 10 ? "0" : "")\(index).log", failures: index % 3 + 1, hour: 11) }
        let runs = try [1, 2, 4].map { jobs in
            try gislog(["scan", "--timezone", "UTC", "--format", "ndjson", "--records", "all", "--jobs", "\(jobs)", folder.path])
        }
        #expect(runs[0].status == 1)
        #expect(runs[0].stdout == runs[1].stdout)
        #expect(runs[0].stdout == runs[2].stdout)
        let records = try lines(runs[0].stdout).filter { $0.kind == "event" }
        #expect(records.count == 6000 + 8 * (1 + 2 + 3))
        #expect(records.first?.path.hasSuffix("a-big.log") == true)
        #expect(records.map(\.path) == records.map(\.path).sorted())
        for (a, b) in zip(records, records.dropFirst()) where a.path == b.path { #expect(a.offset < b.offset) }
    }

    @Test func withStateOnlyNewEventsAreWritten() throws {
        let folder = try Folder()
        try folder.log("server-1.log", failures: 5)
        let state = folder.path + "/state.json"
        func feed() throws -> [String] {
            let run = try gislog(["scan", "--timezone", "UTC", "--state", state, "--format", "ndjson", folder.path + "/arcgisserver"])
            return try lines(run.stdout).filter { $0.kind == "event" }.map(\.path)
        }
        #expect(try feed().count == 5)
        #expect(try feed().isEmpty)
        let handle = try #require(FileHandle(forWritingAtPath: folder.path + "/arcgisserver/logs/GIS01.EXAMPLE.COM/server/server-1.log"))
        handle.seekToEndOfFile()
        handle.write(Data("<Msg time=\"2026-11-14T12:00:00,1\" type=\"SEVERE\" code=\"20010\" source=\"Rest\" machine=\"GIS01.EXAMPLE.COM\">The certificate authority is invalid or incorrect (WinINet ERROR_INTERNET_INVALID_CA, 12045), URL = https://portal.example.com:7443/x</Msg>\n".utf8))
        try handle.close()
        #expect(try feed().count == 1)
    }

    /// A feed that cannot be written ends in exit 2 and leaves the state as it was, so the next run writes
    /// the same events again.
    @Test func aFailedWriteExitsWithTwoAndKeepsTheState() throws {
        let folder = try Folder()
        try folder.log("server-1.log", failures: 5)
        let full = try gislogToFullDisk(["scan", "--timezone", "UTC", "--format", "ndjson", folder.path])
        #expect(full.status == 2)
        #expect(full.stderr.contains("cannot write the report to standard output: No space left on device"))
        let state = folder.path + "/state.json"
        let withState = try gislogToFullDisk(["scan", "--timezone", "UTC", "--state", state, "--format", "ndjson", folder.path])
        #expect(withState.status == 2)
        let again = try gislog(["scan", "--timezone", "UTC", "--state", state, "--format", "ndjson", folder.path])
        #expect(try lines(again.stdout).filter { $0.kind == "event" }.count == 5)
    }

    @Test func quietIfCleanAndOutputFile() throws {
        let clean = try gislog(["scan", "--timezone", "UTC", "--quiet-if-clean", "--format", "ndjson", "Samples/clean"])
        #expect(clean.status == 0)
        #expect(clean.stdout.isEmpty)
        let problem = try gislog(["scan", "--timezone", "UTC", "--quiet-if-clean", "--format", "ndjson", "Samples/basic"])
        let plain = try gislog(["scan", "--timezone", "UTC", "--format", "ndjson", "Samples/basic"])
        #expect(problem.status == 1)
        #expect(problem.stdout == plain.stdout)
        let folder = try Folder()
        let file = folder.path + "/feed.ndjson"
        let written = try gislog(["scan", "--timezone", "UTC", "--format", "ndjson", "--output", file, "Samples/basic"])
        #expect(written.status == 1)
        #expect(written.stdout.isEmpty)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == plain.stdout)
        let none = folder.path + "/none.ndjson"
        _ = try gislog(["scan", "--timezone", "UTC", "--quiet-if-clean", "--format", "ndjson", "--output", none, "Samples/clean"])
        #expect(!FileManager.default.fileExists(atPath: none))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["feed.ndjson"])
    }
}
