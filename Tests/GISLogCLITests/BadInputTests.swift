import Foundation
import Testing
@testable import GISLogSupport

/// A temporary folder for hostile inputs.
private final class Scratch {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "gislog-bad-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit {
        chmod(path, 0o755)
        try? FileManager.default.removeItem(atPath: path)
    }
    @discardableResult
    func write(_ name: String, _ data: Data) -> String {
        let full = path + "/" + name
        try? FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: full, contents: data)
        return full
    }
}

private func shell(_ command: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", command]
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(command)")
}

/// Runs gislog under /usr/bin/time and returns the run and its peak resident memory in KiB.
private func measured(_ arguments: [String]) throws -> (run: CLIRun, peakKiB: Int) {
    let file = NSTemporaryDirectory() + "gislog-rss-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: file) }
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gislog").path
    let run = try gislog(["-f", "%M", "-o", file, FileManager.default.fileExists(atPath: binary) ? binary : repositoryRoot + "/.build/debug/gislog"] + arguments,
                         executable: "/usr/bin/time")
    let peak = Int((try String(contentsOfFile: file, encoding: .utf8)).split(separator: "\n").last ?? "") ?? -1
    return (run, peak)
}

private func json(_ run: CLIRun) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "no JSON: \(run.stderr)")
}

private func warnings(_ object: [String: Any]) -> [(kind: String, path: String)] {
    (object["warnings"] as? [[String: Any]] ?? []).map { ($0["kind"] as? String ?? "", $0["path"] as? String ?? "") }
}

private let record = "<Msg time=\"2026-11-14T10:00:00,1\" type=\"SEVERE\" code=\"1\" source=\"Rest\" machine=\"M1\">PKIX path building failed: unable to find valid certification path to requested target</Msg>\n"

@Suite("Bad input never crashes, hangs or grows memory", .serialized)
struct BadInputTests {
    @Test func randomBytesNULsAndEncodings() throws {
        let scratch = try Scratch()
        let seed = SplitMix64.testSeed()
        var generator = SplitMix64(seed: seed)
        scratch.write("random.log", Data((0..<300_000).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        scratch.write("nuls.log", Data(record.utf8) + Data(repeating: 0, count: 10_000) + Data(record.utf8))
        var utf16 = Data([0xFF, 0xFE])
        for unit in record.utf16 { utf16.append(UInt8(unit & 0xFF)); utf16.append(UInt8(unit >> 8)) }
        scratch.write("utf16.log", utf16)
        scratch.write("cp1252.log", Data("<Msg time=\"2026-11-14T10:00:00,1\" type=\"SEVERE\" code=\"1\" machine=\"M1\">caf".utf8) + Data([0xE9, 0x93, 0x94]) + Data(" Invalid token.</Msg>\n".utf8))
        let run = try gislog(["scan", "--timezone", "UTC", "--format", "json", scratch.path])
        #expect(run.status == 1, "seed \(seed)")
        let object = try json(run)
        let coverage = try #require(object["coverage"] as? [String: Any])
        #expect(coverage["records"] as? Int ?? 0 >= 4)
        #expect(warnings(object).contains { $0.kind == "unparsed_text" && $0.path.hasSuffix("random.log") }, "seed \(seed)")
        #expect(warnings(object).contains { $0.kind == "utf16" && $0.path.hasSuffix("utf16.log") })
        let events = try #require(object["events"] as? [String: Any])
        #expect(events["total"] as? Int ?? 0 >= 4)
    }

    @Test func brokenGzipFilesAreWarningsWithOffsets() throws {
        let scratch = try Scratch()
        let whole = try gzippedData(String(repeating: record, count: 3000))
        scratch.write("truncated.log.gz", whole.prefix(whole.count / 2))
        var corrupt = whole
        for index in (whole.count / 2)..<(whole.count / 2 + 50) { corrupt[index] ^= 0x55 }
        scratch.write("corrupt.log.gz", corrupt)
        scratch.write("empty.log.gz", Data())
        scratch.write("garbage-after.log.gz", whole + Data("junk".utf8))
        let run = try gislog(["scan", "--timezone", "UTC", "--format", "json", scratch.path])
        #expect(run.status == 1)
        let found = warnings(try json(run))
        #expect(found.contains { $0.kind == "truncated_gzip" && $0.path.hasSuffix("truncated.log.gz") })
        #expect(found.contains { ($0.kind == "corrupt_gzip" || $0.kind == "truncated_gzip") && $0.path.hasSuffix("corrupt.log.gz") })
        #expect(found.contains { $0.kind == "trailing_garbage" && $0.path.hasSuffix("garbage-after.log.gz") })
        #expect(!found.contains { $0.path.hasSuffix("empty.log.gz") })
        #expect(run.stdout.contains("\"compressed_offset\""))
    }

    @Test func aGzipBombIsCappedInFlatMemory() throws {
        let scratch = try Scratch()
        try shell("head -c 1073741824 /dev/zero | gzip -1 > '\(scratch.path)/bomb.log.gz'")
        let (run, peak) = try measured(["scan", "--format", "json", "--max-decompressed", "256M", scratch.path])
        #expect(run.status == 0)
        let found = warnings(try json(run))
        #expect(found.contains { $0.kind == "decompression_limit" })
        #expect(peak > 0 && peak < 64 * 1024, "peak RSS \(peak) KiB")
    }

    @Test func aHundredMegabyteSingleLineStaysFlat() throws {
        let scratch = try Scratch()
        try shell("(printf '%s' '\(record.dropLast())'; head -c 100000000 /dev/zero | tr '\\0' 'x'; printf '\\n'; printf '%s' '\(record.dropLast())') > '\(scratch.path)/long.log'")
        let (run, peak) = try measured(["scan", "--format", "json", scratch.path])
        #expect(run.status == 1)
        let object = try json(run)
        let coverage = try #require(object["coverage"] as? [String: Any])
        #expect(coverage["records"] as? Int == 2)
        #expect(peak > 0 && peak < 64 * 1024, "peak RSS \(peak) KiB")
    }

    @Test func symlinkLoopsAndUnreadableFiles() throws {
        let scratch = try Scratch()
        scratch.write("a/server.log", Data(record.utf8))
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/a/loop", withDestinationPath: scratch.path + "/a")
        let locked = scratch.write("a/locked.log", Data(record.utf8))
        chmod(locked, 0)
        let run = try gislog(["scan", "--format", "json", scratch.path])
        #expect(run.status == 1)
        let found = warnings(try json(run))
        #expect(found.contains { $0.kind == "symlink_loop" })
        if geteuid() != 0 {
            #expect(found.contains { $0.kind == "unreadable" && $0.path.hasSuffix("locked.log") })
        }
    }

    @Test func fiftyThousandTinyFiles() throws {
        let scratch = try Scratch()
        let quiet = "<Msg time=\"2026-11-14T10:00:00,1\" type=\"INFO\" code=\"9029\" source=\"Rest\" machine=\"M1\">Request user: Anonymous user</Msg>"
        try shell("cd '\(scratch.path)' && mkdir d && cd d && for i in $(seq 1 50000); do echo '\(quiet)' > f$i.log; done "
                  + "&& echo '\(record.dropLast())' > f0.log")
        let (run, peak) = try measured(["scan", "--format", "text", scratch.path])
        #expect(run.status == 1)
        #expect(run.stdout.contains("50,001 records"))
        // What grows with the number of files is one small entry per file in the coverage.
        #expect(peak > 0 && peak < 160 * 1024, "peak RSS \(peak) KiB")
    }

    @Test func filesThatGrowOrShrinkWhileRead() throws {
        let scratch = try Scratch()
        try shell("cd '\(scratch.path)' && for i in $(seq 1 200000); do echo '\(record.dropLast())'; done > grow.log && cp grow.log shrink.log")
        // A writer appends to one file and truncates the other while gislog reads them.
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/bash")
        writer.arguments = ["-c", "cd '\(scratch.path)'; for i in $(seq 1 200); do echo '\(record.dropLast())' >> grow.log; : > shrink.log; sleep 0.005; done"]
        try writer.run()
        let run = try gislog(["scan", "--format", "json", scratch.path])
        writer.waitUntilExit()
        #expect(run.status == 1 || run.status == 0)
        #expect(!run.stdout.isEmpty)
        _ = try json(run)
    }
}

private func gzippedData(_ text: String) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/gzip")
    process.arguments = ["-c", "-n"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    let feeder = Thread { input.fileHandleForWriting.write(Data(text.utf8)); try? input.fileHandleForWriting.close() }
    feeder.start()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return data
}
