import Foundation
@testable import GISLogSupport
@testable import GISLogInput
@testable import GISLogRecords
@testable import GISLogRules
@testable import GISLogCorrelation
@testable import GISLogReports
@testable import GISLogFetch
@testable import GISLogProbe
@testable import GISLogKit

/// A record copied out of a scan, for assertions.
struct CollectedRecord {
    var level: Level
    var code: Int?
    var time: Int64?
    var machine: String
    var text: String
    var line: Int
    var byteOffset: Int64
    var isTruncated: Bool
    var isUnterminated: Bool
    var fields: [RecordField: String]
    var extra: [String: String]
}

/// Keeps every record it sees.
final class CollectingConsumer: RecordConsumer {
    var records: [CollectedRecord] = []

    func consume(_ record: inout RecordView, file: InputFile) {
        var fields: [RecordField: String] = [:]
        for field in RecordField.allCases { if let value = record.string(field) { fields[field] = value } }
        var extra: [String: String] = [:]
        for (name, value) in record.extraAttributes {
            extra[TextRepair.string(record.slice(name))] = TextRepair.string(record.slice(value))
        }
        records.append(CollectedRecord(
            level: record.level, code: record.code, time: record.time, machine: record.machine, text: record.text,
            line: record.line, byteOffset: record.byteOffset, isTruncated: record.isTruncated,
            isUnterminated: record.isUnterminated, fields: fields, extra: extra))
    }
}

/// A temporary folder removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "gislog-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to `name` (folders created) and returns the full path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let full = path + "/" + name
        try! FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: full, contents: Data(bytes))
        return full
    }

    @discardableResult
    func write(_ name: String, _ text: String) -> String { write(name, Array(text.utf8)) }
}

/// gzip(1) output for `bytes` (the test machine has gzip; the product uses zlib in-process).
func gzipped(_ bytes: [UInt8]) -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/gzip")
    process.arguments = ["-c", "-n"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try! process.run()
    let writer = Thread { input.fileHandleForWriting.write(Data(bytes)); try? input.fileHandleForWriting.close() }
    writer.start()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Array(data)
}

func gzipped(_ text: String) -> [UInt8] { gzipped(Array(text.utf8)) }

/// Reads one file through the whole input stack and returns its records and outcome.
func readFile(_ path: String, zone: LogTimeZone = .utc, maxRecordBytes: Int = 1 << 20,
              chunkSize: Int = 1 << 20, maxDecompressed: Int64 = 64 << 30,
              prefetch: Bool = false) -> (records: [CollectedRecord], outcome: FileOutcome) {
    var options = ScanOptions(paths: [path], timeZone: zone)
    options.maxRecordBytes = maxRecordBytes
    options.maxDecompressedBytes = maxDecompressed
    let buffer = ReadBuffer(maxRecordBytes: maxRecordBytes, chunkSize: chunkSize)
    let consumer = CollectingConsumer()
    let outcome = FileReader.read(InputFile.classify(path: path), options: options, buffer: buffer, consumer: consumer,
                                  prefetch: prefetch)
    return (consumer.records, outcome)
}

/// Writes `text` to a temporary `.log` file and reads it.
func read(text: String, name: String = "server-test.log", zone: LogTimeZone = .utc, maxRecordBytes: Int = 1 << 20,
          chunkSize: Int = 1 << 20) -> (records: [CollectedRecord], outcome: FileOutcome) {
    read(bytes: Array(text.utf8), name: name, zone: zone, maxRecordBytes: maxRecordBytes, chunkSize: chunkSize)
}

func read(bytes: [UInt8], name: String = "server-test.log", zone: LogTimeZone = .utc, maxRecordBytes: Int = 1 << 20,
          chunkSize: Int = 1 << 20, maxDecompressed: Int64 = 64 << 30,
          prefetch: Bool = false) -> (records: [CollectedRecord], outcome: FileOutcome) {
    let directory = TemporaryDirectory()
    let path = directory.write(name, bytes)
    return readFile(path, zone: zone, maxRecordBytes: maxRecordBytes, chunkSize: chunkSize,
                    maxDecompressed: maxDecompressed, prefetch: prefetch)
}

/// Epoch milliseconds of a UTC wall-clock time, for expectations.
func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int, _ ms: Int = 0) -> Int64 {
    Int64(LogTime.daysFromCivil(year: year, month: month, day: day)) * 86_400_000
        + Int64(hour * 3_600_000 + minute * 60_000 + second * 1000 + ms)
}

/// The real ArcGIS Server log kept beside the repository, when it is there.
let realCorpusPath: String? = {
    let here = URL(fileURLWithPath: #filePath)
    let root = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let path = root.deletingLastPathComponent().appendingPathComponent("shared/corpus/real/clatsop-server-2022-05-22.log").path
    return FileManager.default.fileExists(atPath: path) ? path : nil
}()

/// The repository root.
let repositoryRoot: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
}()
