import Testing
@testable import GISLogCorrelation
@testable import GISLogRules
import GISLogInput

@Suite("Workaround steps: versions, conditions, sources")
struct WorkaroundStepTests {
    @Test func versionsReadAsArcGISWritesThem() {
        #expect(ArcGISVersion("10.8.1")?.description == "10.8.1")
        #expect(ArcGISVersion("11.3")?.description == "11.3")
        // rest/info's currentVersion packs the minor and patch: 10.81 is 10.8.1, 10.91 is 10.9.1.
        #expect(ArcGISVersion("10.81")?.description == "10.8.1")
        #expect(ArcGISVersion("10.91")?.description == "10.9.1")
        #expect(ArcGISVersion("11.3.0.51575")?.description == "11.3")
        #expect(ArcGISVersion("11.0")?.description == "11.0")
        for bad in ["", "11", "latest", "10.x", "1.2", "10..8", "10.8.1.2.3", "-10.8"] {
            #expect(ArcGISVersion(bad) == nil, "\(bad)")
        }
        #expect(ArcGISVersion("10.7.1")! < ArcGISVersion("10.8")!)
        #expect(ArcGISVersion("10.9.1")! < ArcGISVersion("11.0")!)
        #expect(!(ArcGISVersion("10.8.0")! < ArcGISVersion("10.8")!))
    }

    @Test func rangesContainWhatTheySay() throws {
        let from108 = try #require(VersionRange(">= 10.8"))
        #expect(from108.contains(ArcGISVersion("10.8")!) && from108.contains(ArcGISVersion("11.3")!))
        #expect(!from108.contains(ArcGISVersion("10.7.1")!))
        let before108 = try #require(VersionRange("< 10.8"))
        #expect(before108.contains(ArcGISVersion("10.7.1")!) && !before108.contains(ArcGISVersion("10.8")!))
        let between = try #require(VersionRange(">= 10.5 < 10.8"))
        #expect(between.contains(ArcGISVersion("10.6.1")!) && !between.contains(ArcGISVersion("10.4")!))
        #expect(between.description == "ArcGIS Enterprise 10.5 or later, before 10.8")
        for bad in ["10.8", "> 10.8", "<= 10.8", ">= 10.8 >= 11", ">= 11 < 10.8", ""] {
            #expect(VersionRange(bad) == nil, "\(bad)")
        }
    }

    /// Every step of the built-in causes cites the documentation it is written from.
    @Test func everyBuiltinStepHasASource() throws {
        let source = try #require(RulePack.builtinSources.first { $0.name == RulePack.builtinCausesName })
        let parsed = RuleLoader.parseFile(source.text, file: source.name, isBuiltin: true)
        #expect(parsed.issues.isEmpty, "\(parsed.issues)")
        #expect(parsed.causes.count == CauseID.allCases.count)
        for cause in parsed.causes {
            #expect(!cause.steps.isEmpty, "\(cause.id.rawValue) has no steps")
            for step in cause.steps {
                let url = step.source ?? ""
                #expect(url.hasPrefix("https://") || url.hasPrefix("http://"), "\(cause.id.rawValue): '\(step.text)' has no source")
            }
        }
    }

    /// Client certificates: past the Web Adaptor when one is in the way; on the Server site when it is not.
    @Test func clientCertificateStepsFollowThePeer() throws {
        let source = try #require(RulePack.builtinSources.first { $0.name == RulePack.builtinCausesName })
        let cause = try #require(RuleLoader.parseFile(source.text, file: source.name, isBuiltin: true).causes
            .first { $0.id == .clientCertificateRequired })
        let viaWebAdaptor = situation([.init(failing: .server, client: .wininet, peer: .webAdaptor)]).render(cause.steps, version: nil)
        #expect(viaWebAdaptor.count == 2 && viaWebAdaptor.allSatisfy { !$0.text.hasPrefix("ArcGIS Server itself") })
        #expect(viaWebAdaptor.contains { $0.text.contains("Ignore turns client-certificate (PKI) sign-in off") })
        let direct = situation([.init(failing: .portal, client: .java, peer: .server)]).render(cause.steps, version: nil)
        #expect(direct.map { $0.text.prefix(28) } == ["ArcGIS Server itself asks GI"])
    }

    @Test func badStepsAreExplained() {
        let text = """
            causes:
              - id: token-expiry
                title: t
                summary: s
                steps:
                  - do: 'a'
                    sauce: https://example.org/
                  - do: 'b'
                    when: {version: '10.8'}
                  - do: 'c'
                    each: servers
                  - do: 'd'
                    when: {client: [winhttp]}
                  - source: https://example.org/
                  - do: 'e'
                    each: server
            """
        let messages = RuleLoader.parseFile(text, file: "mine.yaml", isBuiltin: false).issues.map(\.message)
        #expect(messages.contains { $0.contains("unknown key 'sauce' in a step") && $0.contains("source") })
        #expect(messages.contains { $0.contains("'version' must be a range such as '>= 10.8'") })
        #expect(messages.contains { $0.contains("'each' must be one of failing, server, portal") })
        #expect(messages.contains { $0.contains("'client' takes wininet, java, curl, python") })
        #expect(messages.contains { $0.contains("a step needs 'do'") })
        #expect(messages.contains { $0.contains("'each' and 'each_do' go together") })
    }

    @Test func aPlainTextStepStillLoads() throws {
        let text = """
            causes:
              - id: token-expiry
                title: t
                summary: s
                steps: ['Restart {machine}.']
            """
        let parsed = RuleLoader.parseFile(text, file: "mine.yaml", isBuiltin: false)
        #expect(parsed.issues.isEmpty)
        #expect(parsed.causes.first?.steps == [CauseStep(text: "Restart {machine}.")])
    }

    private func situation(_ calls: [StepSituation.Call], servers: [String] = ["GIS01", "GIS02"]) -> StepSituation {
        StepSituation(calls: Set(calls), failingMachines: ["GIS01"], serverMachines: servers, portalMachines: ["PORTAL01"],
                      values: TemplateValues(machine: "GIS01", peers: [], failures: [], machineProducts: [:]))
    }

    @Test func stepsFollowTheFailingSide() {
        let steps = [
            CauseStep(text: "windows", when: StepCondition(failing: [.server], client: [.wininet])),
            CauseStep(text: "java on server", when: StepCondition(failing: [.server], client: [.java])),
            CauseStep(text: "portal", when: StepCondition(failing: [.portal])),
            CauseStep(text: "always"),
        ]
        let wininet = situation([.init(failing: .server, client: .wininet, peer: .portal)]).render(steps, version: nil)
        #expect(wininet.map(\.text) == ["windows", "always"])
        // A server failing in WinINet and a portal failing in Java: each gets its own steps, and a condition
        // is met by one call as a whole (no "java on server" from the portal's Java and the server's role).
        let both = situation([.init(failing: .server, client: .wininet, peer: .portal),
                              .init(failing: .portal, client: .java, peer: .server)]).render(steps, version: nil)
        #expect(both.map(\.text) == ["windows", "portal", "always"])
        // A side the logs do not tell: every variant rather than a guess.
        let unknown = situation([.init(failing: nil, client: nil, peer: nil)]).render(steps, version: nil)
        #expect(unknown.map(\.text) == ["windows", "java on server", "portal", "always"])
    }

    @Test func versionsChooseTheVariantOrMarkBoth() {
        let steps = [
            CauseStep(text: "new", when: StepCondition(version: VersionRange(">= 10.8"))),
            CauseStep(text: "old", when: StepCondition(version: VersionRange("< 10.8"))),
        ]
        let site = situation([.init(failing: .server, client: .wininet, peer: .portal)])
        let new = site.render(steps, version: SiteVersion(version: ArcGISVersion("11.3")!, source: "--arcgis-version"))
        #expect(new.map(\.text) == ["new"] && new.allSatisfy { $0.onlyFor == nil })
        let old = site.render(steps, version: SiteVersion(version: ArcGISVersion("10.7.1")!, source: "--arcgis-version"))
        #expect(old.map(\.text) == ["old"])
        let unknown = site.render(steps, version: nil)
        #expect(unknown.map(\.line) == ["(ArcGIS Enterprise 10.8 or later) new", "(ArcGIS Enterprise before 10.8) old"])
    }

    @Test func repeatedStepsNameEveryMachine() {
        let step = CauseStep(text: "On every server:", each: .server,
                             eachText: "{each_machine}: https://{each_host}:6443/arcgis/admin/machines/{each_machine}/sslcertificates")
        let rendered = situation([.init(failing: .server, client: .java, peer: .portal)]).render([step], version: nil)
        #expect(rendered.first?.machines.map(\.text) == [
            "GIS01: https://gis01:6443/arcgis/admin/machines/GIS01/sslcertificates",
            "GIS02: https://gis02:6443/arcgis/admin/machines/GIS02/sslcertificates",
        ])
        #expect(rendered.first?.line == "On every server: GIS01: https://gis01:6443/arcgis/admin/machines/GIS01/sslcertificates; "
                + "GIS02: https://gis02:6443/arcgis/admin/machines/GIS02/sslcertificates")
        // No Server machine in the logs: a placeholder to fill in, not nothing.
        let none = situation([.init(failing: .portal, client: .java, peer: .server)], servers: []).render([step], version: nil)
        #expect(none.first?.machines.map(\.machine) == ["<server_machine>"])
    }

    @Test func peersAreJudgedByPortAndPath() {
        let products: [String: Product] = ["GIS01.EXAMPLE.COM": .server]
        #expect(StepSituation.role(of: .init(host: "portal.example.com", port: "7443"), urls: [], products: products) == .portal)
        #expect(StepSituation.role(of: .init(host: "gis01.example.com", port: "6443"), urls: [], products: products) == .server)
        #expect(StepSituation.role(of: .init(host: "gis.example.com", port: nil),
                                   urls: ["https://gis.example.com/portal/sharing/rest/self"], products: products) == .webAdaptor)
        #expect(StepSituation.role(of: .init(host: "www.arcgis.com", port: nil), urls: ["https://www.arcgis.com/sharing/rest"],
                                   products: products) == .other)
        #expect(StepSituation.role(of: .init(host: "tiles.example.net", port: "443"), urls: ["https://tiles.example.net/a.png"],
                                   products: products) == .other)
    }
}
