import Testing
@testable import GISLogSupport
@testable import GISLogInput
@testable import GISLogRecords
@testable import GISLogRules
@testable import GISLogCorrelation
@testable import GISLogReports
@testable import GISLogFetch
@testable import GISLogProbe
@testable import GISLogKit
import GISLogFuzzSupport

/// A self-signed certificate with names in four ASN.1 string types (BMPString CN, UniversalString O with
/// a character outside the BMP, T61String OU in a multi-valued RDN with a UTF8String UID), valid from
/// 2020-02-29T12:00:00Z to 2120-01-01, with DNS, IPv4 and IPv6 subjectAltNames.
private let oddCertificateBase64 = [
    "MIICLDCCAdKgAwIBAgIBBzAKBggqhkjOPQQDAjB7MQswCQYDVQQGEwJDSDEtMCsGA1UEChwkAAAAQwAAAGEAAABmAAAA6QAAACAA",
    "AGdxAABOrAAAACAAAfYAMR4wCgYDVQQLFANHSVMwEAYKCZImiZPyLGQBAQwCdTExHTAbBgNVBAMeFABaAPwAcgBpAGMAaAAgAGcA",
    "aQBzMCAXDTIwMDIyOTEyMDAwMFoYDzIxMjAwMTAxMDAwMDAwWjB7MQswCQYDVQQGEwJDSDEtMCsGA1UEChwkAAAAQwAAAGEAAABm",
    "AAAA6QAAACAAAGdxAABOrAAAACAAAfYAMR4wCgYDVQQLFANHSVMwEAYKCZImiZPyLGQBAQwCdTExHTAbBgNVBAMeFABaAPwAcgBp",
    "AGMAaAAgAGcAaQBzMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEXjYOuLCgd/OUgsD/7XbNrtgS22SpwKItoNmVNgWFgBFp9uVv",
    "CeU2YJWEL42+wxJjVKpCiYS3DTYyO78kR4mzF6NFMEMwQQYDVR0RBDowOIIPZ2lzLmV4YW1wbGUuY29tgg0qLmV4YW1wbGUuY29t",
    "hwTAAAIHhxAgAQ24AAAAAAAAAAAAAAABMAoGCCqGSM49BAMCA0gAMEUCIBuhsVf0aTFObxjFAsetVjtyBwrwwhiHeHwUOywF5NrY",
    "AiEA1xPPZ8S7Ujq91JGiJ31OlxMG0+JanVDhjFXsrsj9p6w=",
].joined()

private func attribute(_ type: String, _ text: String, _ stringType: Int32 = 12, rdn: Int32) -> NameAttribute {
    NameAttribute(type: type, stringType: stringType, value: Array(text.utf8), rdn: rdn)
}

/// A deterministic byte generator for the property tests (xorshift).
private struct Bytes {
    var state: UInt64
    mutating func next() -> UInt8 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
    mutating func array(_ count: Int) -> [UInt8] { (0..<count).map { _ in next() } }
}

@Suite("Probe: certificates as text")
struct CertificateTextTests {
    @Test func aRealCertificateIsDescribedFromItsOwnBytes() throws {
        let der = try #require(Base64.decode(oddCertificateBase64))
        let info = try #require(X509Certificate(der: der)).info
        #expect(info.subject == "CN=Zürich gis,OU=GIS+UID=u1,O=Café 東京 😀,C=CH")
        #expect(info.issuer == info.subject)
        #expect(info.commonName == "Zürich gis")
        #expect(info.selfSigned)
        #expect(info.notBefore.map(UTCTime.rfc3339) == "2020-02-29T12:00:00Z")
        #expect(info.notAfter.map(UTCTime.rfc3339) == "2120-01-01T00:00:00Z")
        #expect(info.dnsNames == ["gis.example.com", "*.example.com"])
        #expect(info.ipAddresses == ["192.0.2.7", "2001:db8::1"])
        #expect(info.sha256Hex == "bec9a0145f210a729049176acf7ce38a1b866771008be6edb948066615a97728")
        #expect(info.der == der)
        // The PEM reads back to the same DER, in 64-column lines.
        let lines = info.pem.split(separator: "\n")
        #expect(lines.first == "-----BEGIN CERTIFICATE-----" && lines.last == "-----END CERTIFICATE-----")
        #expect(lines.dropFirst().dropLast().allSatisfy { $0.count <= 64 })
        #expect(Base64.decode(lines.dropFirst().dropLast().joined()) == der)
    }

    @Test func namesAreRFC4514MostSpecificFirstWithSpecialsEscaped() {
        let name = DistinguishedName.format([
            attribute("C", "US", 19, rdn: 0),
            attribute("O", "Example, Inc. \"GIS\" <a>;b+c\\d", rdn: 1),
            attribute("OU", "#1 ", rdn: 2),
            attribute("CN", " portal", rdn: 3),
            attribute("UID", "x=y", rdn: 3),
        ])
        #expect(name == ##"CN=\ portal+UID=x=y,OU=\#1\ ,O=Example\, Inc. \"GIS\" \<a\>\;b\+c\\d,C=US"##)
    }

    @Test func bytesThatDoNotDecodeAndControlCharactersBecomeHexEscapes() {
        // Invalid UTF-8: a lone continuation byte, an overlong '/', a surrogate, past U+10FFFF, a cut sequence.
        let utf8: [UInt8] = [0x61, 0x80, 0xC0, 0xAF, 0xED, 0xA0, 0x80, 0xF4, 0x90, 0x80, 0x80, 0xE6, 0x97]
        #expect(DistinguishedName.value(utf8, stringType: 12) == #"a\80\C0\AF\ED\A0\80\F4\90\80\80\E6\97"#)
        // ESC, NUL, DEL, a bidi override, a zero-width space: visible as their bytes.
        let hidden = Array("a\u{1B}[31m\u{0}\u{7F}b\u{202E}c\u{200B}".utf8)
        #expect(DistinguishedName.value(hidden, stringType: 12) == #"a\1B[31m\00\7Fb\E2\80\AEc\E2\80\8B"#)
        // PrintableString and IA5String hold ASCII: anything above is a byte, not a character.
        #expect(DistinguishedName.value([0x41, 0xE9, 0x42], stringType: 19) == #"A\E9B"#)
        #expect(DistinguishedName.value([0x41, 0xFF], stringType: 22) == #"A\FF"#)
        // T61String is read as Latin-1.
        #expect(DistinguishedName.value([0x42, 0xE4, 0x75], stringType: 20) == "Bäu")
        // BMPString: UTF-16BE, pairs joined, a lone surrogate and an odd last byte kept as bytes.
        #expect(DistinguishedName.value([0x00, 0x5A, 0xD8, 0x3D, 0xDE, 0x00], stringType: 30) == "Z😀")
        #expect(DistinguishedName.value([0xD8, 0x3D, 0x00, 0x41, 0x42], stringType: 30) == #"\D8\3DA\42"#)
        // UniversalString: UTF-32BE; a value past U+10FFFF and a cut tail as bytes.
        #expect(DistinguishedName.value([0, 0, 0, 0x41, 0x00, 0x11, 0, 0, 0x01], stringType: 28) == #"A\00\11\00\00\01"#)
        // Not a string type: '#' and the hex of the content.
        #expect(DistinguishedName.value([0x01, 0xAB], stringType: 16) == "#01ab")
    }

    @Test func alternativeNamesAreAlwaysPrintable() {
        #expect(AltName.dns(Array("gis.example.com".utf8)) == "gis.example.com")
        #expect(AltName.dns([0x61, 0x00, 0x1B, 0xFF, 0x20, 0x5C]) == #"a\00\1B\FF\20\5C"#)
        #expect(AltName.ip([10, 0, 0, 1]) == "10.0.0.1")
        #expect(AltName.ip([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]) == "::1")
        #expect(AltName.ip([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]) == "2001:db8:0:1::1")
        #expect(AltName.ip([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]) == "2001:db8:0:1:1:1:1:1")
        #expect(AltName.ip([1, 2, 3]) == "#010203")
    }

    @Test func timesAreRFC3339UTCOverTheWholeRange() {
        #expect(UTCTime.rfc3339(0) == "1970-01-01T00:00:00Z")
        #expect(UTCTime.rfc3339(951_782_400) == "2000-02-29T00:00:00Z")
        #expect(UTCTime.rfc3339(-1) == "1969-12-31T23:59:59Z")
        #expect(UTCTime.rfc3339(253_402_300_799) == "9999-12-31T23:59:59Z")
        #expect(UTCTime.rfc3339(-62_135_596_800) == "0001-01-01T00:00:00Z")
    }

    @Test func base64RoundTripsAnyBytes() {
        var bytes = Bytes(state: 0x9E37_79B9_7F4A_7C15)
        for count in 0..<70 {
            let data = bytes.array(count)
            #expect(Base64.decode(Base64.encode(data)) == data)
        }
        #expect(Base64.encode(Array("Man".utf8)) == "TWFu" && Base64.encode([0xFF]) == "/w==")
        #expect(Base64.decode("TWF") == nil && Base64.decode("TW!u") == nil)
    }

    /// Hostile input: random bytes as names of every string type, as DNS names, and as a DER certificate,
    /// through to JSON. The entry point traps on any broken invariant (a control character in a description,
    /// JSON that does not parse, PEM that does not round-trip).
    @Test func randomBytesNeverBreakTheCertificateToJSONPath() {
        var bytes = Bytes(state: 0x1234_5678_9ABC_DEF1)
        for round in 0..<600 {
            _FuzzEntryPoints.describeCertificate(bytes.array(Int(bytes.next()) + round % 7))
        }
        // A real certificate with bytes flipped here and there: OpenSSL refuses it or it is described.
        let der = Base64.decode(oddCertificateBase64)!
        for round in 0..<200 {
            var damaged = der
            for _ in 0...(round % 4) { damaged[Int(bytes.next()) * 2 % damaged.count] = bytes.next() }
            _FuzzEntryPoints.describeCertificate(damaged)
        }
        #expect(X509Certificate(der: Array(der.prefix(100))) == nil)
        #expect(X509Certificate(der: []) == nil)
    }

    @Test func hugeNamesAndManyAlternativeNamesStayValidJSON() throws {
        let many = (0..<5000).map { "san\($0).example.com" }
        var info = CertificateInfo(subject: String(repeating: "CN=x,", count: 10_000), issuer: "CN=\u{1B}",
                                   commonName: nil, notBefore: nil, notAfter: nil, sha256: [], selfSigned: false,
                                   dnsNames: many, ipAddresses: [], der: [])
        info.dnsNames.append("a\"b\\c")
        var json = JSONWriter()
        ProbeJSON.write(info, into: &json)
        let parsed = try JSONValue.parse(Array(json.output.utf8))
        #expect(parsed["dns_names"]?.array?.count == 5001)
        #expect(parsed["dns_names"]?.array?.last?.string == "a\"b\\c")
        #expect(parsed["not_before"] == .null && parsed["sha256"]?.string == "")
    }
}

@Suite("Probe: targets, verdicts, answers")
struct ProbeLogicTests {
    @Test func targetsAreHostPortOrHTTPSURLs() throws {
        let bare = try ProbeTarget.parse("Portal.Example.org")
        #expect(bare.host == "portal.example.org" && bare.port == 443 && bare.display == "portal.example.org:443")
        #expect(bare.infoPaths == ["/arcgis/rest/info?f=json", "/arcgis/sharing/rest/info?f=json"])
        let server = try ProbeTarget.parse("gis01:6443")
        #expect(server.host == "gis01" && server.port == 6443)
        let url = try ProbeTarget.parse("https://user:secret@portal.example.org:7443/portal/sharing/rest/self?token=abc")
        #expect(url.host == "portal.example.org" && url.port == 7443 && url.infoPaths == ["/portal/sharing/rest/info?f=json"])
        #expect(try ProbeTarget.parse("https://gis.example.org/server/rest/services").infoPaths == ["/server/rest/info?f=json"])
        #expect(try ProbeTarget.parse("https://gis.example.org/gis").infoPaths == ["/gis/rest/info?f=json", "/gis/sharing/rest/info?f=json"])
        let v6 = try ProbeTarget.parse("[::1]:8443")
        #expect(v6.host == "::1" && v6.port == 8443 && v6.display == "[::1]:8443")
        for bad in ["", "http://gis", "gis:0", "gis:65536", "gis:x", "a b", "gis:443/x", "[::1", "ldap://gis", "gis\u{1B}"] {
            #expect(throws: ProbeError.self, "\(bad)") { try ProbeTarget.parse(bad) }
        }
    }

    @Test func connectToRulesRouteLikeCurl() throws {
        let rules = try ["portal.example.org:443:127.0.0.1:8443", ":6443:[::1]:", "any.test::10.0.0.1:"].map { try ConnectTo.parse($0) }
        func route(_ target: String) throws -> String {
            let routed = ConnectTo.route(try ProbeTarget.parse(target), rules: rules)
            return ProbeTarget.display(host: routed.address, port: routed.port)
        }
        #expect(try route("portal.example.org") == "127.0.0.1:8443")
        #expect(try route("portal.example.org:7443") == "portal.example.org:7443")
        #expect(try route("gis01:6443") == "[::1]:6443")
        #expect(try route("any.test:9") == "10.0.0.1:9")
        for bad in ["a:1:b", "a:x:b:1", "a:1:b:99999", "a:1:b c:1"] {
            #expect(throws: ProbeError.self, "\(bad)") { try ConnectTo.parse(bad) }
        }
    }

    private func judge(_ problems: [(Int32, Int)], chain: Int = 2) -> (ProbeVerdict, [ProbeVerdict], String) {
        let certificate = CertificateInfo(subject: "CN=leaf", issuer: "CN=issuer", commonName: "leaf", notBefore: 0,
                                          notAfter: 86_400, sha256: [], selfSigned: false, dnsNames: ["leaf.test"],
                                          ipAddresses: [], der: [])
        let result = VerdictJudge.judge(problems: problems.map { VerifyProblem(code: $0.0, depth: $0.1, text: "text \($0.0)") },
                                        chain: Array(repeating: certificate, count: chain), host: "gis.test", store: "the store")
        return (result.verdict, result.problems, result.reason)
    }

    @Test func openSSLVerifyResultsMapOntoVerdicts() {
        #expect(judge([]).0 == .trusted)
        #expect(judge([(18, 0)]).0 == .selfSignedCertificate)
        #expect(judge([(19, 1)]).0 == .untrustedCA)
        #expect(judge([(20, 0), (21, 0)], chain: 1).0 == .incompleteChain)
        #expect(judge([(20, 1)]).0 == .untrustedCA)  // leaf and intermediate sent, the root unknown
        #expect(judge([(2, 1)]).0 == .untrustedCA)
        #expect(judge([(10, 0)]).0 == .expiredCertificate)
        #expect(judge([(9, 1)]).0 == .expiredCertificate)
        #expect(judge([(62, 0)]).0 == .hostnameMismatch)
        #expect(judge([(64, 0)]).0 == .hostnameMismatch)
        #expect(judge([(7, 0)]).0 == .untrustedCA)  // a bad signature: not trusted, in OpenSSL's words
        #expect(judge([(7, 0)]).2.contains("text 7"))
        // Several problems: the most fundamental is the verdict, every one is listed and said.
        let many = judge([(62, 0), (10, 0), (18, 0)], chain: 1)
        #expect(many.0 == .selfSignedCertificate)
        #expect(many.1 == [.selfSignedCertificate, .expiredCertificate, .hostnameMismatch])
        #expect(many.2.contains("also: ") && many.2.contains("expired") && many.2.contains("not gis.test"))
    }

    @Test func httpAnswersAreReadByLengthChunksOrClose() {
        func parse(_ text: String, ended: Bool = false) -> HTTPAnswer.Parse { HTTPAnswer.parse(Array(text.utf8), ended: ended) }
        guard case .complete(let sized) = parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}extra") else { Issue.record("sized"); return }
        #expect(sized.status == 200 && sized.body == Array("{}".utf8))
        #expect(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{}") == .incomplete)
        guard case .complete(let chunked) = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{\"\r\n3;x=y\r\na\":\r\n2\r\n1}\r\n0\r\n\r\n")
        else { Issue.record("chunked"); return }
        #expect(String(decoding: chunked.body, as: UTF8.self) == "{\"a\":1}")
        #expect(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab") == .incomplete)
        #expect(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") == .invalid("bad chunk size"))
        guard case .complete(let closed) = parse("HTTP/1.0 200 OK\r\n\r\nbody", ended: true) else { Issue.record("closed"); return }
        #expect(closed.body == Array("body".utf8))
        #expect(parse("HTTP/1.0 200 OK\r\n\r\nbody") == .incomplete)
        #expect(parse("SSH-2.0-OpenSSH\r\n\r\n") == .invalid("not an HTTP answer"))
        #expect(parse("", ended: true) == .invalid("no answer"))
    }

    @Test func restInfoIsReadFromServerAndPortalAnswers() {
        func answer(_ body: String, status: Int = 200) -> HTTPAnswer { HTTPAnswer(status: status, headers: [], body: Array(body.utf8)) }
        let server = ArcGISInfo.parse(response: answer("""
            {"currentVersion": 10.91, "authInfo": {"isTokenBasedSecurity": true, "shortLivedTokenValidity": 90}}
            """), path: "/arcgis/rest/info?f=json")
        #expect(server == ArcGISInfo(product: "server", version: "10.91", tokenBased: true, shortLivedTokenMinutes: 90,
                                     path: "/arcgis/rest/info?f=json"))
        let portal = ArcGISInfo.parse(response: answer("""
            {"owningSystemUrl": "https://p/arcgis", "fullVersion": "11.3", "authInfo": {"isTokenBasedSecurity": false}}
            """), path: "/arcgis/sharing/rest/info?f=json")
        #expect(portal?.product == "portal" && portal?.version == "11.3" && portal?.tokenBased == false && portal?.shortLivedTokenMinutes == nil)
        #expect(ArcGISInfo.parse(response: answer(#"{"error":{"code":404}}"#), path: "/x") == nil)
        #expect(ArcGISInfo.parse(response: answer("<html>login</html>"), path: "/x") == nil)
        #expect(ArcGISInfo.parse(response: answer(#"{"currentVersion": 11}"#, status: 302), path: "/x") == nil)
        #expect(ArcGISInfo.parse(response: answer(#"{"other": 1}"#), path: "/x") == nil)
    }

    @Test func savedFilesAreNamedByHostAndSubjectWithNothingUnsafe() {
        func name(_ subject: String, cn: String?) -> String {
            ChainSaver.fileName(host: "portal.example.org", port: 443, depth: 1, certificate: CertificateInfo(
                subject: subject, issuer: "", commonName: cn, notBefore: nil, notAfter: nil, sha256: [], selfSigned: false,
                dnsNames: [], ipAddresses: [], der: []))
        }
        #expect(name("CN=EXAMPLE-ORG-ISSUING-CA,O=Example", cn: "EXAMPLE-ORG-ISSUING-CA") == "portal.example.org_443-1-EXAMPLE-ORG-ISSUING-CA.pem")
        #expect(name("O=Only Org", cn: nil) == "portal.example.org_443-1-O_Only_Org.pem")
        #expect(name("", cn: "../../etc/passwd") == "portal.example.org_443-1-_etc_passwd.pem")
        #expect(name("", cn: ".hidden..x") == "portal.example.org_443-1-_hidden._x.pem")
        #expect(name("", cn: "\\1B[31m") == "portal.example.org_443-1-_1B_31m.pem")
        #expect(name(String(repeating: "x", count: 500), cn: nil).count < 200)
    }
}

@Suite("Probe: ranking")
struct ProbeRankingTests {
    private static let definitions: [CauseDefinition] = (try? RulePack.load(RulePack.builtinSources).causes) ?? []

    private func failure(_ minute: Int, host: String = "portal.example.org", port: String? = nil) -> Event {
        var fields = [EventField(name: "host", value: host), EventField(name: "url", value: "https://\(host)\(port.map { ":" + $0 } ?? "")/arcgis/sharing/rest/self")]
        if let port { fields.append(EventField(name: "port", value: port)) }
        return Event(ruleID: "wininet-invalid-ca", category: .certificate, severity: .high, time: Int64(minute) * 60_000,
                     machine: "GIS01", product: .server, component: .server, path: "/logs/gis01.log", line: minute + 1,
                     byteOffset: 0, level: .severe, code: nil, source: nil, process: nil, thread: nil, user: nil,
                     requestID: nil, methodName: nil, message: "12045", fields: fields)
    }

    private func cause(_ id: CauseID, confidence: Double, primary: Bool, peers: [String] = ["portal.example.org"],
                       events: [Event]) -> RankedCause {
        RankedCause(id: id, findingID: id.rawValue, incidentIDs: ["i-" + id.rawValue], rank: 0, confidence: confidence,
                    isPrimary: primary, title: id.rawValue, summary: "", reasons: ["from the logs"], machines: ["GIS01"],
                    peers: peers, events: events.count, firstSeen: events.first?.time, lastSeen: events.last?.time,
                    evidence: [Burst(ruleID: "wininet-invalid-ca", category: .certificate, machine: "GIS01", count: events.count,
                                     first: events.first?.time, last: events.last?.time, example: events[0])],
                    steps: [WorkaroundStep(text: "a step")], references: [])
    }

    private func probe(_ verdict: ProbeVerdict, target: String = "portal.example.org:443", minutes: Int? = nil) -> ProbeResult {
        let leaf = CertificateInfo(subject: "CN=portal.example.org", issuer: "CN=Issuing CA", commonName: "portal.example.org",
                                   notBefore: 0, notAfter: 86_400, sha256: Array(repeating: 0xAB, count: 32),
                                   selfSigned: verdict == .selfSignedCertificate, dnsNames: ["portal.example.org"],
                                   ipAddresses: [], der: [1])
        let parts = ProbeTarget.splitHostPort(Substring(target), defaultPort: 443)!
        return ProbeResult(target: target, host: parts.0, port: parts.1, verdict: verdict,
                           problems: verdict.isCertificateVerdict && verdict != .trusted ? [verdict] : [],
                           reason: "the probe says \(verdict.rawValue)", trustStore: "ca-file roots.pem (2 certificates)",
                           trustStorePhrase: "the trust store roots.pem (--ca-file)",
                           chain: verdict.isCertificateVerdict ? [leaf] : [],
                           arcgis: minutes.map { ArcGISInfo(product: "server", version: "11.1", tokenBased: true,
                                                            shortLivedTokenMinutes: $0, path: "/arcgis/rest/info?f=json") })
    }

    private func apply(_ results: [ProbeResult], _ causes: [RankedCause], events: [Event]) -> (Diagnosis, [String: [ProbeResult]]) {
        let applied = ProbeRanking.apply(results, to: Diagnosis(causes: causes, findings: [], caveats: []),
                                         definitions: Self.definitions, events: events, machineProducts: ["GIS01": .server])
        return (applied.diagnosis, applied.probes)
    }

    @Test func theTargetsAreEachPeerOnceWithTheInfoPathItsURLsShow() {
        let events = [failure(1), failure(2, host: "gis02", port: "6443")]
        let diagnosis = Diagnosis(causes: [
            cause(.untrustedCA, confidence: 0.8, primary: true, peers: ["portal.example.org", "gis02:6443"], events: events),
            cause(.selfSignedCertificate, confidence: 0.5, primary: false, peers: ["gis02:6443", "PORTAL.example.org:443"], events: events),
        ], findings: [], caveats: [])
        let targets = ProbeRanking.targets(for: diagnosis, events: events)
        #expect(targets.map(\.display) == ["portal.example.org:443", "gis02:6443"])
        #expect(targets.first?.infoPaths == ["/arcgis/sharing/rest/info?f=json"])
    }

    @Test func aVerdictTheLogsDidNotRankIsAddedFirstAndConfirmed() throws {
        let events = (0..<6).map { failure($0 * 20) }
        let (diagnosis, probes) = apply([probe(.selfSignedCertificate)],
                                        [cause(.untrustedCA, confidence: 0.85, primary: true, events: events)], events: events)
        let top = try #require(diagnosis.causes.first)
        #expect(top.id == .selfSignedCertificate && top.rank == 1 && top.isPrimary && top.confidence == 0.95)
        #expect(top.reasons.first?.hasPrefix("confirmed by probe: the probe says self-signed-certificate") == true)
        #expect(top.reasons.first?.contains(String(repeating: "ab", count: 32)) == true)
        #expect(top.reasons.contains { $0.contains("logs alone did not rank") })
        #expect(top.steps.first?.line.contains("--save-chain") == true)
        #expect(top.events == 6 && top.machines == ["GIS01"] && top.incidentIDs == ["i-untrusted-ca"])
        #expect(!top.summary.isEmpty && top.steps.count > 1)
        let second = try #require(diagnosis.causes.dropFirst().first)
        #expect(second.id == .untrustedCA && second.rank == 2 && !second.isPrimary && second.confidence == 0.85)
        #expect(second.reasons.first?.contains("found self-signed-certificate instead") == true)
        #expect(probes[top.findingID]?.map(\.verdict) == [.selfSignedCertificate])
        #expect(probes[second.findingID]?.count == 1)
    }

    @Test func aConfirmedCauseAlreadyRankedMovesUpAndTheOtherGoesDown() throws {
        let events = (0..<4).map { failure($0 * 15) }
        let (diagnosis, _) = apply([probe(.selfSignedCertificate)], [
            cause(.untrustedCA, confidence: 0.85, primary: true, events: events),
            cause(.selfSignedCertificate, confidence: 0.4, primary: false, events: events),
        ], events: events)
        #expect(diagnosis.causes.map(\.id) == [.selfSignedCertificate, .untrustedCA])
        #expect(diagnosis.causes.map(\.rank) == [1, 2])
        #expect(diagnosis.causes[0].confidence == 0.95 && diagnosis.causes[0].isPrimary)
        #expect(!diagnosis.causes[0].reasons.contains { $0.contains("logs alone") })
        #expect(diagnosis.causes[1].isPrimary == false)
    }

    @Test func incompleteChainConfirmsUntrustedCAWithItsOwnFix() throws {
        let events = (0..<3).map { failure($0) }
        let (diagnosis, _) = apply([probe(.incompleteChain)], [
            cause(.tokenExpiry, confidence: 0.9, primary: true, events: events),
            cause(.untrustedCA, confidence: 0.4, primary: false, events: events),
        ], events: events)
        let top = try #require(diagnosis.causes.first)
        #expect(top.id == .untrustedCA && top.isPrimary && top.confidence == 0.95)
        #expect(top.steps.first?.line.hasPrefix("Install the intermediate certificate on the endpoint behind portal.example.org:443") == true)
        #expect(top.steps.first?.line.contains("CN=Issuing CA") == true)
        // Token expiry is not a certificate cause: the probe does not contradict it.
        #expect(diagnosis.causes[1].id == .tokenExpiry && diagnosis.causes[1].isPrimary)
    }

    @Test func aTrustedVerdictHalvesCertificateCausesAndNamesTheStore() throws {
        let events = (0..<3).map { failure($0) }
        let (diagnosis, _) = apply([probe(.trusted)], [cause(.untrustedCA, confidence: 0.85, primary: true, events: events)],
                                   events: events)
        let only = try #require(diagnosis.causes.first)
        #expect(only.confidence == 0.43 && only.isPrimary)
        #expect(only.reasons.first?.contains("trusted by the trust store roots.pem (--ca-file)") == true)
        #expect(only.reasons.first?.contains("ca-file roots.pem (2 certificates)") == true)
    }

    @Test func anEndpointThatCouldNotBeCheckedChangesNothingButIsSaid() throws {
        let events = (0..<3).map { failure($0) }
        let before = [cause(.untrustedCA, confidence: 0.85, primary: true, events: events)]
        let (diagnosis, _) = apply([probe(.unreachable)], before, events: events)
        #expect(diagnosis.causes.map(\.confidence) == [0.85])
        #expect(diagnosis.causes[0].reasons.first?.hasPrefix("the probe could not check portal.example.org:443 (unreachable)") == true)
        // A probe of another host leaves the cause alone.
        let (other, probes) = apply([probe(.selfSignedCertificate, target: "elsewhere:443")], before, events: events)
        #expect(other.causes.map(\.id) == [.untrustedCA] && other.causes[0].reasons == ["from the logs"])
        #expect(probes["untrusted-ca"] == [])
    }

    @Test func theTokenLifetimeFromRestInfoIsCheckedAgainstTheRecurrence() throws {
        // Bursts every 60 min (three returns), and every 45 min.
        let hourly = [0, 1, 60, 61, 120, 180].map { failure($0) }
        let (matching, _) = apply([probe(.trusted, minutes: 60)], [cause(.tokenExpiry, confidence: 0.7, primary: true, events: hourly)],
                                  events: hourly)
        #expect(matching.causes[0].confidence == 0.8)
        #expect(matching.causes[0].reasons.first?.contains("came back every 60 min (3 of 3 returns)") == true)
        let other = [0, 45, 90, 135].map { failure($0) }
        let (different, _) = apply([probe(.trusted, minutes: 60)], [cause(.tokenExpiry, confidence: 0.7, primary: true, events: other)],
                                   events: other)
        #expect(different.causes[0].confidence == 0.7)
        #expect(different.causes[0].reasons.first?.contains("do not come back at that interval") == true)
        #expect(ProbeRanking.recurrence([0, 60, 120].map { Int64($0) * 60_000 }, period: 0) == (0, 0))
    }
}
