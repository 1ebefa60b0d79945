import Foundation
import Testing

/// A logs folder holding records with hostile text and secrets, removed afterwards.
final class HostileLogs {
    let directory: String
    static let secrets = ["abc123SECRETtoken", "hunter2pass", "eyJhbGciOiJIUzI1NiJ9.payload", "refreshXYZ987"]

    init() throws {
        directory = NSTemporaryDirectory() + "gislog-hostile-" + UUID().uuidString
        let logs = directory + "/arcgisserver/logs/GIS01.EXAMPLE.COM/server"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        var bytes = Data()
        func record(_ time: String, _ text: String) {
            bytes += Data("<Msg time=\"2026-11-14T\(time)\" type=\"SEVERE\" code=\"20010\" source=\"Rest\" process=\"12\" thread=\"3\" methodName=\"\" machine=\"GIS01.EXAMPLE.COM\" user=\"\" elapsed=\"\" requestID=\"r-1\">".utf8)
            bytes += Data(text.utf8)
            bytes += Data("</Msg>\n".utf8)
        }
        record("10:00:00,1", "The certificate authority is invalid or incorrect (WinINet ERROR_INTERNET_INVALID_CA, 12045), URL = https://portal.example.com:7443/arcgis/sharing/rest/self?f=json&token=abc123SECRETtoken")
        record("10:00:05,2", "Quote \" backslash \\ tab\t ctrl \u{1}\u{7} esc \u{1B}]0;pwned\u{7}\u{1B}[2J </script><img src=x onerror=alert(1)> &lt;Msg&gt; line1\r\nline2 {\"password\":\"hunter2pass\"} Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload refresh_token=refreshXYZ987 PKIX path building failed: unable to find valid certification path to requested target")
        // Windows-1252 bytes inside a record.
        bytes += Data("<Msg time=\"2026-11-14T10:00:09,3\" type=\"SEVERE\" code=\"1\" source=\"Rest\" machine=\"GIS01.EXAMPLE.COM\">caf".utf8)
        bytes += Data([0xE9, 0x20, 0x93, 0x71, 0x94])
        bytes += Data(" Invalid token.</Msg>\n".utf8)
        _ = FileManager.default.createFile(atPath: logs + "/server-1.log", contents: bytes)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}

private func validate(_ ndjson: String) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", repositoryRoot + "/scripts/validate-ndjson"]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = output
    try process.run()
    input.fileHandleForWriting.write(Data(ndjson.utf8))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Suite("NDJSON feed and secrets", .serialized)
struct FeedTests {
    @Test("NDJSON of every sample validates against the schema", arguments: [
        "basic", "untrusted-ca", "token-expiry", "self-signed", "machine-restart",
    ])
    func samplesValidate(sample: String) throws {
        let run = try gislog(["scan", "--timezone=-07:00", "--format", "ndjson", "--include-original", "Samples/\(sample)"])
        #expect(run.status == 1)
        let result = try validate(run.stdout)
        #expect(result.status == 0, "\(result.output)")
        let lines = run.stdout.split(separator: "\n")
        let kinds = try lines.map { line -> String in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return (object["event"] as? [String: Any])?["kind"] as? String ?? "?"
        }
        // Events first, then coverage lines, then alerts.
        #expect(kinds.first == "event")
        #expect(kinds.last == "alert")
        let order = ["event": 0, "state": 1, "alert": 2]
        #expect(kinds.map { order[$0] ?? 9 } == kinds.map { order[$0] ?? 9 }.sorted())
        #expect(kinds.contains("state"))
    }

    @Test func hostileTextStaysOneValidObjectPerLineAndRoundTrips() throws {
        let logs = try HostileLogs()
        let run = try gislog(["scan", "--timezone", "UTC", "--format", "ndjson", logs.directory])
        #expect(run.status == 1)
        let result = try validate(run.stdout)
        #expect(result.status == 0, "\(result.output)")
        let messages = try run.stdout.split(separator: "\n").compactMap { line -> String? in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return (object["event"] as? [String: Any])?["kind"] as? String == "event" ? object["message"] as? String : nil
        }
        let hostile = try #require(messages.first { $0.hasPrefix("Quote") })
        #expect(hostile.contains("Quote \" backslash \\ tab\t ctrl \u{1}\u{7} esc \u{1B}]0;pwned"))
        #expect(hostile.contains("</script><img src=x onerror=alert(1)> <Msg> line1\r\nline2"))
        #expect(hostile.contains("{\"password\":\"[REDACTED]\"}"))
        #expect(messages.contains { $0.hasPrefix("café \u{201C}q\u{201D} Invalid token.") })
    }

    @Test func secretsAreRedactedInEveryFormatUnlessAskedNotTo() throws {
        let logs = try HostileLogs()
        for format in ["text", "json", "markdown", "html", "ndjson"] {
            var arguments = ["scan", "--timezone", "UTC", "--format", format, logs.directory]
            if format == "ndjson" { arguments.insert("--include-original", at: 1) }
            let run = try gislog(arguments)
            #expect(run.status == 1)
            for secret in HostileLogs.secrets {
                #expect(!run.stdout.contains(secret), "\(format) output shows \(secret)")
            }
            #expect(run.stdout.contains("REDACTED"), "\(format) output shows no redaction mark")
        }
        let open = try gislog(["scan", "--timezone", "UTC", "--format", "ndjson", "--include-original", "--no-redact", logs.directory])
        #expect(open.stdout.contains("abc123SECRETtoken"))
        #expect(open.stdout.contains("hunter2pass"))
    }

    @Test func terminalReportCannotBeDrivenByLogText() throws {
        let logs = try HostileLogs()
        let run = try gislog(["scan", "--timezone", "UTC", logs.directory])
        #expect(!run.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x01 })
        let html = try gislog(["scan", "--timezone", "UTC", "--format", "html", logs.directory])
        #expect(!html.stdout.contains("<img"))
        #expect(!html.stdout.contains("</script><"))
        let markdown = try gislog(["scan", "--timezone", "UTC", "--format", "markdown", logs.directory])
        #expect(!markdown.stdout.contains("<img"))
    }
}
