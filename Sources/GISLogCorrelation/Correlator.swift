public import GISLogRules
public import GISLogRecords
import GISLogInput
import GISLogSupport

/// Decides which causes best explain the certificate failures, from the bounded aggregates of a scan.
///
/// An incident is one machine's failures calling one peer in one episode (no gap longer than the episode
/// gap). Each incident is judged on its own and its peer's evidence: facts are measured (the lag from the
/// nearest restart, the quiet before it, whether the failures stopped while the machine kept logging, token
/// errors before the failures against their rate elsewhere, recurrence at a token lifetime, what the error
/// text names, self-signed markers), every cause gets a log-odds score from the weights of the causes
/// file's `scoring:` table, and the scores become probabilities: the confidence a report shows. The best
/// cause of an incident is its primary cause; another machine's failures never change it.
public struct Correlator: Sendable {
    public let options: CorrelationOptions
    let zone: LogTimeZone
    let ruleSet: RuleSet
    let definitions: [CauseID: CauseDefinition]
    let table: ScoringTable
    let coverage: Coverage

    /// - Parameters:
    ///   - ruleSet: the rules (their evidence classes), the cause definitions and the scoring weights.
    ///   - coverage: what was read: which machines, from which products, over which times.
    ///   - zone: the zone in which times in explanations are written.
    public init(options: CorrelationOptions, ruleSet: RuleSet, coverage: Coverage, zone: LogTimeZone) {
        self.options = options
        self.zone = zone
        self.ruleSet = ruleSet
        self.coverage = coverage
        definitions = Dictionary(ruleSet.causes.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        table = ScoringTable(values: ruleSet.scoring)
    }

    /// Diagnoses events given one by one (tests, small inputs): they go through a ledger first.
    public func diagnose(events: [Event]) -> Diagnosis {
        let ledger = EvidenceLedger(ruleSet: ruleSet, sampleWidth: options.burstGap)
        for event in events { ledger.accept(event: event) }
        ledger.seal()
        return diagnose(ledger: ledger)
    }

    /// Diagnoses a sealed ledger.
    public func diagnose(ledger: EvidenceLedger) -> Diagnosis {
        precondition(ledger.isSealed, "seal the ledger before diagnosing it")
        let timeline = SiteTimeline(ledger: ledger, coverage: coverage)
        var incidents: [Incident] = []
        for machine in timeline.failures.keys.sorted() {
            var byPeer: [[Incident]] = []
            for (peerNumber, cells) in timeline.failures[machine]!.sorted(by: { $0.key < $1.key }) {
                let peer = peerNumber < 0 ? nil : ledger.peers[Int(peerNumber)]
                let urls = Self.sampleURLs(machine: machine, peer: peerNumber, ledger: ledger)
                byPeer.append(episodes(cells).map {
                    Incident(machine: machine, peer: peer, peerNumber: peerNumber, cells: $0, urls: urls)
                })
            }
            // Failures that name no host may be any call of this machine: their "same calls" are all of them,
            // and they may be the same calls as those of any named peer.
            let ofMachine = byPeer.flatMap { $0 }.sorted { $0.start < $1.start }
            let unnamed = byPeer.first { $0.first?.peer == nil } ?? []
            for var ofPeer in byPeer {
                let calls = ofPeer.first?.peer == nil ? ofMachine : (ofPeer + unnamed).sorted { $0.start < $1.start }
                var shared: CallsFacts?
                for index in ofPeer.indices {
                    measure(&ofPeer[index], timeline: timeline, allOfPeer: calls, table: table, shared: &shared)
                    score(&ofPeer[index], table: table)
                }
                incidents += ofPeer.filter(reported)
            }
        }
        incidents.sort { ($0.start, $0.machine, $0.peerNumber) < ($1.start, $1.machine, $1.peerNumber) }
        let causes = rank(incidents, timeline: timeline)
        let findings = otherFindings(timeline)
        var notes = caveats(timeline, incidents: incidents)
        if let note = StepSituation.versionCaveat(causes, version: options.arcgisVersion) { notes.append(note) }
        return Diagnosis(causes: causes, findings: findings, caveats: notes, arcgisVersion: options.arcgisVersion)
    }

    /// The URLs of the sampled failures of one machine calling one peer (a few suffice to tell a portal).
    private static func sampleURLs(machine: String, peer: Int32, ledger: EvidenceLedger) -> [String] {
        var urls: [String] = []
        for series in ledger.series where series.key.peer == peer && ledger.machine(of: series) == machine
            && (ledger.rule(of: series).evidence?.isFailure ?? false) {
            for sample in series.samples.prefix(4) { if let url = sample.field("url") { urls.append(url) } }
        }
        return urls
    }

    /// Runs of failure cells with no gap longer than the episode gap.
    private func episodes(_ cells: [SiteTimeline.FailureCell]) -> [[SiteTimeline.FailureCell]] {
        var result: [[SiteTimeline.FailureCell]] = []
        var reach = Int64.min
        for cell in cells {
            if !result.isEmpty && cell.first - reach <= options.episodeGap {
                result[result.count - 1].append(cell)
            } else {
                result.append([cell])
            }
            reach = max(reach, cell.last)
        }
        return result
    }

    /// Whether an incident has failures in the reported span (`--since`, `--until`); the others are context.
    private func reported(_ incident: Incident) -> Bool {
        incident.cells.contains { inSpan($0, of: incident.machine) }
    }

    /// Whether a cell of `machine` falls in the reported span (and after what earlier runs read).
    func inSpan(_ cell: SiteTimeline.FailureCell, of machine: String) -> Bool {
        if cell.last < options.reportedFrom(machine) { return false }
        if let until = options.reportUntil, cell.first >= until { return false }
        return true
    }

    // MARK: - Ranking

    private func rank(_ incidents: [Incident], timeline: SiteTimeline) -> [RankedCause] {
        var primary: [CauseID: [Incident]] = [:]
        var alternative: [CauseID: Incident] = [:]
        for incident in incidents {
            guard let top = incident.top else { continue }
            if incident.posterior[top]! >= options.minimumConfidence { primary[top, default: []].append(incident) }
            for (cause, probability) in incident.posterior where cause != top && probability >= options.minimumConfidence {
                if let kept = alternative[cause], kept.posterior[cause]! >= probability { continue }
                alternative[cause] = incident
            }
        }
        var ranked: [RankedCause] = []
        for cause in CauseID.allCases {
            guard let definition = definitions[cause] else { continue }
            if let own = primary[cause] {
                // The incident shown: the one with the most failures (then the earliest).
                let shown = own.max { a, b in a.count != b.count ? a.count < b.count : a.start > b.start }!
                ranked.append(entry(cause, definition, incidents: own, shown: shown, isPrimary: true,
                                    reasons: reasons(for: cause, in: shown, timeline: timeline), timeline: timeline))
            } else if let shown = alternative[cause] {
                var why = reasons(for: cause, in: shown, timeline: timeline)
                why.append(lostBecause(cause, to: shown.top!, in: shown, timeline: timeline))
                ranked.append(entry(cause, definition, incidents: [shown], shown: shown, isPrimary: false,
                                    reasons: why, timeline: timeline))
            }
        }
        // Primary causes first, the one explaining the most failures first; alternatives by confidence.
        ranked.sort { a, b in
            if a.isPrimary != b.isPrimary { return a.isPrimary }
            if a.isPrimary && a.events != b.events { return a.events > b.events }
            if a.confidence != b.confidence { return a.confidence > b.confidence }
            if a.events != b.events { return a.events > b.events }
            return CauseID.allCases.firstIndex(of: a.id)! < CauseID.allCases.firstIndex(of: b.id)!
        }
        for index in ranked.indices { ranked[index].rank = index + 1 }
        return ranked
    }

    private func entry(_ cause: CauseID, _ definition: CauseDefinition, incidents: [Incident], shown: Incident,
                       isPrimary: Bool, reasons: [String], timeline: SiteTimeline) -> RankedCause {
        let ledger = timeline.ledger
        let machines = Array(Set(incidents.map(\.machine))).sorted()
        let inSpanCells = incidents.flatMap { incident in incident.cells.filter { inSpan($0, of: incident.machine) } }
        let first = inSpanCells.map(\.first).min(), last = inSpanCells.map(\.last).max()
        // The incident shown first, then the others in time order (incidents come sorted by start).
        var peers: [EvidenceLedger.Peer] = shown.peer.map { [$0] } ?? []
        for peer in incidents.compactMap(\.peer) where !peers.contains(peer) { peers.append(peer) }
        // The failures' own series, for bursts and examples.
        var failureBursts: [Burst] = []
        var examples: [Event] = []
        var calls: Set<StepSituation.Call> = []
        // Episodes of the same calls share their series: sorted once for all of them.
        var indexes: [String: BurstIndex] = [:]
        for incident in incidents {
            let series = ledger.series.filter { series in
                ledger.machine(of: series) == incident.machine && series.key.peer == incident.peerNumber
                    && (ledger.rule(of: series).evidence?.isFailure ?? false)
            }
            let callsKey = "\(incident.machine)\u{1F}\(incident.peerNumber)"
            if indexes[callsKey] == nil { indexes[callsKey] = BurstIndex(series, ledger: ledger) }
            let product = timeline.products[incident.machine].flatMap { $0 == .unknown ? nil : $0 }
            let role = StepSituation.role(of: incident.peer, urls: incident.urls, products: timeline.products)
            let clients = Set(series.map { ledger.rule(of: $0).client })
            for client in clients.isEmpty ? [nil] : Array(clients) {
                calls.insert(StepSituation.Call(failing: product, client: client, peer: role))
            }
            let from = max(incident.start, options.reportedFrom(incident.machine))
            let to = min(incident.end, (options.reportUntil ?? .max) - 1)
            failureBursts += indexes[callsKey]!.bursts(from: from, to: to, gap: options.burstGap)
            examples += series.flatMap(\.samples).filter { $0.time! >= from && $0.time! <= to }
        }
        let support = supportBursts(cause, shown: shown, timeline: timeline)
        let values = TemplateValues(machine: shown.machine, peers: peers.map { Peer(host: $0.host, port: $0.port) },
                                    failures: examples.sorted { $0.time! < $1.time! }, machineProducts: timeline.products)
        let situation = StepSituation(
            calls: calls, failingMachines: machines,
            serverMachines: timeline.products.filter { $0.value == .server }.map(\.key).sorted(),
            portalMachines: timeline.products.filter { $0.value == .portal }.map(\.key).sorted(), values: values)
        return RankedCause(
            id: cause, findingID: stableID([cause.rawValue, machines.joined(separator: ","), first.map(String.init) ?? "-"]),
            incidentIDs: incidents.map { stableID([cause.rawValue, $0.machine, String($0.start)]) },
            rank: 0, confidence: ((shown.posterior[cause] ?? 0) * 100).rounded() / 100, isPrimary: isPrimary,
            title: definition.title, summary: values.fill(definition.summary), reasons: reasons,
            machines: machines, peers: peers.map(\.display), events: inSpanCells.reduce(0) { $0 + $1.count },
            firstSeen: first, lastSeen: last,
            evidence: Array(failureBursts.sorted { a, b in a.count != b.count ? a.count > b.count : (a.first ?? 0) < (b.first ?? 0) }.prefix(3))
                + Array(support.prefix(2)),
            steps: situation.render(definition.steps, version: options.arcgisVersion), references: definition.references,
            situation: situation)
    }

    /// The events that support a cause in the incident shown: the restart, the token errors, the records
    /// naming a self-signed certificate.
    private func supportBursts(_ cause: CauseID, shown: Incident, timeline: SiteTimeline) -> [Burst] {
        let ledger = timeline.ledger
        let peerMachine = shown.facts.peerMachine
        let related = Set([shown.machine] + (peerMachine.map { [$0] } ?? []))
        func evidenceSeries(_ classes: Set<Evidence>, machines: Set<String>) -> [EvidenceLedger.Series] {
            ledger.series.filter { series in
                guard let evidence = ledger.rule(of: series).evidence else { return false }
                return classes.contains(evidence) && machines.contains(ledger.machine(of: series))
            }
        }
        switch cause {
        case .machineRestart:
            guard let restart = shown.facts.restart?.restart else { return [] }
            return bursts(of: evidenceSeries([.machineStart, .machineStop], machines: [restart.machine]),
                          from: restart.first, to: restart.back, ledger: ledger)
        case .tokenExpiry:
            return bursts(of: evidenceSeries([.tokenError], machines: related),
                          from: shown.start - options.tokenWindow, to: shown.end, ledger: ledger)
        case .selfSignedCertificate:
            return bursts(of: evidenceSeries([.selfSigned], machines: related),
                          from: shown.start - options.lookback, to: shown.end + options.lookback, ledger: ledger)
        default:
            return []
        }
    }

    // MARK: - Bursts

    /// Runs of events of one rule on one machine with no gap longer than the burst gap, within [from, to]:
    /// exact counts and times from the minute cells, the example from the samples (the first of the burst).
    func bursts(of series: [EvidenceLedger.Series], from: Int64 = .min, to: Int64 = .max,
                ledger: EvidenceLedger) -> [Burst] {
        BurstIndex(series, ledger: ledger).bursts(from: from, to: to, gap: options.burstGap)
    }

    func clock(_ time: Int64?) -> String {
        guard let time else { return "an unknown time" }
        return String(zone.format(utcMillis: time).dropFirst(11).prefix(5))
    }
}

/// `1 failure`, `3 failures`.
func plural(_ value: Int, _ noun: String) -> String { "\(value) \(noun)\(value == 1 ? "" : "s")" }

/// A host and port as the cause templates name them.
package struct Peer: Hashable {
    package var host: String
    package var port: String?
    package var display: String { port.map { "\(host):\($0)" } ?? host }

    package init(host: String, port: String?) {
        self.host = host
        self.port = port
    }
}
