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

/// Builds events and a coverage without reading files, to test each correlation rule alone.
private struct Site {
    var events: [Event] = []
    var machines: [String: (Product, Int64, Int64)] = [:]

    static let day = utc(2026, 11, 14, 0, 0, 0)

    static func at(_ hour: Int, _ minute: Int, _ second: Int = 0) -> Int64 {
        day + Int64(hour * 3_600_000 + minute * 60_000 + second * 1000)
    }

    mutating func machine(_ name: String, _ product: Product, from: Int64 = at(0, 0), to: Int64 = at(23, 59)) {
        machines[name] = (product, from, to)
    }

    mutating func add(_ rule: String, _ category: RuleCategory, on machine: String, at time: Int64,
                      host: String? = nil, port: String? = nil, message: String = "", fields extra: [EventField] = []) {
        var fields = extra
        if let host { fields.append(EventField(name: "host", value: host)) }
        if let port { fields.append(EventField(name: "port", value: port)) }
        if let host { fields.append(EventField(name: "url", value: "https://\(host)\(port.map { ":" + $0 } ?? "")/arcgis/sharing/rest/self")) }
        let product = machines[machine]?.0 ?? .server
        events.append(Event(
            ruleID: rule, category: category, severity: .high, time: time, machine: machine, product: product,
            component: .server, path: "/logs/\(machine).log", line: events.count + 1, byteOffset: 0,
            level: category == .restart ? .info : .severe, code: nil, source: nil, process: nil, thread: nil, user: nil,
            requestID: nil, methodName: nil, message: message.isEmpty ? rule : message, fields: fields))
    }

    mutating func failure(on machine: String, at time: Int64, host: String = "portal.example.org", port: String? = nil) {
        add("wininet-invalid-ca", .certificate, on: machine, at: time, host: host, port: port)
    }

    mutating func restart(_ machine: String, at time: Int64) {
        add("web-server-stopped", .restart, on: machine, at: time - 60_000)
        add("server-machine-initializing", .restart, on: machine, at: time, message: "Initializing the server machine.")
    }

    func diagnose(_ options: CorrelationOptions = CorrelationOptions(), reversed: Bool = false) throws -> Diagnosis {
        var coverage = Coverage()
        for (name, (product, first, last)) in machines.sorted(by: { $0.key < $1.key }) {
            var span = MachineSpan(machine: name, records: 100)
            span.first = first
            span.last = last
            span.levelCounts[Int(Level.info.rawValue)] = 100
            coverage.machines.append(span)
            coverage.files.append(FileCoverage(
                file: InputFile(path: "/logs/\(name)", product: product, component: .server, machine: name),
                status: .read, format: .records, encoding: Encoding(), storedBytes: 0, counters: ReaderCounters()))
        }
        let ruleSet = try RulePack.load(RulePack.builtinSources, checkSamples: .none)
        let sorted = events.sorted { ($0.time ?? 0, $0.line) < ($1.time ?? 0, $1.line) }
        return Correlator(options: options, ruleSet: ruleSet, coverage: coverage, zone: .utc)
            .diagnose(events: reversed ? sorted.reversed() : sorted)
    }
}

@Suite("Correlation")
struct CorrelationTests {
    /// Workers meet files in any order: the aggregates, and so the diagnosis, must not depend on it.
    @Test func sameDiagnosisWhateverTheOrderOfEvents() throws {
        var site = Site()
        site.machine("GIS01", .server)
        site.machine("GIS02", .server)
        site.machine("PORTAL", .portal)
        for n in 0..<400 {
            site.failure(on: n % 3 == 0 ? "GIS02" : "GIS01", at: Site.at(n / 60, n % 60), host: n % 5 == 0 ? "gis02" : "portal.example.org")
            if n % 7 == 0 { site.add("invalid-token", .token, on: "GIS01", at: Site.at(n / 60, n % 60) - 30_000) }
            if n % 11 == 0 { site.add("hosting-server-validation-failed", .federation, on: "PORTAL", at: Site.at(n / 60, n % 60)) }
        }
        site.restart("GIS01", at: Site.at(2, 30))
        let serial = try site.diagnose(), concurrent = try site.diagnose(reversed: true)
        #expect(!serial.causes.isEmpty && !serial.findings.isEmpty)
        #expect(concurrent.causes == serial.causes)
        #expect(concurrent.findings == serial.findings)
        #expect(concurrent.caveats == serial.caveats)
    }

    @Test func failuresRightAfterARestartThatFadeAreTheRestart() throws {
        var site = Site()
        site.machine("GIS01.EXAMPLE.ORG", .server)
        site.machine("PORTAL01.EXAMPLE.ORG", .portal)
        site.restart("GIS01.EXAMPLE.ORG", at: Site.at(2, 4))
        for minute in 6...13 { site.failure(on: "GIS01.EXAMPLE.ORG", at: Site.at(2, minute)) }
        let diagnosis = try site.diagnose()
        let top = try #require(diagnosis.causes.first)
        #expect(top.id == .machineRestart)
        #expect(top.machines == ["GIS01.EXAMPLE.ORG"])
        #expect(top.events == 8)
        #expect(top.confidence >= 0.8)
        #expect(top.reasons.contains { $0.contains("a restart of GIS01.EXAMPLE.ORG at 02:04, 2 min before the first failure") })
        #expect(top.reasons.contains { $0.contains("then none while GIS01.EXAMPLE.ORG kept logging") })
        #expect(diagnosis.findings.contains { $0.category == .restart && $0.title == "GIS01.EXAMPLE.ORG restarted" })
    }

    /// A machine in a crash loop for three days: the report lists its latest restarts and sums the rest in
    /// one finding, with exact counts and each listed restart quoting a record of its own.
    @Test func aCrashLoopListsTheLatestRestartsAndSumsTheRest() throws {
        var site = Site()
        site.machine("GIS01.EXAMPLE.ORG", .server, from: Site.at(0, 0), to: Site.at(72, 0))
        site.machine("PORTAL01.EXAMPLE.ORG", .portal, from: Site.at(0, 0), to: Site.at(72, 0))
        let restarts = (0..<144).map { Site.at($0 / 2, ($0 % 2) * 30 + 5) }
        for time in restarts { site.restart("GIS01.EXAMPLE.ORG", at: time) }
        site.failure(on: "GIS01.EXAMPLE.ORG", at: Site.at(70, 0))
        let findings = try site.diagnose().findings.filter { $0.category == .restart }
        let listed = Correlator.listedRestarts
        #expect(findings.count == listed + 1)
        let summed = try #require(findings.first)
        #expect(summed.title == "\(144 - listed) earlier restarts of GIS01.EXAMPLE.ORG")
        #expect(summed.events == 2 * (144 - listed))
        #expect(summed.firstSeen == restarts[0] - 60_000)
        #expect(summed.lastSeen == restarts[143 - listed])
        #expect(summed.evidence.map(\.first) == [restarts[0] - 60_000, restarts[0], restarts[143 - listed] - 60_000, restarts[143 - listed]])
        let single = findings.dropFirst()
        #expect(single.map(\.title) == Array(repeating: "GIS01.EXAMPLE.ORG restarted", count: listed))
        #expect(single.map(\.lastSeen) == restarts.suffix(listed).map { Optional($0) })
        for finding in single {
            let example = try #require(finding.evidence.last?.example.time)
            #expect(example >= finding.firstSeen! && example <= finding.lastSeen!)
        }
    }

    /// A crash loop of 3,000 restarts outgrows the ledger's sample (2,048 windows per series): some restarts
    /// keep no record of their own. A listed restart then quotes the nearest record kept, and says so.
    @Test func aRestartWithoutAKeptRecordSaysItsExampleIsTheNearest() throws {
        var site = Site()
        site.machine("GIS01.EXAMPLE.ORG", .server, from: Site.at(0, 0), to: Site.at(1_600, 0))
        let restarts = (0..<3_000).map { Site.at($0 / 2, ($0 % 2) * 30 + 5) }
        for time in restarts { site.restart("GIS01.EXAMPLE.ORG", at: time) }
        let listed = try site.diagnose().findings.filter { $0.category == .restart }.dropFirst()
        #expect(listed.count == Correlator.listedRestarts)
        let borrowed = listed.compactMap { $0.evidence.first { !$0.exampleIsOwn } }
        #expect(!borrowed.isEmpty, "3,000 restarts should outgrow the sample")
        for burst in borrowed {
            let text = Report.location(of: burst) { String($0 ?? 0) }
            #expect(text == "\(burst.example.path):\(burst.example.line) (the nearest record kept, at \(burst.example.time!))")
        }
        for finding in listed {
            for burst in finding.evidence where burst.exampleIsOwn {
                #expect(Report.location(of: burst) { _ in "" } == "\(burst.example.path):\(burst.example.line)")
            }
        }
    }

    /// Bursts read from the sorted index agree with the plain definition (every cell touching the window,
    /// runs split at gaps longer than the burst gap, the first sample within the run else the nearest).
    @Test func burstsFromTheIndexMatchTheDefinition() throws {
        var random = SplitMix64(seed: 7)
        let ruleSet = try RulePack.load(RulePack.builtinSources, checkSamples: .none)
        for round in 0..<20 {
            let ledger = EvidenceLedger(ruleSet: ruleSet, sampleWidth: 60_000 * Int64(1 + round % 5), maxSamples: 16)
            for index in 0..<Int(random.next() % 400) {
                let time = Site.day + Int64(random.next() % (3 * 86_400_000))
                let rule = ["wininet-invalid-ca", "invalid-token", "server-machine-initializing"][Int(random.next() % 3)]
                let machine = ["GIS01", "GIS02"][Int(random.next() % 2)]
                ledger.accept(event: Event(
                    ruleID: rule, category: .certificate, severity: .high, time: time, machine: machine, product: .server,
                    component: .server, path: "/logs/\(machine).log", line: index + 1, byteOffset: 0, level: .severe,
                    code: nil, source: nil, process: nil, thread: nil, user: nil, requestID: nil, methodName: nil,
                    message: rule, fields: index % 3 == 0 ? [EventField(name: "host", value: "peer\(index % 2)")] : []))
            }
            ledger.seal()
            let gap = 60_000 * Int64(1 + random.next() % 20)
            let index = BurstIndex(ledger.series, ledger: ledger)
            for _ in 0..<10 {
                let from = Site.day + Int64(random.next() % (3 * 86_400_000)) - 3_600_000
                let to = from + Int64(random.next() % 86_400_000)
                #expect(index.bursts(from: from, to: to, gap: gap) == Self.plainBursts(ledger, from: from, to: to, gap: gap))
            }
            #expect(index.bursts(from: .min, to: .max, gap: gap) == Self.plainBursts(ledger, from: .min, to: .max, gap: gap))
        }
    }

    private static func plainBursts(_ ledger: EvidenceLedger, from: Int64, to: Int64, gap: Int64) -> [Burst] {
        var result: [Burst] = []
        let keys = Set(ledger.series.map { "\(ledger.rule(of: $0).id)\u{1F}\(ledger.machine(of: $0))" })
        for key in keys.sorted() {
            let members = ledger.series.filter { "\(ledger.rule(of: $0).id)\u{1F}\(ledger.machine(of: $0))" == key }
            let rule = ledger.rule(of: members[0]), machine = ledger.machine(of: members[0])
            let cells = members.flatMap(\.cells).filter { $0.last >= from && $0.first <= to }.sorted { $0.first < $1.first }
            let samples = members.flatMap(\.samples).sorted { $0.time! < $1.time! }
            var runs: [Burst] = []
            for cell in cells {
                if let last = runs.last?.last, cell.first - last <= gap {
                    runs[runs.count - 1].count += Int(cell.count)
                    runs[runs.count - 1].last = max(last, cell.last)
                } else {
                    runs.append(Burst(ruleID: rule.id, category: rule.category, machine: machine, count: Int(cell.count),
                                      first: cell.first, last: cell.last, example: samples[0]))
                }
            }
            for var run in runs {
                run.example = samples.first { $0.time! >= run.first! && $0.time! <= run.last! }
                    ?? samples.min { abs($0.time! - run.first!) < abs($1.time! - run.first!) }!
                result.append(run)
            }
        }
        return result.sorted { ($0.first ?? .max, $0.ruleID, $0.machine) < ($1.first ?? .max, $1.ruleID, $1.machine) }
    }

    /// Each series' cells are one per minute with the exact count and the first and last time of that
    /// minute's events, however the events came: out of order, a minute's events apart, split between two
    /// workers' ledgers (the second left empty by the merge). The counts of a span go by each minute's
    /// first time, before sealing as after.
    @Test func cellsAreOnePerMinuteHoweverTheEventsCame() throws {
        let seed = SplitMix64.testSeed()
        var random = SplitMix64(seed: seed)
        let ruleSet = try RulePack.load(RulePack.builtinSources, checkSamples: .none)
        for round in 0..<6 {
            let workers = [EvidenceLedger(ruleSet: ruleSet), EvidenceLedger(ruleSet: ruleSet)]
            var times: [String: [Int64]] = [:]
            // Runs of events in order (as a file gives them), runs in any order: minutes met again and again.
            for _ in 0..<(50 + Int(random.next() % 150)) {
                let machine = ["GIS01", "GIS02"][Int(random.next() % 2)]
                var time = Site.day + Int64(random.next() % (2 * 86_400_000 / UInt64(1 + round)))
                let worker = workers[Int(random.next() % 2)]
                for _ in 0..<(1 + Int(random.next() % 40)) {
                    time += Int64(random.next() % 90_000)
                    times[machine, default: []].append(time)
                    worker.accept(event: Event(
                        ruleID: "wininet-invalid-ca", category: .certificate, severity: .high, time: time, machine: machine,
                        product: .server, component: .server, path: "/logs/\(machine).log", line: 1, byteOffset: 0,
                        level: .severe, message: "12045", fields: []))
                }
            }
            let ledger = EvidenceLedger(ruleSet: ruleSet)
            for worker in workers { ledger.merge(draining: worker) }
            #expect(workers.allSatisfy { $0.counts(from: nil, until: nil).isEmpty })
            let from = Site.day + Int64(random.next() % 86_400_000), until = from + Int64(random.next() % 86_400_000)
            let before = ledger.counts(from: from, until: until).first?.count ?? 0
            ledger.seal()
            var expectedCount = 0
            for (machine, machineTimes) in times {
                var byMinute: [Int64: EvidenceLedger.Cell] = [:]
                for time in machineTimes {
                    let minute = time / 60_000
                    var cell = byMinute[minute] ?? EvidenceLedger.Cell(minute: Int32(minute), count: 0, first: time, last: time)
                    cell.count += 1
                    cell.first = min(cell.first, time)
                    cell.last = max(cell.last, time)
                    byMinute[minute] = cell
                }
                let expected = byMinute.values.sorted { $0.minute < $1.minute }
                let series = ledger.series.first { ledger.machine(of: $0) == machine }
                #expect(series?.cells == expected, "round \(round), \(machine), seed \(seed)")
                expectedCount += expected.filter { $0.first >= from && $0.first < until }.reduce(0) { $0 + Int($1.count) }
            }
            #expect(before == expectedCount, "round \(round), seed \(seed)")
            #expect((ledger.counts(from: from, until: until).first?.count ?? 0) == expectedCount)
        }
    }

    /// A packed sample reads back as the very event it was made from: every field, whether or not it is
    /// set, any text (empty, non-ASCII), a rule id or machine other than its series' names.
    @Test func packedSamplesReadBackAsTheirEvents() {
        let seed = SplitMix64.testSeed()
        var random = SplitMix64(seed: seed)
        let texts = ["", "a", "12045", "The certificate authority is invalid or incorrect", "Zertifikat ungültig 🔒",
                     "e\u{301}t\u{E9}", String(repeating: "x", count: 3000), "GIS-SERVER01.CONTOSO.LOCAL"]
        func text() -> String { texts[Int(random.next() % UInt64(texts.count))] }
        func maybe() -> String? { random.next() % 3 == 0 ? nil : text() }
        for round in 0..<500 {
            var event = Event(
                ruleID: random.next() % 2 == 0 ? "wininet-invalid-ca" : text(),
                category: RuleCategory.allCases[Int(random.next() % UInt64(RuleCategory.allCases.count))],
                severity: RuleSeverity.allCases[Int(random.next() % UInt64(RuleSeverity.allCases.count))],
                time: Int64(bitPattern: random.next()) >> Int64(random.next() % 40),
                machine: random.next() % 2 == 0 ? "GIS01" : text(),
                product: Product.allCases[Int(random.next() % UInt64(Product.allCases.count))],
                component: Component.allCases[Int(random.next() % UInt64(Component.allCases.count))],
                path: "/logs/\(text()).log", line: Int(random.next() % 10_000_000), byteOffset: Int64(random.next() >> 8),
                level: Level.allCases[Int(random.next() % UInt64(Level.allCases.count))],
                code: random.next() % 2 == 0 ? nil : Int(Int64(bitPattern: random.next()) >> 20),
                source: maybe(), process: maybe(), thread: maybe(), user: maybe(), requestID: maybe(), methodName: maybe(),
                message: text(),
                fields: (0..<Int(random.next() % 4)).map { _ in EventField(name: text(), value: text()) },
                original: maybe())
            if random.next() % 4 == 0 { event.unterminated = true }
            let packed = PackedSample(event, ruleID: "wininet-invalid-ca", machine: "GIS01")
            let back = packed.event(ruleID: "wininet-invalid-ca", machine: "GIS01")
            #expect(back == event, "round \(round), seed \(seed)")
            #expect(back.unterminated == event.unterminated && back.fields == event.fields && back.code == event.code)
            #expect(packed.time == event.time && packed.path == event.path)
        }
    }

    @Test func failuresLongBeforeARestartAreNotCausedByIt() throws {
        var site = Site()
        site.machine("GIS01.EXAMPLE.ORG", .server)
        // Irregular, so that no token lifetime fits them either.
        for (hour, minute) in [(3, 0), (4, 10), (7, 0)] { site.failure(on: "GIS01.EXAMPLE.ORG", at: Site.at(hour, minute)) }
        site.restart("GIS01.EXAMPLE.ORG", at: Site.at(9, 0))
        for minute in 2...5 { site.failure(on: "GIS01.EXAMPLE.ORG", at: Site.at(9, minute)) }
        let diagnosis = try site.diagnose()
        #expect(diagnosis.causes.first?.id == .untrustedCA)
        #expect(!diagnosis.causes.contains { $0.id == .machineRestart })
    }

    @Test func tokenErrorsJustBeforeRecurringFailuresAreTokenExpiry() throws {
        var site = Site()
        site.machine("GIS01.EXAMPLE.ORG", .server)
        for hour in 9...14 {
            let start = Site.at(hour, 2)
            site.add("invalid-token", .token, on: "GIS01.EXAMPLE.ORG", at: start - 40_000, message: "'Invalid token.'")
            for offset in 0..<3 { site.failure(on: "GIS01.EXAMPLE.ORG", at: start + Int64(offset) * 20_000) }
        }
        let diagnosis = try site.diagnose()
        let top = try #require(diagnosis.causes.first)
        #expect(top.id == .tokenExpiry)
        #expect(top.confidence >= 0.85)
        #expect(top.reasons.contains { $0.contains("came back every 60 min") })
        #expect(top.reasons.contains { $0.contains("token errors within 2 min (or a few minutes more) before 100% of the 6 failure minutes") })
    }

    @Test func aTokenErrorHoursAwayDoesNotCount() throws {
        var site = Site()
        site.machine("GIS01.EXAMPLE.ORG", .server)
        site.add("invalid-token", .token, on: "GIS01.EXAMPLE.ORG", at: Site.at(6, 0))
        for minute in stride(from: 0, to: 40, by: 5) { site.failure(on: "GIS01.EXAMPLE.ORG", at: Site.at(11, minute)) }
        let diagnosis = try site.diagnose()
        #expect(diagnosis.causes.first?.id == .untrustedCA)
        #expect(!diagnosis.causes.contains { $0.id == .tokenExpiry })
        #expect(diagnosis.findings.contains { $0.category == .token })
    }

    @Test func selfSignedMentionsAndArcGISPortsAreSelfSigned() throws {
        var site = Site()
        site.machine("GISSRV-C.EXAMPLE.COM", .server)
        site.machine("PORTAL-C.EXAMPLE.COM", .portal)
        for minute in stride(from: 0, to: 50, by: 10) {
            site.failure(on: "PORTAL-C.EXAMPLE.COM", at: Site.at(10, minute), host: "gissrv-c.example.com", port: "6443")
        }
        site.add("self-signed-certificate", .certificate, on: "GISSRV-C.EXAMPLE.COM", at: Site.at(10, 5),
                 message: "SSL certificate problem: self signed certificate")
        let diagnosis = try site.diagnose()
        let top = try #require(diagnosis.causes.first)
        #expect(top.id == .selfSignedCertificate)
        #expect(top.machines == ["PORTAL-C.EXAMPLE.COM"])
        #expect(top.peers == ["gissrv-c.example.com:6443"])
        // The steps name the site's own hosts.
        #expect(top.steps.contains { $0.line.contains("https://gissrv-c.example.com:6443/arcgis/admin") })
        // The peer is ArcGIS Server: its certificate is exported per machine, and the failing portal trusts it.
        let export = try #require(top.steps.first { $0.text.hasPrefix("Export the certificate each ArcGIS Server machine") })
        #expect(export.machines.map(\.text) == [
            "GISSRV-C.EXAMPLE.COM: https://gissrv-c.example.com:6443/arcgis/admin/machines/GISSRV-C.EXAMPLE.COM/sslcertificates/selfsignedcertificate/export"])
        #expect(export.source?.hasPrefix("https://developers.arcgis.com/") == true)
        #expect(top.steps.contains { $0.text.contains("https://portal-c.example.com:7443/arcgis/portaladmin/security/sslCertificates/importRootOrIntermediate") })
        // Nothing for a side that did not fail: the Windows store fixes WinINet on Server, not the portal.
        #expect(!top.steps.contains { $0.text.contains("Cert:\\LocalMachine\\Root") })
    }

    @Test func twoMachinesWithTwoCausesGetTwoFindings() throws {
        var site = Site()
        site.machine("A.EXAMPLE.ORG", .server)
        site.machine("B.EXAMPLE.ORG", .server)
        site.machine("P.EXAMPLE.ORG", .portal)
        // A: calls its peer's self-signed admin port; B: tokens expire every hour.
        site.add("self-signed-certificate", .certificate, on: "A.EXAMPLE.ORG", at: Site.at(9, 0),
                 message: "The web server certificate selfsignedcertificate is not trusted.")
        for hour in 9...13 {
            site.failure(on: "A.EXAMPLE.ORG", at: Site.at(hour, 30), host: "b.example.org", port: "6443")
            site.add("http-498-499", .token, on: "B.EXAMPLE.ORG", at: Site.at(hour, 1), message: "HTTP status code 498",
                     fields: [EventField(name: "http_code", value: "498")])
            site.failure(on: "B.EXAMPLE.ORG", at: Site.at(hour, 2))
        }
        let diagnosis = try site.diagnose()
        let primary = diagnosis.causes.filter(\.isPrimary)
        let selfSigned = try #require(primary.first { $0.id == .selfSignedCertificate })
        let token = try #require(primary.first { $0.id == .tokenExpiry })
        #expect(selfSigned.machines == ["A.EXAMPLE.ORG"])
        #expect(token.machines == ["B.EXAMPLE.ORG"])
        #expect(selfSigned.findingID != token.findingID)
    }

    @Test func specificErrorsNameTheirCause() throws {
        var site = Site()
        site.machine("GIS01.EXAMPLE.ORG", .server)
        site.add("wininet-cert-date-invalid", .certificate, on: "GIS01.EXAMPLE.ORG", at: Site.at(8, 0), host: "wa.example.org")
        site.add("wininet-cert-cn-invalid", .certificate, on: "GIS01.EXAMPLE.ORG", at: Site.at(8, 1), host: "gis")
        let ids = Set(try site.diagnose().causes.map(\.id))
        #expect(ids == [.expiredCertificate, .hostnameMismatch])
    }

    @Test func thousandsOfIdenticalFailuresAreOneBurst() throws {
        var site = Site()
        site.machine("GIS01.EXAMPLE.ORG", .server)
        for second in 0..<3000 { site.failure(on: "GIS01.EXAMPLE.ORG", at: Site.at(10, 0) + Int64(second) * 1000) }
        let top = try #require(try site.diagnose().causes.first)
        #expect(top.events == 3000)
        let burst = try #require(top.evidence.first)
        #expect(burst.count == 3000)
        #expect(burst.first == Site.at(10, 0))
        #expect(burst.last == Site.at(10, 0) + 2_999_000)
        #expect(abs((burst.ratePerMinute ?? 0) - 60) < 0.1)
    }

    @Test func findingIDsAreStableAcrossRuns() throws {
        var site = Site()
        site.machine("GIS01.EXAMPLE.ORG", .server)
        for minute in 0..<5 { site.failure(on: "GIS01.EXAMPLE.ORG", at: Site.at(10, minute)) }
        // Pinned values, computed outside gislog (FNV-1a 64 of the parts joined by U+001F): an id that changed
        // would make every state file report its incidents again.
        let cause = try #require(try site.diagnose().causes.first)
        #expect(cause.id == .untrustedCA)
        #expect(cause.findingID == "09c051ce54789c8a")  // untrusted-ca, GIS01.EXAMPLE.ORG, 1794650400000
        #expect(stableID(["a", "b"]) == "e5eaa319043b0991")
        #expect(stableID([]) == "cbf29ce484222325")
        #expect(stableID(["a", "b"]) != stableID(["ab"]))
    }

    @Test func windowsAreOptions() throws {
        var site = Site()
        site.machine("GIS01.EXAMPLE.ORG", .server)
        site.restart("GIS01.EXAMPLE.ORG", at: Site.at(2, 0))
        for minute in 35...40 { site.failure(on: "GIS01.EXAMPLE.ORG", at: Site.at(2, minute)) }
        #expect(try site.diagnose().causes.first?.id == .untrustedCA)  // 35 min, well past the 15 min default
        var options = CorrelationOptions()
        options.restartWindow = 40 * 60_000
        #expect(try site.diagnose(options).causes.first?.id == .machineRestart)
    }

    @Test func durations() {
        #expect(DurationText.milliseconds("15m") == 900_000)
        #expect(DurationText.milliseconds("90s") == 90_000)
        #expect(DurationText.milliseconds("2h") == 7_200_000)
        #expect(DurationText.milliseconds("1.5h") == 5_400_000)
        #expect(DurationText.milliseconds("10") == 600_000)
        #expect(DurationText.milliseconds("soon") == nil)
        #expect(DurationText.describe(125_000) == "2 min")
        #expect(DurationText.describe(13 * 3_600_000) == "13 h")
    }
}

@Suite("Report escaping")
struct ReportEscapingTests {
    @Test func markdownAndHTMLEscapeLogText() {
        let hostile = "</script><img src=x onerror=alert(1)> *bold* [link](http://x) `code` \u{1B}[2J"
        let markdown = MarkdownReport.escape(hostile)
        #expect(!markdown.contains("<img"))
        #expect(!markdown.contains("\u{1B}"))
        #expect(markdown.contains("\\*bold\\*"))
        let html = HTMLReport.escape(hostile)
        #expect(!html.contains("<img"))
        #expect(!html.contains("</script>"))
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
    }
}
