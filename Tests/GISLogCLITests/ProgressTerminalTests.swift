import Foundation
import Testing

/// What a run with stderr on a pseudo-terminal left there.
struct TerminalRun {
    var status: Int32
    var stdout: String
    /// Everything written to the terminal, as the terminal received it (the line discipline turns `\n`
    /// into `\r\n`).
    var terminal: String

    /// Each redraw of the progress line: the text between a carriage return and a clear to end of line.
    var drawnLines: [String] {
        terminal.components(separatedBy: "\r").compactMap { piece in
            guard let end = piece.range(of: "\u{1B}[K") else { return nil }
            return String(piece[..<end.lowerBound])
        }.filter { !$0.isEmpty }
    }

    /// The lines left on the screen for good (ended by a newline).
    var finalLines: [String] {
        terminal.components(separatedBy: "\r\n").dropLast().map { line in
            line.components(separatedBy: "\r").last!.replacingOccurrences(of: "\u{1B}[K", with: "")
        }
    }
}

/// Runs the built `gislog` with stderr on a pseudo-terminal `columns` wide (stdout piped, stdin empty), with
/// none of the variables that turn progress off unless `environment` sets them.
func gislogOnTerminal(_ arguments: [String], columns: UInt16 = 100,
                      environment: [String: String] = [:]) throws -> TerminalRun {
    let master = try PseudoTerminal.openMaster()
    defer { close(master) }
    let name = try PseudoTerminal.slaveName(master)
    var size = winsize(ws_row: 24, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
    try #require(ioctl(master, UInt(TIOCSWINSZ), &size) == 0)
    let slave = open(name, O_RDWR | O_NOCTTY)
    try #require(slave >= 0, "open \(name): \(String(cString: strerror(errno)))")

    let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var binary = products.appendingPathComponent("gislog")
    if !FileManager.default.fileExists(atPath: binary.path) {
        binary = URL(fileURLWithPath: repositoryRoot + "/.build/debug/gislog")
    }
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
    var env = ProcessInfo.processInfo.environment
    for quiet in ["CI", "NO_PROGRESS"] { env.removeValue(forKey: quiet) }
    env["TERM"] = "xterm"
    env["NO_COLOR"] = "1"
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
    process.standardInput = FileHandle.nullDevice
    do {
        try process.run()
    } catch {
        close(slave)
        throw error
    }
    // Only the child holds the terminal now: when it exits, reading the master side ends (EIO).
    close(slave)
    let terminal = PendingRead()
    let reader = Thread {
        var bytes = Data()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = read(master, &buffer, buffer.count)
            if count > 0 {
                bytes.append(contentsOf: buffer[..<count])
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        terminal.finish(bytes)
    }
    reader.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return TerminalRun(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                       terminal: String(decoding: terminal.wait(), as: UTF8.self))
}

/// The pseudo-terminal calls of the C library. Glibc's Swift module leaves them out (its headers declare
/// them only for _XOPEN_SOURCE), so they are looked up by name.
enum PseudoTerminal {
    private typealias OpenFunction = @convention(c) (Int32) -> Int32
    private typealias FDFunction = @convention(c) (Int32) -> Int32
    private typealias NameFunction = @convention(c) (Int32, UnsafeMutablePointer<CChar>, Int) -> Int32

    private static func function<T>(_ name: String, as type: T.Type) throws -> T {
        let symbol = try #require(dlsym(UnsafeMutableRawPointer(bitPattern: 0), name), "\(name) not in the C library")
        return unsafeBitCast(symbol, to: type)
    }

    /// posix_openpt, grantpt and unlockpt: the master side, its slave ready to open.
    static func openMaster() throws -> Int32 {
        let master = try function("posix_openpt", as: OpenFunction.self)(O_RDWR | O_NOCTTY)
        try #require(master >= 0, "posix_openpt: \(String(cString: strerror(errno)))")
        try #require(try function("grantpt", as: FDFunction.self)(master) == 0)
        try #require(try function("unlockpt", as: FDFunction.self)(master) == 0)
        return master
    }

    /// ptsname_r: the path of the slave side.
    static func slaveName(_ master: Int32) throws -> String {
        var name = [CChar](repeating: 0, count: 128)
        try #require(try function("ptsname_r", as: NameFunction.self)(master, &name, name.count) == 0)
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

@Suite("Progress on a terminal", .serialized)
final class ProgressTerminalTests {
    private let folder = NSTemporaryDirectory() + "gislog-progress-" + UUID().uuidString
    /// One log big enough that reading it takes seconds in a debug build: the sample's server log, 320 times
    /// (65 MB), so the line is drawn while the file is still being read. Written for each test (a tenth of a
    /// second) and removed after it.
    private let bigLog: String

    init() throws {
        let sample = repositoryRoot
            + "/Samples/basic/arcgisserver/logs/GIS-SERVER01.CONTOSO.LOCAL/server/server-20261114.061502-4212-0.0.log"
        let text = try Data(contentsOf: URL(fileURLWithPath: sample))
        var big = Data(capacity: text.count * 320)
        for _ in 0..<320 { big.append(text) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        bigLog = folder + "/server-20261114.061502-4212-0.0.log"
        try big.write(to: URL(fileURLWithPath: bigLog))
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    @Test func showsBytesAsTheyAreReadThenEachPhaseThenOneSummary() throws {
        let run = try gislogOnTerminal(["scan", "--timezone", "UTC", bigLog], columns: 60)
        #expect(run.status == 1)
        #expect(run.stdout.contains("untrusted-ca"), "the report still goes to stdout")
        #expect(!run.stdout.contains("gislog: "), "nothing of the progress on stdout")
        let drawn = run.drawnLines
        #expect(!drawn.isEmpty, "terminal got: \(run.terminal.debugDescription)")
        for line in drawn { #expect(line.count < 60, "wider than the terminal: \(line)") }
        // Bytes counted while the only file is still being read: "reading 0/1 files: 20.3 MB of 65.4 MB …".
        let early = drawn.compactMap { line -> Double? in
            guard let match = line.firstMatch(of: /^gislog: reading 0\/1 files: ([0-9.]+) (B|KB|MB) of 65\.4 MB/) else {
                return nil
            }
            return Double(match.1)! * (match.2 == "MB" ? 1e6 : match.2 == "KB" ? 1e3 : 1)
        }
        #expect(early.contains { $0 > 0 }, "no byte count before the file finished: \(drawn)")
        #expect(early == early.sorted(), "bytes only grow")
        #expect(drawn.contains { $0.hasPrefix("gislog: correlating ") && $0.contains(" events (") }, "\(drawn)")
        #expect(drawn.contains { $0.hasPrefix("gislog: writing the report (") }, "\(drawn)")
        #expect(drawn.contains { $0.count == 59 && $0.hasSuffix("…") }, "a long line is cut to the width")
        // Phases come in order: reading, correlating, writing.
        let order = drawn.map { $0.hasPrefix("gislog: reading") ? 0 : $0.hasPrefix("gislog: correlating") ? 1 : 2 }
        #expect(order == order.sorted())
        // The line is erased, and one summary stays.
        let summaries = run.finalLines.filter { $0.hasPrefix("gislog: ") }
        #expect(summaries.count == 1, "\(run.finalLines)")
        let summary = try #require(summaries.first)
        #expect(summary.firstMatch(of: /^gislog: read 1 file, 65\.4 MB in [0-9.]+ (s|min); [0-9,]+ events; report written \(.+ in all\)$/)
                != nil, "summary: \(summary)")
        #expect(run.terminal.hasSuffix(summary + "\r\n"), "the summary is the last thing on the terminal")
        #expect(run.terminal.contains("\r\u{1B}[K" + summary), "the progress line is erased before the summary")
    }

    @Test func writingToAFileSaysWhereAndWarningsGetTheirOwnLines() throws {
        let output = NSTemporaryDirectory() + "gislog-progress-" + UUID().uuidString + ".json"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let missing = NSTemporaryDirectory() + "gislog-missing-" + UUID().uuidString
        let run = try gislogOnTerminal(["scan", "--timezone", "UTC", "--format", "json", "-o", output, bigLog, missing])
        #expect(run.status == 1)
        #expect(run.stdout == "")
        // A warning printed while the line is up gets a line of its own.
        #expect(run.terminal.contains("\r\u{1B}[Kgislog: warning: \(missing)"), "\(run.terminal.debugDescription)")
        #expect(run.finalLines.contains { $0.hasPrefix("gislog: warning: 1 log file(s) or folder(s) could not be read") })
        let summary = try #require(run.finalLines.last)
        #expect(summary.contains("; report written to \(output) ("), "\(summary)")
        #expect(FileManager.default.fileExists(atPath: output))
    }

    @Test("nothing on stderr when progress is off", arguments: [
        (["--no-progress"], [:]), ([], ["NO_PROGRESS": "1"]), ([], ["TERM": "dumb"]), ([], ["CI": "true"]),
    ] as [([String], [String: String])])
    func silentWhenTurnedOff(flags: [String], environment: [String: String]) throws {
        let run = try gislogOnTerminal(["scan", "--timezone", "UTC"] + flags + [bigLog], environment: environment)
        #expect(run.status == 1)
        #expect(run.terminal == "", "\(run.terminal.debugDescription)")
        #expect(run.stdout.contains("untrusted-ca"))
    }

    @Test func silentWhenStderrIsNotATerminal() throws {
        let run = try gislog(["scan", "--timezone", "UTC", bigLog], environment: ["TERM": "xterm"])
        #expect(run.status == 1)
        #expect(run.stderr == "", "piped or under cron: no progress and no summary")
    }

    @Test func fetchingShowsThePageThenErasesTheLine() throws {
        let site = try FakeAdminSite()
        try "tok-1\n".write(toFile: site.folder + "/token", atomically: true, encoding: .utf8)
        let arguments = ["fetch", "--server", site.url(), "--out", site.folder + "/out", "--since", "2025-11-14T00:00:00Z",
                         "--ca-file", site.caFile, "--token-file", site.folder + "/token"]
        let run = try gislogOnTerminal(arguments)
        #expect(run.status == 0, "\(run.terminal)")
        #expect(run.stdout.contains("Fetched 12 records in 3 page(s)"), "the summary stays on stdout")
        let drawn = run.drawnLines
        #expect(drawn.first?.firstMatch(of: /^gislog: fetching server page 1, [0-9]+ records$/) != nil, "\(drawn)")
        #expect(drawn.allSatisfy { $0.hasPrefix("gislog: fetching server page ") })
        #expect(run.terminal.hasSuffix("\r\u{1B}[K"), "erased at the end: \(run.terminal.debugDescription)")
        #expect(run.finalLines.isEmpty, "no line left behind")
        let quiet = try gislogOnTerminal(arguments.map { $0 == site.folder + "/out" ? site.folder + "/quiet" : $0 },
                                         environment: ["NO_PROGRESS": "1"])
        #expect(quiet.status == 0)
        #expect(quiet.terminal == "")
    }

    @Test func aQuickScanEndsAsBefore() throws {
        let run = try gislogOnTerminal(["scan", "--timezone", "UTC", "Samples/basic"])
        #expect(run.status == 1)
        #expect(run.terminal == "", "under half a second: no line and no summary")
    }
}
