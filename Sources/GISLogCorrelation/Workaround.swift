public import GISLogRules
public import GISLogInput
import GISLogSupport

/// A step of a cause's workaround, filled in for this site: what to do, on which machines, and the
/// documentation it comes from.
public struct WorkaroundStep: Sendable, Hashable {
    /// The step, with the site's hosts and URLs.
    public var text: String
    /// The documentation the step is written from (nil for steps a causes file gives without one, and for
    /// steps a probe adds).
    public var source: String?
    /// One line per machine the step must be repeated on, with that machine's own URL.
    public var machines: [MachineLine]
    /// For a step that is right only for some ArcGIS versions while the site's version is unknown: which
    /// versions (e.g. "ArcGIS Enterprise 10.8 or later"). Nil when the step fits the site.
    public var onlyFor: String?

    public struct MachineLine: Sendable, Hashable {
        public var machine: String
        public var text: String

        public init(machine: String, text: String) {
            self.machine = machine
            self.text = text
        }
    }

    public init(text: String, source: String? = nil, machines: [MachineLine] = [], onlyFor: String? = nil) {
        self.text = text
        self.source = source
        self.machines = machines
        self.onlyFor = onlyFor
    }

    /// The step as one line of text (the machines' lines joined): what `steps[]` of the JSON report holds.
    public var line: String {
        var out = onlyFor.map { "(\($0)) " } ?? ""
        out += text
        if !machines.isEmpty { out += " " + machines.map(\.text).joined(separator: "; ") }
        return out
    }
}

/// The site's ArcGIS version and where it was read.
public struct SiteVersion: Sendable, Hashable {
    public var version: ArcGISVersion
    /// Where it comes from: `--arcgis-version`, or the probe of a host (`rest/info of gis01.example.com:6443`).
    public var source: String

    public init(version: ArcGISVersion, source: String) {
        self.version = version
        self.source = source
    }
}

/// What decides which steps fit a cause's failures: for each failing call, the product of the machine that
/// made it, the TLS client that refused the certificate, and what the called peer is; plus the machines
/// a step may have to be repeated on.
package struct StepSituation: Sendable, Hashable {
    package struct Call: Sendable, Hashable {
        /// Nil when the logs do not say (a machine outside the usual folders).
        package var failing: Product?
        /// Nil when the rule's tags do not name the client.
        package var client: TLSClient?
        package var peer: PeerRole?
    }

    package var calls: Set<Call> = []
    package var failingMachines: [String] = []
    package var serverMachines: [String] = []
    package var portalMachines: [String] = []
    package var values: TemplateValues

    package init(calls: Set<Call>, failingMachines: [String], serverMachines: [String], portalMachines: [String],
                 values: TemplateValues) {
        self.calls = calls
        self.failingMachines = failingMachines
        self.serverMachines = serverMachines
        self.portalMachines = portalMachines
        self.values = values
    }

    /// The TLS client a rule's events come from, by its tags (`wininet`, `java`, `curl`, `python`).
    package static func client(of rule: Rule) -> TLSClient? {
        TLSClient.allCases.first { client in rule.tags.contains { $0.lowercased() == client.rawValue } }
    }

    /// What a peer is: the ArcGIS ports say it (7443 Portal, 6443 Server); an ArcGIS path on another port is
    /// a Web Adaptor or load balancer in front of one; anything else is another service.
    package static func role(of peer: EvidenceLedger.Peer?, urls: [String], products: [String: Product]) -> PeerRole? {
        guard let peer else { return nil }
        switch peer.port {
        case "7443": return .portal
        case "6443", "6080": return .server
        default: break
        }
        let host = peer.host.lowercased()
        if host == "www.arcgis.com" || host.hasSuffix(".arcgis.com") { return .other }
        let arcgisPaths = ["/sharing/", "/portaladmin", "/arcgis/", "/portal/", "/server/", "/rest/services", "/admin/"]
        if urls.contains(where: { url in arcgisPaths.contains { url.lowercased().contains($0) } }) { return .webAdaptor }
        if products.contains(where: { $0.key.lowercased() == host && $0.value != .unknown }) { return .webAdaptor }
        return .other
    }

    /// The steps of `definition` that fit these failures, filled in, each repeated on its machines.
    package func render(_ steps: [CauseStep], version: SiteVersion?) -> [WorkaroundStep] {
        var chosen = steps.filter { fits($0.when, version: version) }
        // A causes file whose conditions fit nothing here: its unconditional steps, else all of them —
        // printing a step for another situation beats printing none.
        if chosen.isEmpty { chosen = steps.filter { $0.when.isEmpty } }
        if chosen.isEmpty { chosen = steps }
        return chosen.map { step in
            var out = WorkaroundStep(text: values.fill(step.text), source: step.source)
            if let each = step.each, let line = step.eachText {
                out.machines = machines(each).map { machine in
                    WorkaroundStep.MachineLine(machine: machine, text: values.filling(line, eachMachine: machine))
                }
            }
            if version == nil, let range = step.when.version { out.onlyFor = range.description }
            return out
        }
    }

    /// The caveat for a report whose steps differ by a version nobody told: nil when the version is known or
    /// no step shown depends on it.
    package static func versionCaveat(_ causes: [RankedCause], version: SiteVersion?) -> String? {
        guard version == nil, causes.contains(where: { $0.steps.contains { $0.onlyFor != nil } }) else { return nil }
        return "The ArcGIS version is not in the logs: steps that differ by version are marked with the versions they "
            + "fit. Give it with --arcgis-version (or --probe reads it from the peers' rest/info)."
    }

    /// Whether any failing call meets the condition (an unknown side meets every condition: the report
    /// then shows each variant rather than guess), and the version fits when it is known.
    func fits(_ condition: StepCondition, version: SiteVersion?) -> Bool {
        if let range = condition.version, let version, !range.contains(version.version) { return false }
        if condition.failing.isEmpty && condition.client.isEmpty && condition.peer.isEmpty { return true }
        return calls.contains { call in
            Self.meets(condition.failing, call.failing) && Self.meets(condition.client, call.client)
                && Self.meets(condition.peer, call.peer)
        }
    }

    private static func meets<T: Equatable>(_ wanted: [T], _ value: T?) -> Bool {
        guard !wanted.isEmpty, let value else { return true }
        return wanted.contains(value)
    }

    /// The machines a step is repeated on, as ArcGIS writes their names.
    func machines(_ which: StepMachines) -> [String] {
        switch which {
        case .failing:
            return failingMachines
        case .server:
            if !serverMachines.isEmpty { return serverMachines }
            return [values.value("server_machine") ?? "<server_machine>"]
        case .portal:
            if !portalMachines.isEmpty { return portalMachines }
            return [values.value("portal").map { $0.uppercased() } ?? "<portal>"]
        }
    }
}
