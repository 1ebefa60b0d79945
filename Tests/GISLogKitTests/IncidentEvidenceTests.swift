import Testing
@testable import GISLogSupport
@testable import GISLogInput
@testable import GISLogRecords
@testable import GISLogRules
@testable import GISLogCorrelation
@testable import GISLogKit

/// A site built from events, for the facts the evidence model measures over the same calls.
private struct Calls {
    var events: [Event] = []
    var machines: [String: Product] = [:]

    static func at(_ hour: Int, _ minute: Int, _ second: Int = 0, day: Int = 0) -> Int64 {
        utc(2026, 11, 14, 0, 0, 0) + Int64(day * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000)
    }

    mutating func add(_ rule: String, _ category: RuleCategory, on machine: String, at time: Int64, url: String? = nil,
                      message: String = "") {
        var fields: [EventField] = []
        if let url, let host = url.split(separator: "/").dropFirst(1).first {
            let parts = host.split(separator: ":")
            fields.append(EventField(name: "host", value: String(parts[0])))
            if parts.count > 1 { fields.append(EventField(name: "port", value: String(parts[1]))) }
            fields.append(EventField(name: "url", value: url))
        }
        events.append(Event(
            ruleID: rule, category: category, severity: .high, time: time, machine: machine,
            product: machines[machine] ?? .server, component: .server, path: "/logs/\(machine).log",
            line: events.count + 1, byteOffset: 0, level: category == .restart ? .info : .severe, code: nil, source: nil,
            process: nil, thread: nil, user: nil, requestID: nil, methodName: nil,
            message: message.isEmpty ? rule : message, fields: fields))
    }

    mutating func failure(on machine: String, at time: Int64, url: String? = "https://portal.example.org:7443/arcgis/sharing/rest") {
        add(url == nil ? "pkix-path-building-failed" : "wininet-invalid-ca", .certificate, on: machine, at: time, url: url)
    }

    mutating func token(on machine: String, at time: Int64) {
        add("invalid-token", .token, on: machine, at: time, message: "'Invalid token.'")
    }

    mutating func restart(_ machine: String, at time: Int64) {
        add("web-server-stopped", .restart, on: machine, at: time - 60_000)
        add("server-machine-initializing", .restart, on: machine, at: time, message: "Initializing the server machine.")
    }

    func diagnose(from: Int64 = at(0, 0), to: Int64 = at(23, 59)) throws -> Diagnosis {
        var coverage = Coverage()
        for (name, product) in machines.sorted(by: { $0.key < $1.key }) {
            var span = MachineSpan(machine: name, records: 100)
            span.first = from
            span.last = to
            span.levelCounts[Int(Level.info.rawValue)] = 100
            coverage.machines.append(span)
            coverage.files.append(FileCoverage(
                file: InputFile(path: "/logs/\(name)", product: product, component: .server, machine: name),
                status: .read, format: .records, encoding: Encoding(), storedBytes: 0, counters: ReaderCounters()))
        }
        let ruleSet = try RulePack.load(RulePack.builtinSources, checkSamples: .none)
        return Correlator(options: CorrelationOptions(), ruleSet: ruleSet, coverage: coverage, zone: .utc)
            .diagnose(events: events.sorted { ($0.time ?? 0, $0.line) < ($1.time ?? 0, $1.line) })
    }
}

@Suite("Evidence over the same calls")
struct IncidentEvidenceTests {
    /// Every 40 min (one episode each) all day; a stray 'Invalid token.' just before one of them.
    @Test func aStrayEpisodeOfAStandingConditionIsNotJudgedAlone() throws {
        var site = Calls()
        site.machines = ["GIS01.EXAMPLE.ORG": .server, "PORTAL.EXAMPLE.ORG": .portal]
        for k in 0..<20 { site.failure(on: "GIS01.EXAMPLE.ORG", at: Calls.at(6, 0) + Int64(k) * 40 * 60_000) }
        site.token(on: "GIS01.EXAMPLE.ORG", at: Calls.at(6, 0) + 5 * 40 * 60_000 - 30_000)
        let diagnosis = try site.diagnose()
        let primary = diagnosis.causes.filter(\.isPrimary)
        #expect(primary.map(\.id) == [.untrustedCA])
        #expect(primary.first?.events == 20)
        #expect(!diagnosis.causes.contains { $0.id == .tokenExpiry && $0.confidence >= 0.5 })
    }

    /// Failures every hour on the hour with no token error anywhere: an hourly job as likely as a token.
    @Test func recurrenceWithoutTokenErrorsIsNotEnough() throws {
        var site = Calls()
        site.machines = ["GIS01.EXAMPLE.ORG": .server]
        for hour in 8...16 { site.failure(on: "GIS01.EXAMPLE.ORG", at: Calls.at(hour, 0)) }
        let top = try #require(try site.diagnose().causes.first)
        #expect(top.id == .untrustedCA, "\(top.id): \(top.reasons)")
    }

    /// The token window's edge: fully within it, less just past it, nothing far past it.
    @Test(arguments: [(90, CauseID.tokenExpiry), (200, .tokenExpiry), (25 * 60, .untrustedCA)])
    func tokenErrorsFadePastTheWindow(secondsBefore: Int, expected: CauseID) throws {
        var site = Calls()
        site.machines = ["GIS01.EXAMPLE.ORG": .server]
        site.token(on: "GIS01.EXAMPLE.ORG", at: Calls.at(10, 0) - Int64(secondsBefore) * 1000)
        for second in [0, 40, 90] { site.failure(on: "GIS01.EXAMPLE.ORG", at: Calls.at(10, 0, second)) }
        let top = try #require(try site.diagnose().causes.first)
        #expect(top.id == expected, "\(secondsBefore) s before: \(top.id) \(top.reasons)")
    }

    /// Failures that name no host, right after a restart, while the machine's named calls failed before it.
    @Test func failuresNamingNoHostAreJudgedWithTheMachinesOtherFailures() throws {
        var site = Calls()
        site.machines = ["PORTAL.EXAMPLE.ORG": .portal, "GIS01.EXAMPLE.ORG": .server]
        for minute in stride(from: 0, to: 120, by: 12) {
            site.failure(on: "PORTAL.EXAMPLE.ORG", at: Calls.at(8, 0) + Int64(minute) * 60_000,
                         url: "https://gis01.example.org:6443/arcgis/admin")
        }
        site.restart("PORTAL.EXAMPLE.ORG", at: Calls.at(10, 30))
        for minute in 33...36 { site.failure(on: "PORTAL.EXAMPLE.ORG", at: Calls.at(10, minute), url: nil) }
        let diagnosis = try site.diagnose()
        #expect(!diagnosis.causes.contains { $0.id == .machineRestart && $0.isPrimary }, "\(diagnosis.causes.map(\.id))")
        // Its Why never claims a quiet that was not there.
        for cause in diagnosis.causes where cause.id == .machineRestart {
            #expect(!cause.reasons.contains { $0.contains("no failures of PORTAL.EXAMPLE.ORG") })
        }
    }

    /// Failures from a few minutes after a restart that go on, with gaps longer than an episode, for hours.
    @Test func failuresThatGoOnForHoursAfterARestartAreNotItsTail() throws {
        var site = Calls()
        site.machines = ["GIS01.EXAMPLE.ORG": .server, "PORTAL.EXAMPLE.ORG": .portal]
        site.restart("GIS01.EXAMPLE.ORG", at: Calls.at(11, 0))
        for minute in 4...20 { site.failure(on: "GIS01.EXAMPLE.ORG", at: Calls.at(11, minute)) }
        // Irregular, as users publish: no token lifetime fits them.
        for (hour, minute) in [(12, 10), (13, 25), (14, 5), (15, 40), (16, 15), (17, 50)] {
            site.failure(on: "GIS01.EXAMPLE.ORG", at: Calls.at(hour, minute))
        }
        let primary = try site.diagnose().causes.filter(\.isPrimary)
        #expect(primary.map(\.id) == [.untrustedCA])
        // Short and over: the restart's tail.
        var short = Calls()
        short.machines = site.machines
        short.restart("GIS01.EXAMPLE.ORG", at: Calls.at(11, 0))
        for minute in 4...20 { short.failure(on: "GIS01.EXAMPLE.ORG", at: Calls.at(11, minute)) }
        #expect(try short.diagnose().causes.first?.id == .machineRestart)
    }

    /// Both machines of the pair restarted together: the second restart is part of what started the failures.
    @Test func aRestartUnderWayWhenTheFailuresBeganIsNotALaterOne() throws {
        var site = Calls()
        site.machines = ["GIS01.EXAMPLE.ORG": .server, "PORTAL.EXAMPLE.ORG": .portal]
        site.restart("GIS01.EXAMPLE.ORG", at: Calls.at(6, 0))
        site.restart("PORTAL.EXAMPLE.ORG", at: Calls.at(6, 3))
        for minute in 2...40 { site.failure(on: "GIS01.EXAMPLE.ORG", at: Calls.at(6, minute)) }
        let top = try #require(try site.diagnose().causes.first)
        #expect(top.id == .machineRestart)
        #expect(!top.reasons.contains { $0.contains("a restart did not clear them") })
    }

    /// The second machine of a pair patched back to back restarts minutes after the first, while the calls
    /// fail: the same maintenance. An attempt at a fix ten minutes later that changes nothing is another matter.
    @Test(arguments: [(4, true), (12, false)])
    func aPairRestartedBackToBackIsOneMaintenance(minutesLater: Int, restartExplains: Bool) throws {
        var site = Calls()
        site.machines = ["GIS01.EXAMPLE.ORG": .server, "PORTAL.EXAMPLE.ORG": .portal]
        site.restart("GIS01.EXAMPLE.ORG", at: Calls.at(6, 0))
        site.restart("PORTAL.EXAMPLE.ORG", at: Calls.at(6, minutesLater))
        for minute in 1...50 { site.failure(on: "GIS01.EXAMPLE.ORG", at: Calls.at(6, minute, 30)) }
        let top = try #require(try site.diagnose().causes.first)
        #expect((top.id == .machineRestart) == restartExplains, "\(top.id): \(top.reasons)")
        #expect(top.reasons.contains { $0.contains("a restart did not clear them") } == !restartExplains)
    }

    /// Portal calls its Server through a Web Adaptor name; the Server refuses Portal's token just before.
    @Test func aWebAdaptorAPortalCallsStandsForTheSitesServer() throws {
        var site = Calls()
        site.machines = ["PORTAL.EXAMPLE.ORG": .portal, "GIS01.EXAMPLE.ORG": .server]
        for hour in [9, 11, 14] {
            site.token(on: "GIS01.EXAMPLE.ORG", at: Calls.at(hour, 17))
            for second in [30, 70] {
                site.failure(on: "PORTAL.EXAMPLE.ORG", at: Calls.at(hour, 18, second), url: "https://maps.example.org/server/admin/info")
            }
        }
        let top = try #require(try site.diagnose().causes.first)
        #expect(top.id == .tokenExpiry, "\(top.id): \(top.reasons)")
        // Not in the site's domain: an outside host, whose token errors are not this Server's.
        var outside = Calls()
        outside.machines = site.machines
        for hour in [9, 11, 14] {
            outside.token(on: "GIS01.EXAMPLE.ORG", at: Calls.at(hour, 17))
            for second in [30, 70] {
                outside.failure(on: "PORTAL.EXAMPLE.ORG", at: Calls.at(hour, 18, second), url: "https://maps.partner.com/server/admin/info")
            }
        }
        #expect(try outside.diagnose().causes.first?.id == .untrustedCA)
    }

    /// A condition failing every working day for three days goes quiet each night: a quiet evening after the
    /// last failure is no end.
    @Test func aQuietEveningInAWeeksLongConditionIsNoEnd() throws {
        var site = Calls()
        site.machines = ["GIS01.EXAMPLE.ORG": .server]
        for day in 0..<3 {
            for hour in 8...17 { site.failure(on: "GIS01.EXAMPLE.ORG", at: Calls.at(hour, (hour * 37 + day * 11) % 60, day: day)) }
        }
        site.restart("GIS01.EXAMPLE.ORG", at: Calls.at(8, 5, day: 2))
        let diagnosis = try site.diagnose(to: Calls.at(23, 0, day: 2))
        #expect(diagnosis.causes.filter(\.isPrimary).map(\.id) == [.untrustedCA])
        let top = try #require(diagnosis.causes.first)
        #expect(top.confidence >= 0.8)
    }

    /// Every weight the scorer reads is in the built-in table, including the new ones.
    @Test func theBuiltInTableNamesTheNewWeights() throws {
        let ruleSet = try RulePack.load(RulePack.builtinSources, checkSamples: .none)
        for name in ["token.fade-minutes", "token.cluster-gap-minutes", "token.recurrence-alone", "restart.together-minutes"] {
            #expect(ruleSet.scoring[name] != nil, "\(name)")
            #expect(ScoringTable.names.contains(name))
        }
    }
}
