import Foundation
import Testing

/// scripts/fake-tls-endpoints.py, started once for every probe test: certificates it made, one loopback
/// endpoint per verdict. It ends (and removes its folder) when its stdin closes, that is when this test
/// process ends, so no test has to stop it.
// SAFETY: @unchecked Sendable: every property is set in `init` and only read afterwards; the process and
// the pipe are kept only so that the script's stdin stays open.
private final class TLSEndpoints: @unchecked Sendable {
    let folder: String
    let ports: [String: Int]
    private let process = Process()
    private let input = Pipe()

    init() throws {
        folder = NSTemporaryDirectory() + "gislog-probe-" + UUID().uuidString
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot + "/scripts/fake-tls-endpoints.py", folder]
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line is the ports, printed once every endpoint listens.
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data([0x0A]) {
            line += byte
        }
        guard let ports = try? JSONSerialization.jsonObject(with: line) as? [String: Int], ports["trusted"] != nil else {
            stop(process)
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey:
                "the TLS endpoints did not start (are python3 and openssl installed?): \(String(decoding: line, as: UTF8.self))"])
        }
        self.ports = ports
    }

    var root: String { folder + "/root.pem" }

    /// `--connect-to NAME.test:443:127.0.0.1:PORT` for each endpoint named.
    func route(_ names: String..., as host: String? = nil) -> [String] {
        names.flatMap { ["--connect-to", "\(host ?? $0 + ".test"):443:127.0.0.1:\(ports[$0]!)"] }
    }

    /// The heads of the HTTP requests the endpoints received.
    var requests: [[String: String]] {
        ((try? String(contentsOfFile: folder + "/requests.log", encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
        }
    }
}

private let started = Result { try TLSEndpoints() }

private func endpoints() throws -> TLSEndpoints { try started.get() }

private func json(_ run: CLIRun) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "not JSON: \(run.stdout) \(run.stderr)")
}

private func probes(_ run: CLIRun) throws -> [[String: Any]] {
    try #require(try json(run)["probes"] as? [[String: Any]])
}

/// Runs a helper command; its stdout.
private func command(_ arguments: [String], input: Data? = nil) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Suite("gislog probe against loopback TLS endpoints")
struct ProbeCLITests {
    @Test("each endpoint gets its verdict, with the chain as presented", arguments: [
        ("trusted", "trusted", 1), ("chain", "trusted", 2), ("untrusted", "untrusted-ca", 2),
        ("selfsigned", "self-signed-certificate", 1), ("incomplete", "incomplete-chain", 1),
        ("expired", "expired-certificate", 1), ("notyet", "expired-certificate", 1), ("mismatch", "hostname-mismatch", 1),
        ("plain", "not-tls", 0), ("closed", "unreachable", 0),
    ] as [(String, String, Int)])
    func verdicts(name: String, verdict: String, certificates: Int) throws {
        let site = try endpoints()
        let run = try gislog(["probe", "--format", "json", "--ca-file", site.root, "--timeout", "5s"] + site.route(name) + ["\(name).test"])
        #expect(run.status == (verdict == "trusted" ? 0 : 1), "\(run.stderr)")
        let probe = try #require(try probes(run).first)
        #expect(probe["target"] as? String == "\(name).test:443")
        #expect(probe["verdict"] as? String == verdict, "\(probe["reason"] ?? "")")
        #expect((probe["reason"] as? String)?.isEmpty == false)
        #expect((probe["trust_store"] as? String)?.hasPrefix("ca-file \(site.root) (1 certificate)") == true)
        let chain = try #require(probe["chain"] as? [[String: Any]])
        #expect(chain.count == certificates)
        for certificate in chain {
            for key in ["subject", "issuer", "not_before", "not_after", "sha256"] { #expect(certificate[key] is String, "\(key)") }
            #expect((certificate["sha256"] as? String)?.count == 64)
            #expect(certificate["self_signed"] is Bool && certificate["dns_names"] is [String])
            #expect((certificate["not_after"] as? String)?.hasSuffix("Z") == true)
        }
        if name == "untrusted" {
            #expect((chain.last?["self_signed"] as? Bool) == true)
            #expect((chain.last?["subject"] as? String) == "O=somewhere else,CN=gislog unknown root CA")
        }
        if name == "notyet" { #expect((probe["reason"] as? String)?.contains("not valid before 2099-01-01T00:00:00Z") == true) }
        if certificates > 0 {
            #expect(probe["connected_to"] as? String == "127.0.0.1:\(site.ports[name]!)")
            #expect((probe["tls_version"] as? String)?.hasPrefix("TLSv1.") == true)
            #expect((chain.first?["dns_names"] as? [String])?.first == (name == "mismatch" ? "other.test" : "\(name).test"))
        }
    }

    @Test func theTrustStoreIsAlwaysNamedAndTheSystemOneDoesNotKnowTheTestRoot() throws {
        let site = try endpoints()
        let run = try gislog(["probe", "--format", "json"] + site.route("trusted", "selfsigned") + ["trusted.test", "selfsigned.test"])
        #expect(run.status == 1)
        let results = try probes(run)
        #expect(results.map { $0["target"] as? String } == ["trusted.test:443", "selfsigned.test:443"])
        #expect(results.allSatisfy { ($0["trust_store"] as? String)?.hasPrefix("system (") == true })
        // Only the leaf is sent, and the system store does not hold its issuer.
        #expect(results[0]["verdict"] as? String == "incomplete-chain")
        #expect(results[1]["verdict"] as? String == "self-signed-certificate")
        let text = try gislog(["probe"] + site.route("trusted") + ["trusted.test"])
        #expect(text.stdout.contains("trust store: system ("))
    }

    @Test func allTrustedExitsZeroAndTheTextSaysWhatWasSeen() throws {
        let site = try endpoints()
        let run = try gislog(["probe", "--ca-file", site.root] + site.route("trusted", "chain") + ["trusted.test", "https://chain.test/arcgis"])
        #expect(run.status == 0 && run.stderr == "")
        #expect(run.stdout.contains("trusted.test:443 — trusted"))
        #expect(run.stdout.contains("chain.test:443 — trusted"))
        #expect(run.stdout.contains("1 subject  O=gislog tests,CN=gislog test intermediate CA"))
        #expect(run.stdout.contains("ArcGIS: ArcGIS Server 11.1.0 (token-based security, short-lived tokens 60 min)"))
    }

    @Test func restInfoIsReadWithoutCredentialsAndWithoutFollowingAnything() throws {
        let site = try endpoints()
        let server = try probes(try gislog(["probe", "--format", "json", "--ca-file", site.root] + site.route("trusted") + ["trusted.test"]))
        let info = try #require(server.first?["arcgis"] as? [String: Any])
        #expect(info["product"] as? String == "server" && info["version"] as? String == "11.1.0")
        #expect(info["token_based"] as? Bool == true && info["short_lived_token_minutes"] as? Int == 60)
        // A portal URL asks Portal's rest/info (answered in chunks), and nothing else.
        let url = "https://user:secret@chain.test/gis/sharing/rest/content?token=abc123"
        let portal = try probes(try gislog(["probe", "--format", "json", "--ca-file", site.root] + site.route("chain") + [url]))
        let portalInfo = try #require(portal.first?["arcgis"] as? [String: Any])
        #expect(portalInfo["product"] as? String == "portal" && portalInfo["token_based"] as? Bool == true)
        #expect(portalInfo["short_lived_token_minutes"] is NSNull)
        #expect(portalInfo["path"] as? String == "/gis/sharing/rest/info?f=json")
        // A bare context: Server's rest/info first; when that is not ArcGIS, Portal's, on a new connection.
        let fallback = try probes(try gislog(["probe", "--format", "json", "--ca-file", site.root] + site.route("trusted")
                                             + ["https://trusted.test/portalonly"]))
        #expect((fallback.first?["arcgis"] as? [String: Any])?["path"] as? String == "/portalonly/sharing/rest/info?f=json")
        let heads = site.requests.compactMap { $0["request"] }
        #expect(heads.filter { $0.contains("/portalonly/") }.count == 2)
        #expect(heads.contains { $0.hasPrefix("GET /gis/sharing/rest/info?f=json HTTP/1.1\r\nHost: chain.test\r\n") })
        for head in heads {
            #expect(head.hasPrefix("GET /") && head.contains("/rest/info?f=json HTTP/1.1"), "\(head)")
            for secret in ["authorization", "cookie", "token=", "secret", "abc123", "user:"] {
                #expect(!head.lowercased().contains(secret), "a probe sent '\(secret)': \(head)")
            }
        }
    }

    @Test func saveChainWritesPEMThatOpenSSLReadsBackAndThatVerifiesTheLeaf() throws {
        let site = try endpoints()
        let folder = site.folder + "/saved-\(UUID().uuidString)/certs"
        let run = try gislog(["probe", "--format", "json", "--ca-file", site.root, "--save-chain", folder] + site.route("untrusted")
                             + ["untrusted.test"])
        #expect(run.status == 1)
        let probe = try #require(try probes(run).first)
        let chain = try #require(probe["chain"] as? [[String: Any]])
        let saved = try #require(probe["saved"] as? [String])
        #expect(saved == [folder + "/untrusted.test_443-0-untrusted.test.pem", folder + "/untrusted.test_443-1-gislog_unknown_root_CA.pem"])
        for (file, certificate) in zip(saved, chain) {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            #expect(text.hasPrefix("-----BEGIN CERTIFICATE-----\n") && text.hasSuffix("-----END CERTIFICATE-----\n"))
            let read = try command(["openssl", "x509", "-in", file, "-noout", "-fingerprint", "-sha256"])
            #expect(read.status == 0)
            let fingerprint = read.output.split(separator: "=").last.map { $0.replacingOccurrences(of: ":", with: "").lowercased() }
            #expect(fingerprint?.trimmingCharacters(in: .whitespacesAndNewlines) == certificate["sha256"] as? String)
        }
        // The saved root is the one to import: with it, the saved leaf verifies.
        let verify = try command(["openssl", "verify", "-CAfile", saved[1], saved[0]])
        #expect(verify.status == 0, "\(verify.output)")
    }

    @Test func anEndpointThatAcceptsAndNeverAnswersTimesOutCleanly() throws {
        let site = try endpoints()
        let began = Date()
        let run = try gislog(["probe", "--format", "json", "--timeout", "1s"] + site.route("silent") + ["silent.test"])
        let elapsed = Date().timeIntervalSince(began)
        #expect(run.status == 1)
        let probe = try #require(try probes(run).first)
        #expect(probe["verdict"] as? String == "unreachable")
        #expect((probe["reason"] as? String)?.contains("accepted the connection but did not complete a TLS handshake") == true)
        #expect(elapsed < 5, "took \(elapsed) s with --timeout 1s")
        // Three at once take about one timeout, not three.
        let parallel = Date()
        let many = try gislog(["probe", "--timeout", "1s", "--connect-to", "::127.0.0.1:\(site.ports["silent"]!)", "a.test", "b.test", "c.test"])
        #expect(many.status == 1)
        #expect(Date().timeIntervalSince(parallel) < 5)
    }

    @Test func aHostileCertificateIsEscapedInEveryOutput() throws {
        let site = try endpoints()
        let run = try gislog(["probe", "--format", "json", "--ca-file", site.root] + site.route("hostile") + ["hostile.test"])
        let probe = try #require(try probes(run).first)
        #expect(probe["verdict"] as? String == "self-signed-certificate")
        let leaf = try #require((probe["chain"] as? [[String: Any]])?.first)
        let subject = try #require(leaf["subject"] as? String)
        #expect(subject.hasPrefix(##"emailAddress=\FF\FE\C0\AF@hostile.test,OU=one+UID=two,O=\</script\>\<img src=x\>,CN=\# hostile \"quoted\"\, \<tag\>\; a\+b=c \1B[31mred\E2\80\AE txt\ "##))
        let names = try #require(leaf["dns_names"] as? [String])
        #expect(names.count == 1503 && names.contains(#"\00\1B\FF\80.hostile.test"#))
        let text = try gislog(["probe", "--ca-file", site.root, "--save-chain", site.folder + "/hostile"] + site.route("hostile") + ["hostile.test"])
        #expect(!text.stdout.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || $0.value == 0x202E || $0.value == 0x7F })
        #expect(text.stdout.contains("and 1495 more"))
        let saved = try FileManager.default.contentsOfDirectory(atPath: site.folder + "/hostile")
        #expect(saved == ["hostile.test_443-0-_hostile_quoted_tag_a_b_c_1B_31mred_E2_80_AE_txt_.pem"])
    }

    @Test func mistakesExitTwoWithAMessage() throws {
        let site = try endpoints()
        for (arguments, message) in [
            (["probe", "http://gis.test"], "a probe speaks TLS"),
            (["probe", "gis.test:99999"], "not a host[:port]"),
            (["probe", "--connect-to", "a:b", "gis.test"], "expected HOST:PORT:ADDR:PORT"),
            (["probe", "--ca-file", site.folder + "/none.pem", "gis.test"], "--ca-file \(site.folder)/none.pem: cannot read it (No such file"),
            (["probe", "--ca-file", repositoryRoot + "/README.md", "gis.test"], "no CA certificate could be read"),
            (["probe", "--timeout", "soon", "gis.test"], "--timeout"),
            (["probe", "--save-chain", "/proc/gislog-cannot/x"] + site.route("trusted") + ["trusted.test"], "--save-chain"),
            (["scan", "--ca-file", site.root, "Samples/basic"], "is for --probe or --server/--portal"),
        ] as [([String], String)] {
            let run = try gislog(arguments)
            #expect(run.status == 2, "\(arguments)")
            #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
            #expect(run.stdout.isEmpty || arguments.contains("--save-chain"))
        }
    }
}

@Suite("gislog scan --probe", .serialized)
struct ScanProbeTests {
    /// Samples/untrusted-ca's logs alone read as an unknown CA; the endpoint behind portal.example.org
    /// presents a self-signed certificate.
    @Test func aSelfSignedEndpointIsRankedFirstConfirmedInEveryFormat() throws {
        let site = try endpoints()
        let arguments = ["scan", "--timezone", "UTC", "--probe", "--ca-file", site.root] + site.route("selfsigned", as: "portal.example.org")
            + ["Samples/untrusted-ca"]
        let plain = try gislog(["scan", "--timezone", "UTC", "--format", "json", "Samples/untrusted-ca"])
        #expect(((try json(plain)["causes"] as? [[String: Any]])?.first?["id"] as? String) == "untrusted-ca")

        let report = try json(try gislog(arguments + ["--format", "json"]))
        let causes = try #require(report["causes"] as? [[String: Any]])
        let top = try #require(causes.first)
        #expect(top["id"] as? String == "self-signed-certificate" && top["rank"] as? Int == 1 && top["primary"] as? Bool == true)
        #expect((top["reasons"] as? [String])?.first?.hasPrefix("confirmed by probe: portal.example.org presents a self-signed certificate") == true)
        let probe = try #require((top["probe"] as? [[String: Any]])?.first)
        #expect(probe["target"] as? String == "portal.example.org:443" && probe["verdict"] as? String == "self-signed-certificate")
        let sha256 = try #require(((probe["chain"] as? [[String: Any]])?.first?["sha256"] as? String))
        #expect(probe["arcgis"] is [String: Any])
        // The endpoint's rest/info tells the release: it chooses the steps that differ by version.
        let version = try #require(report["arcgis_version"] as? [String: Any])
        #expect(version["version"] as? String == "11.1" && version["source"] as? String == "rest/info of portal.example.org:443")
        #expect((top["step_details"] as? [[String: Any]])?.allSatisfy { $0["only_for"] is NSNull } == true)
        #expect((report["notes"] as? [String])?.contains { $0.hasPrefix("The ArcGIS version is not in the logs") } == false)
        let second = try #require(causes.dropFirst().first)
        #expect(second["id"] as? String == "untrusted-ca" && second["primary"] as? Bool == false)
        #expect((second["probe"] as? [[String: Any]])?.count == 1)
        #expect((report["causes"] as? [[String: Any]])?.allSatisfy { $0["probe"] is [Any] } == true)

        for format in ["text", "markdown", "html", "ndjson"] {
            let run = try gislog(arguments + ["--format", format])
            #expect(run.status == 1, "\(format): \(run.stderr)")
            #expect(run.stdout.contains("confirmed by probe"), "\(format)")
            #expect(run.stdout.contains(sha256), "\(format) lacks the certificate's SHA-256")
            #expect(run.stdout.contains("self-signed-certificate"), "\(format)")
        }
        let text = try gislog(arguments)
        let first = text.stdout.components(separatedBy: "LIKELY CAUSES").last ?? ""
        #expect(first.drop { $0 == "\n" }.hasPrefix("1. self-signed-certificate"), "\(first.prefix(300))")

        // The feed stays valid against its schema, probe objects included.
        let feed = try gislog(arguments + ["--format", "ndjson"])
        let file = site.folder + "/feed-\(UUID().uuidString).ndjson"
        try feed.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        let check = try command(["sh", "-c", "python3 '\(repositoryRoot)/scripts/validate-ndjson' < '\(file)'"])
        #expect(check.status == 0, "\(check.output)")
    }

    @Test func aTrustedEndpointWeakensTheCertificateCauseAndNamesTheStore() throws {
        let site = try endpoints()
        let run = try gislog(["scan", "--timezone", "UTC", "--format", "json", "--probe", "--ca-file", site.root]
                             + site.route("trusted", as: "portal.example.org") + ["Samples/untrusted-ca"])
        let top = try #require((try json(run)["causes"] as? [[String: Any]])?.first)
        #expect(top["id"] as? String == "untrusted-ca")
        // Halved: the machine running gislog trusts the endpoint.
        let plain = try gislog(["scan", "--timezone", "UTC", "--format", "json", "Samples/untrusted-ca"])
        let before = try #require((try json(plain)["causes"] as? [[String: Any]])?.first?["confidence"] as? Double)
        #expect(abs((top["confidence"] as? Double ?? 0) - before / 2) <= 0.01)
        let reason = try #require((top["reasons"] as? [String])?.first)
        #expect(reason.contains("trusted by the trust store \(site.root) (--ca-file)"))
        #expect(reason.contains("may not trust what the machine running gislog trusts"))
    }

    @Test func aMissingIntermediateSupportsUntrustedCAWithItsOwnFix() throws {
        let site = try endpoints()
        let run = try gislog(["scan", "--timezone", "UTC", "--format", "json", "--probe", "--ca-file", site.root]
                             + site.route("incomplete", as: "portal.example.org") + ["Samples/untrusted-ca"])
        let top = try #require((try json(run)["causes"] as? [[String: Any]])?.first)
        #expect(top["id"] as? String == "untrusted-ca" && top["confidence"] as? Double == 0.95)
        #expect((top["steps"] as? [String])?.first?.hasPrefix("Install the intermediate certificate on the endpoint behind portal.example.org:443") == true)
        #expect(((top["probe"] as? [[String: Any]])?.first?["verdict"] as? String) == "incomplete-chain")
    }

    @Test func withoutProbeAScanNeverLoadsTLSNorOpensASocket() throws {
        // The dynamic loader lists every library it loads; OpenSSL must not be one of them.
        let traced = try gislog(["scan", "--timezone", "UTC", "Samples/untrusted-ca"], environment: ["LD_DEBUG": "libs"])
        #expect(traced.status == 1)
        #expect(traced.stderr.contains("calling init"), "LD_DEBUG had no effect")
        #expect(!traced.stderr.contains("libssl") && !traced.stderr.contains("libcrypto") && !traced.stderr.contains("libcurl"))
        // With --probe it is loaded (the same check sees it).
        let site = try endpoints()
        let probed = try gislog(["scan", "--timezone", "UTC", "--probe", "--ca-file", site.root]
                                + site.route("trusted", as: "portal.example.org") + ["Samples/untrusted-ca"], environment: ["LD_DEBUG": "libs"])
        #expect(probed.stderr.contains("libssl.so.3"))
        // And no socket at all, where strace is there to tell.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/strace") else { return }
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gislog").path
        let strace = try command(["strace", "-f", "-e", "trace=socket,connect", FileManager.default.fileExists(atPath: binary)
                                  ? binary : repositoryRoot + "/.build/debug/gislog", "scan", "--timezone", "UTC",
                                  repositoryRoot + "/Samples/untrusted-ca"])
        #expect(!strace.output.contains("socket(") && !strace.output.contains("connect("), "\(strace.output.suffix(500))")
    }
}
