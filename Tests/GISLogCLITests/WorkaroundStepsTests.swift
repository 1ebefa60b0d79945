import Foundation
import Testing

/// A small site written as ArcGIS writes its logs: Server machines under arcgisserver/logs/<MACHINE>/server,
/// portal machines under arcgisportal/logs/<MACHINE>/portal, one record per line.
private struct SiteLogs {
    let root: URL
    private var files: [String: [String]] = [:]

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("gislog-steps-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    /// 2026-11-14 at `hour`:`minute` UTC, as ArcGIS writes it.
    static func time(_ hour: Int, _ minute: Int) -> String {
        "2026-11-14T" + String(format: "%02d:%02d:05,120", hour, minute)
    }

    mutating func record(server machine: String, _ hour: Int, _ minute: Int, _ type: String, _ code: Int, _ source: String, _ text: String) {
        let path = "arcgisserver/logs/\(machine)/server/server-20261114.060000.log"
        files[path, default: []].append(Self.line(machine, hour, minute, type, code, source, text))
    }

    mutating func record(portal machine: String, _ hour: Int, _ minute: Int, _ type: String, _ code: Int, _ source: String, _ text: String) {
        let path = "arcgisportal/logs/\(machine)/portal/portal-20261114.060000.log"
        files[path, default: []].append(Self.line(machine, hour, minute, type, code, source, text))
    }

    /// Ordinary traffic every 20 minutes over the day, so every machine's logs go on around the failures.
    mutating func quietDay(server machines: [String], portal portals: [String]) {
        for hour in 6..<20 {
            for minute in stride(from: 0, to: 60, by: 20) {
                for machine in machines {
                    record(server: machine, hour, minute, "INFO", 100004, "Rest", "Request user: Anonymous user, Service: Parcels/MapServer")
                }
                for machine in portals {
                    record(portal: machine, hour, minute, "INFO", 219999, "Sharing", "Item 3f2a was viewed.")
                }
            }
        }
    }

    private static func line(_ machine: String, _ hour: Int, _ minute: Int, _ type: String, _ code: Int, _ source: String, _ text: String) -> String {
        "<Msg time=\"\(time(hour, minute))\" type=\"\(type)\" code=\"\(code)\" source=\"\(source)\" process=\"4212\" thread=\"31\" "
            + "methodName=\"\" machine=\"\(machine)\" user=\"\" elapsed=\"\" requestID=\"\">\(text)</Msg>"
    }

    func write() throws {
        for (path, lines) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            // ArcGIS writes records in time order within a file.
            try (lines.sorted().joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        }
    }

    /// Runs gislog on the site from its own folder, so the report names `site/…` wherever it was written.
    func scan(_ arguments: [String]) throws -> CLIRun {
        let link = URL(fileURLWithPath: repositoryRoot).appendingPathComponent(".build/steps-site-\(UUID().uuidString)")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: root)
        defer { try? FileManager.default.removeItem(at: link) }
        var run = try gislog(["scan", "--timezone", "UTC"] + arguments + [".build/" + link.lastPathComponent])
        run.stdout = run.stdout.replacingOccurrences(of: ".build/" + link.lastPathComponent, with: "site")
        return run
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

/// The steps a report prints fit the failing side, name every machine they must be repeated on, match the
/// site's version where versions differ, and each cite their source.
@Suite("Workaround steps for the failing side, every machine and the site's version", .serialized)
struct WorkaroundStepsTests {
    /// Two ArcGIS Server machines on Windows whose publishing calls to the portal fail with WinINet 12045 all
    /// afternoon: the trust store to fix is Windows', on both machines; nothing is to be imported into Portal.
    @Test func serverSideWinINetOnTwoMachines() throws {
        var site = try SiteLogs()
        defer { site.remove() }
        let servers = ["GIS01.EXAMPLE.COM", "GIS02.EXAMPLE.COM"]
        site.quietDay(server: servers, portal: ["PORTAL01.EXAMPLE.COM"])
        for (offset, machine) in servers.enumerated() {
            for hour in 12..<17 {
                for minute in stride(from: offset * 5, to: 60, by: 15) {
                    site.record(server: machine, hour, minute, "SEVERE", 20010, "System/PublishingTools.GPServer",
                                "Error executing tool. Publish Service Definition : The certificate authority is invalid or incorrect "
                                + "(WinINet ERROR_INTERNET_INVALID_CA, 12045), URL = https://portal01.example.com:7443/arcgis/sharing/rest/content/users/publisher/addItem")
                }
            }
        }
        try site.write()
        let run = try site.scan(["--format", "markdown"])
        #expect(run.status == 1, "\(run.stderr)")
        try expectGolden(run.stdout, "steps-server-wininet.md")
        let whatToDo = try #require(run.stdout.components(separatedBy: "What to do:").dropFirst().first)
        let steps = whatToDo.components(separatedBy: "References:")[0]
        // The Windows store step names both machines, on lines of their own.
        #expect(steps.contains("Cert:\\LocalMachine\\Root"))
        #expect(steps.contains("   - `GIS01.EXAMPLE.COM`\n   - `GIS02.EXAMPLE.COM`\n"))
        // Portal's trust store does not fix WinINet on Server: not printed.
        #expect(!steps.contains("portaladmin/security/sslCertificates/importRootOrIntermediate"))
        #expect(!steps.contains("keytool"))

        let json = try site.scan(["--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let cause = try #require((object?["causes"] as? [[String: Any]])?.first)
        #expect(cause["id"] as? String == "untrusted-ca")
        let details = try #require(cause["step_details"] as? [[String: Any]])
        // Every built-in step printed cites its source; `steps[]` keeps one line per step.
        #expect(details.allSatisfy { ($0["source"] as? String)?.hasPrefix("http") == true })
        #expect((cause["steps"] as? [String])?.count == details.count)
        let windows = try #require(details.first { ($0["text"] as? String)?.contains("Cert:\\LocalMachine\\Root") == true })
        #expect((windows["machines"] as? [[String: Any]])?.compactMap { $0["machine"] as? String } == servers)
        #expect(object?["arcgis_version"] is NSNull)
    }

    /// The portal's own Java calls to ArcGIS Server (6443) fail with PKIX path building: the fix is Portal's
    /// trust store — by the Portal Administrator Directory from 10.4, by keytool on 10.3 — and the Server
    /// certificate to export is each Server machine's. The version chooses the variant.
    @Test(arguments: [("10.3", "steps-portal-java-10.3.md"), ("11.3", "steps-portal-java-11.3.md"), (nil, "steps-portal-java.md")]
          as [(String?, String)])
    func portalSideJava(version: String?, golden: String) throws {
        var site = try SiteLogs()
        defer { site.remove() }
        site.quietDay(server: ["GIS01.EXAMPLE.COM", "GIS02.EXAMPLE.COM"], portal: ["PORTAL01.EXAMPLE.COM"])
        for hour in 9..<18 {
            for minute in [3, 33] {
                site.record(portal: "PORTAL01.EXAMPLE.COM", hour, minute, "SEVERE", 219000, "Portal Admin",
                            "Unable to connect to 'https://gis01.example.com:6443/arcgis/admin/info'. javax.net.ssl.SSLHandshakeException: "
                            + "PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find "
                            + "valid certification path to requested target")
            }
        }
        try site.write()
        let run = try site.scan(["--format", "markdown"] + (version.map { ["--arcgis-version", $0] } ?? []))
        #expect(run.status == 1, "\(run.stderr)")
        try expectGolden(run.stdout, golden)
        let steps = run.stdout.components(separatedBy: "What to do:").dropFirst().map { $0.components(separatedBy: "References:")[0] }
            .joined()
        let adminImport = "https://portal01.example.com:7443/arcgis/portaladmin/security/sslCertificates/importRootOrIntermediate"
        switch version {
        case "10.3":
            #expect(steps.contains("keytool"))
            #expect(!steps.contains(adminImport))
            #expect(run.stdout.contains("- ArcGIS version: 10.3 (from `--arcgis-version`)"))
        case "11.3":
            #expect(!steps.contains("keytool"))
            #expect(steps.contains(adminImport))
        default:
            // Unknown: both, each marked, and the report says why.
            #expect(steps.contains("*(ArcGIS Enterprise before 10.4)*"))
            #expect(steps.contains("*(ArcGIS Enterprise 10.4 or later)* Import"))
            #expect(run.stdout.contains("The ArcGIS version is not in the logs"))
        }
        // WinINet did not fail anywhere: no Windows store step.
        #expect(!steps.contains("Cert:\\LocalMachine\\Root"))
    }

    /// Token expiry: since 10.8 the portal property only lowers the longest lifetime; before, it set it.
    @Test(arguments: [("10.7.1", "token-expiry-10.7.1.md"), ("11.3", "token-expiry-11.3.md")])
    func tokenStepsFollowTheVersion(version: String, golden: String) throws {
        let run = try gislog(["scan", "--timezone", "UTC", "--format", "markdown", "--arcgis-version", version, "Samples/token-expiry"])
        #expect(run.status == 1)
        try expectGolden(run.stdout, golden)
        if version == "10.7.1" {
            #expect(run.stdout.contains("Portal: in this release the maxTokenExpirationMinutes property sets the lifetime of tokens"))
            #expect(!run.stdout.contains("Since 10.8 it can only lower"))
        } else {
            #expect(!run.stdout.contains("in this release the maxTokenExpirationMinutes"))
            #expect(run.stdout.contains("Since 10.8 it can only lower"))
        }
        #expect(!run.stdout.contains("The ArcGIS version is not in the logs"))
    }

    @Test func aVersionThatIsNotOneIsRefused() throws {
        let run = try gislog(["scan", "--arcgis-version", "latest", "Samples/clean"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--arcgis-version: expected a release such as 10.8.1 or 11.3, got 'latest'"))
    }
}
