import Foundation
import Testing

/// scripts/fake-arcgis-admin.py (or another stand-in) on loopback HTTPS with its own test CA, stopped and
/// removed afterwards.
final class FakeAdminSite {
    let folder: String
    let port: String
    private let process = Process()

    init(script: String = "fake-arcgis-admin.py", control: String? = nil) throws {
        folder = NSTemporaryDirectory() + "gislog-fetch-" + UUID().uuidString
        if let control {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try control.write(toFile: folder + "/control.json", atomically: true, encoding: .utf8)
        }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot + "/scripts/" + script, folder]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line is the port, printed once the certificates exist and the socket listens.
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data([0x0A]) {
            line += byte
        }
        port = String(decoding: line, as: UTF8.self)
        guard Int(port) != nil else {
            stop(process)
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "the fake site did not start (is openssl installed?)"])
        }
    }

    deinit {
        stop(process)
        try? FileManager.default.removeItem(atPath: folder)
    }

    var caFile: String { folder + "/ca.pem" }
    func url(_ prefix: String = "") -> String { "https://127.0.0.1:\(port)\(prefix)/arcgis" }
    var requests: [String] { (try? String(contentsOfFile: folder + "/requests.log", encoding: .utf8))?.split(separator: "\n").map(String.init) ?? [] }

    func fetch(_ arguments: [String], prefix: String = "", password: String? = nil, out: String = "out") throws -> CLIRun {
        try gislog(["fetch", "--server", url(prefix), "--out", folder + "/" + out, "--since", "2025-11-14T00:00:00Z"]
                   + arguments, environment: password.map { ["GISLOG_PASSWORD": $0] } ?? [:])
    }
}

@Suite("gislog fetch against a loopback HTTPS admin API", .serialized)
struct FetchCLITests {
    @Test func pagesAreFetchedWithTheSiteCAAndScanned() throws {
        let site = try FakeAdminSite()
        try "tok-1\n".write(toFile: site.folder + "/token", atomically: true, encoding: .utf8)
        let run = try site.fetch(["--ca-file", site.caFile, "--token-file", site.folder + "/token"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Fetched 12 records in 3 page(s)"))
        #expect(run.stderr == "", "no progress lines when stderr is not a terminal")
        let files = try FileManager.default.contentsOfDirectory(atPath: site.folder + "/out").sorted()
        #expect(files == (1...3).map { "server-127.0.0.1_\(site.port)-page-000\($0).json" })
        // startTime walks back to one millisecond after each page's oldest record, so that millisecond is read
        // whole (this stand-in's startTime is exclusive); the token travels in the body, not the URL.
        let starts = site.requests.map { line -> String in
            line.range(of: #""startTime": "[0-9]+""#, options: .regularExpression).map { String(line[$0]) } ?? "now"
        }
        #expect(starts == ["now", #""startTime": "1763121600001""#, #""startTime": "1763118000001""#])
        #expect(run.stdout.contains("(2 sent again at page or run seams, kept once)"))
        #expect(site.requests.allSatisfy { $0.hasPrefix("/arcgis/admin/logs/query {") && $0.contains(#""token": "tok-1""#) })

        let scan = try gislog(["scan", "--timezone", "UTC", "--format", "json", site.folder + "/out"])
        #expect(scan.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as? [String: Any])
        let causes = (json["causes"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(causes.first == "untrusted-ca")
    }

    @Test func serverAndPortalFetchIntoOneFolder() throws {
        let site = try FakeAdminSite()
        let run = try site.fetch(["--portal", site.url(), "--ca-file", site.caFile, "--token", "tok-1"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Fetched 24 records in 6 page(s)"))
        let files = try FileManager.default.contentsOfDirectory(atPath: site.folder + "/out")
        #expect(files.filter { $0.hasPrefix("portal-127.0.0.1_") }.count == 3)
        #expect(site.requests.filter { $0.hasPrefix("/arcgis/portaladmin/logs/query {") }.count == 3)
    }

    @Test func anUntrustedCertificateFailsWithAdviceNotAWayAround() throws {
        let site = try FakeAdminSite()
        let run = try site.fetch(["--token", "tok-1"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("certificate is not trusted"))
        #expect(run.stderr.contains("--ca-file"))
        #expect(!run.stderr.lowercased().contains("insecure"))
        #expect(site.requests.isEmpty, "nothing may be sent over an unverified connection")
    }

    @Test func anAccountGetsATokenAndPagingStopsAtSince() throws {
        let site = try FakeAdminSite()
        let run = try gislog(["fetch", "--server", site.url(), "--out", site.folder + "/out", "--ca-file", site.caFile,
                              "--user", "admin", "--since", "2025-11-14T11:00:00Z"],
                             environment: ["GISLOG_PASSWORD": "secret"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("in 2 page(s)"), "the second page reaches --since")
        #expect(site.requests.first?.hasPrefix("/arcgis/admin/generateToken {") == true)
        #expect(site.requests.allSatisfy { !$0.split(separator: " ")[0].contains("secret") })

        let wrong = try site.fetch(["--ca-file", site.caFile, "--user", "admin"], password: "nope", out: "wrong")
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("gave no token for admin (Invalid credentials)"))
    }

    @Test("Bad answers end the fetch with what to do", arguments: [
        ("", "expired-token-1", "rejected the token as invalid or expired (498"),
        ("/html", "tok-1", "returned an HTML page (\"502 Bad Gateway\"), HTTP 502"),
        ("/cut", "tok-1", "sent JSON that ends early"),
    ])
    func badAnswers(prefix: String, token: String, message: String) throws {
        let site = try FakeAdminSite()
        let run = try site.fetch(["--ca-file", site.caFile, "--token", token, "--retries", "0"], prefix: prefix)
        #expect(run.status == 2)
        #expect(run.stderr.contains(message), "\(run.stderr)")
    }

    @Test func usageErrorsExitTwo() throws {
        for arguments in [["fetch", "--out", "x", "--token", "t"],
                          ["fetch", "--server", "https://h/arcgis", "--out", "x"],
                          ["fetch", "--server", "http://h:6443/arcgis", "--out", "/tmp", "--token", "t"],
                          ["fetch", "--server", "https://h/arcgis", "--out", "/proc/gislog-out", "--token", "t"]] {
            let run = try gislog(arguments)
            #expect(run.status == 2, "\(arguments)")
            #expect(!run.stderr.isEmpty)
        }
    }
}
