internal import Dispatch
internal import Synchronization
public import GISLogRules
public import GISLogRecords
import GISLogInput

/// Decides which causes best explain the certificate failures, from events ordered on log time.
///
/// Failures are split into episodes (site-wide runs of failures with no long gap), and each episode into
/// one incident per failing machine. Every cause gets a score per incident from its own evidence:
///
/// - `machine-restart`: the episode began within the restart window after a restart of the failing
///   machine, a machine it calls, or a portal; no failures in the lookback before it; and the failures
///   ended within the fade window.
/// - `token-expiry`: failures preceded (within the token window) by token errors on the same machine or
///   its peer, and failures that come back at a token lifetime.
/// - `self-signed-certificate`: messages naming a self-signed certificate, or failing URLs on ArcGIS's own
///   ports (6443, 7443, 2443) or hosts, where the default self-signed certificates live.
/// - `untrusted-ca`: what the errors say (an unknown CA; Java cannot build a trusted path), how long the
///   failures persist, less what the other three explain.
/// - expired certificate, host name mismatch, revocation, client certificates: the error names them.
///
/// The best-scoring cause of an incident is its primary cause; the others are alternatives.
public struct Correlator: Sendable {
    public let options: CorrelationOptions
    let zone: LogTimeZone
    /// Set by `diagnose` for the wording of aggregate reasons.
    var allSelfSignedMentions: [Event] = []
    let definitions: [CauseID: CauseDefinition]
    var machineProducts: [String: Product]
    let machineSpans: [String: MachineSpan]
    /// Machine names by their upper-cased full name and by their first label, for `knownMachine`
    /// (made once per diagnosis: it is asked for every failing call's host).
    private var machinesByName: [String: String] = [:]
    private var machinesByShortName: [String: String] = [:]
    /// Token events per machine, in time order (set by `diagnose`).
    var tokensByMachine: [String: [Event]] = [:]

    /// - Parameters:
    ///   - causes: the cause definitions (words, steps, which rules each explains).
    ///   - coverage: what was read: which machines, from which products, over which times.
    ///   - zone: the zone in which times in explanations are written.
    public init(options: CorrelationOptions, causes: [CauseDefinition], coverage: Coverage, zone: LogTimeZone) {
        self.options = options
        self.zone = zone
        definitions = Dictionary(causes.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        var products: [String: Product] = [:]
        for file in coverage.files {
            if let machine = file.file.machine, file.file.product != .unknown { products[machine] = file.file.product }
        }
        machineProducts = products
        machineSpans = Dictionary(coverage.machines.map { ($0.machine, $0) }, uniquingKeysWith: { first, _ in first })
    }

    // MARK: - Inputs prepared once

    /// A machine restarting: shutdown and startup events close together.
    struct RestartEpisode: Sendable {
        var machine: String
        var events: [Event]
        /// When the machine was back (the last startup event, else the last event).
        var time: Int64
        var startupMessage: String?
    }

    /// Rules whose events say a machine (not only a service instance) stopped or started.
    package static let machineLevelRestartRules: Set<String> = [
        "server-processes-terminated", "web-server-stopped", "server-machine-initializing", "server-machine-started",
        "server-machine-stopped", "portal-web-server-restarting", "portal-log-service-started", "site-initialization-failed",
    ]
    package static let startupRules: Set<String> = [
        "server-machine-initializing", "server-machine-started", "portal-web-server-restarting", "portal-log-service-started",
    ]

    private func restartEpisodes(_ events: [Event]) -> [RestartEpisode] {
        var byMachine: [String: [Event]] = [:]
        for event in events where event.category == .restart && event.time != nil {
            byMachine[event.machine, default: []].append(event)
        }
        var episodes: [RestartEpisode] = []
        for (machine, list) in byMachine {
            var current: [Event] = []
            func close() {
                guard current.contains(where: { Self.machineLevelRestartRules.contains($0.ruleID) }) else { current = []; return }
                let startup = current.last { Self.startupRules.contains($0.ruleID) }
                episodes.append(RestartEpisode(machine: machine, events: current, time: (startup ?? current.last!).time!,
                                               startupMessage: startup?.message))
                current = []
            }
            for event in list {
                if let last = current.last?.time, event.time! - last > 10 * 60_000 { close() }
                current.append(event)
            }
            close()
        }
        return episodes.sorted { $0.time < $1.time }
    }

    // MARK: - Diagnosis

    public func diagnose(events: [Event]) -> Diagnosis {
        diagnose(events: events, concurrentFrom: Self.concurrentEvents)
    }

    /// - Parameter concurrentFrom: how many events make the side work worth a thread of its own (tests
    ///   compare both ways).
    func diagnose(events: [Event], concurrentFrom: Int) -> Diagnosis {
        var correlator = self
        return correlator.run(events, concurrentFrom: concurrentFrom)
    }

    private mutating func run(_ events: [Event], concurrentFrom: Int) -> Diagnosis {
        // Events merged from other machines' feeds name their products themselves.
        for event in events where event.product != .unknown && machineProducts[event.machine] == nil {
            machineProducts[event.machine] = event.product
        }
        let trustRules = Set(CauseID.seedCauses.flatMap { definitions[$0]?.explains ?? [] })
        let specific: [(CauseID, Set<String>)] = CauseID.allCases.filter { !CauseID.seedCauses.contains($0) }
            .compactMap { id in definitions[id].map { (id, Set($0.explains).subtracting(trustRules)) } }
        let symptomRules = trustRules.union(specific.flatMap(\.1))
        // Failures outside the reported span are context: they shape episodes and can disprove a restart,
        // but only failures inside it are explained and counted.
        let allFailures = events.filter { $0.time != nil && symptomRules.contains($0.ruleID) }
        let failures = allFailures
        let restarts = restartEpisodes(events)
        let tokens = events.filter { $0.category == .token && $0.time != nil }
        tokensByMachine = Dictionary(grouping: tokens, by: \.machine)
        indexMachines()
        let selfSignedMentions = events.filter { Self.namesSelfSigned($0) }
        allSelfSignedMentions = selfSignedMentions
        // The other findings and the caveats do not depend on the incidents: on a big site they are worked
        // out on the other core meanwhile.
        let side = Self.startConcurrently(events.count >= concurrentFrom) { [self] in
            (otherFindings(events.filter(options.reports), restarts: restarts.filter { options.reports($0.events.last!) }),
             caveats(events: events, failures: failures))
        }

        // Episodes: site-wide runs of failures.
        var episodes: [[Event]] = []
        for failure in failures {
            if let last = episodes.last?.last?.time, failure.time! - last <= options.episodeGap {
                episodes[episodes.count - 1].append(failure)
            } else {
                episodes.append([failure])
            }
        }
        // Per machine: all its trust failures, for persistence and periodicity.
        var trustByMachine: [String: [Event]] = [:]
        for failure in failures where trustRules.contains(failure.ruleID) { trustByMachine[failure.machine, default: []].append(failure) }

        let trustFailures = allFailures.filter { trustRules.contains($0.ruleID) }
        var incidents: [Incident] = []
        for episode in episodes {
            let machines = orderedUnique(episode.map(\.machine))
            let episodeTrust = episode.filter { trustRules.contains($0.ruleID) }
            for machine in machines {
                let own = episode.filter { $0.machine == machine }
                guard own.contains(where: options.reports) else { continue }
                var incident = Incident(machine: machine, failures: own, scores: [:])
                for (cause, rules) in specific {
                    let matched = own.filter { rules.contains($0.ruleID) }
                    guard !matched.isEmpty else { continue }
                    incident.scores[cause] = Score(
                        value: 0.9, reasons: ["\(plural(matched.count, "failure")) on \(machine) say so directly: "
                                              + orderedUnique(matched.map(\.ruleID)).joined(separator: ", ")],
                        explained: matched, support: [])
                }
                let trust = own.filter { trustRules.contains($0.ruleID) }
                if !trust.isEmpty {
                    let peerMachines = peers(of: trust).compactMap { knownMachine(named: $0.host) }
                    let restart = restartScore(episode: episodeTrust, machine: machine, peerMachines: peerMachines,
                                               restarts: restarts, allFailures: trustFailures)
                    let token = tokenScore(trust, machine: machine, peerMachines: peerMachines,
                                           history: trustByMachine[machine] ?? [])
                    let selfSigned = selfSignedScore(trust, machine: machine, peerMachines: peerMachines,
                                                     mentions: selfSignedMentions, episode: episode)
                    let others = max(restart.value, token.value, selfSigned.value)
                    let untrusted = untrustedScore(trust, machine: machine, episode: episode, others: others,
                                                   history: trustByMachine[machine] ?? [])
                    incident.scores[.machineRestart] = restart
                    incident.scores[.tokenExpiry] = token
                    incident.scores[.selfSignedCertificate] = selfSigned
                    incident.scores[.untrustedCA] = untrusted
                }
                incidents.append(incident)
            }
        }
        let causes = rank(incidents)
        let (findings, notes) = side()
        return Diagnosis(causes: causes, findings: findings, caveats: notes)
    }

    /// Events from which the side work runs on another thread (below, waking a thread costs more than it saves).
    static let concurrentEvents = 500

    /// Starts `work` on another thread when `concurrent`, else runs it when its result is first asked for;
    /// returns the way to get the result (waiting for it if needed).
    private static func startConcurrently<Result: Sendable>(_ concurrent: Bool,
                                                             _ work: @escaping @Sendable () -> Result) -> () -> Result {
        guard concurrent else { return work }
        let result = Mutex<Result?>(nil)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let value = work()
            result.withLock { $0 = value }
            done.signal()
        }
        return {
            done.wait()
            return result.withLock { $0! }
        }
    }

    struct Score {
        var value: Double
        var reasons: [String]
        /// The failures this cause explains in the incident.
        var explained: [Event]
        /// Events that support the cause (the restart, the token errors, …).
        var support: [Event]

        static func none(_ explained: [Event] = []) -> Score { Score(value: 0, reasons: [], explained: explained, support: []) }
    }

    struct Incident {
        var machine: String
        var failures: [Event]
        var scores: [CauseID: Score]

        /// The best cause, ties broken by the order of `CauseID.allCases`.
        var top: (CauseID, Score)? {
            scores.filter { $0.value.value > 0 }.max { a, b in
                a.value.value != b.value.value ? a.value.value < b.value.value
                    : CauseID.allCases.firstIndex(of: a.key)! > CauseID.allCases.firstIndex(of: b.key)!
            }.map { ($0.key, $0.value) }
        }
    }

    // MARK: - Ranking

    private func rank(_ incidents: [Incident]) -> [RankedCause] {
        struct Tally {
            var best = 0.0
            var bestReasons: [String] = []
            var primary = false
            var incidents: [Incident] = []
            var explained: [Event] = []
            var support: [Event] = []
        }
        var tallies: [CauseID: Tally] = [:]
        for incident in incidents {
            let top = incident.top?.0
            for (cause, score) in incident.scores where score.value >= options.minimumConfidence {
                // Taken out of the dictionary while it grows, so its arrays are not copied on every append.
                var tally = tallies.removeValue(forKey: cause) ?? Tally()
                if top == cause { tally.primary = true }
                if score.value > tally.best { tally.best = score.value; tally.bestReasons = score.reasons }
                tally.incidents.append(incident)
                tally.explained += score.explained
                tally.support += score.support
                tallies[cause] = tally
            }
        }
        // A primary cause names only the machines it is primary for.
        var ranked: [RankedCause] = []
        for (cause, tally) in tallies {
            guard let definition = definitions[cause] else { continue }
            let own = tally.primary ? tally.incidents.filter { $0.top?.0 == cause } : tally.incidents
            let explained = uniqueEvents(tally.primary ? own.flatMap { $0.scores[cause]?.explained ?? [] } : tally.explained)
                .filter(options.reports)
            guard !explained.isEmpty else { continue }
            let machines = orderedUnique(own.map(\.machine)).sorted()
            let peerList = peers(of: explained)
            // The steps speak of the machine with the most failures.
            let busiest = Dictionary(grouping: explained, by: \.machine).max { a, b in
                a.value.count != b.value.count ? a.value.count < b.value.count : a.key > b.key
            }?.key ?? machines.first ?? ""
            let values = TemplateValues(machine: busiest, peers: peerList, failures: explained,
                                        machineProducts: machineProducts)
            let reasons = aggregateReasons(cause, machine: busiest, explained: explained, incidents: own) ?? tally.bestReasons
            let explainedKeys = Set(explained.map(Self.key))
            let support = uniqueEvents(tally.support).filter { !explainedKeys.contains(Self.key($0)) }
            let first = explained.compactMap(\.time).min(), last = explained.compactMap(\.time).max()
            let incidentIDs = own.filter { $0.failures.contains(where: options.reports) }.map { incident in
                stableID([cause.rawValue, incident.machine, incident.failures.first?.time.map(String.init) ?? "-"])
            }
            ranked.append(RankedCause(
                id: cause, findingID: stableID([cause.rawValue, machines.joined(separator: ","), first.map(String.init) ?? "-"]),
                incidentIDs: incidentIDs,
                rank: 0, confidence: (tally.best * 100).rounded() / 100, isPrimary: tally.primary,
                title: definition.title, summary: values.fill(definition.summary), reasons: reasons,
                machines: machines, peers: peerList.map(\.display), events: explained.count, firstSeen: first, lastSeen: last,
                evidence: Array(bursts(of: explained).sorted { $0.count > $1.count }.prefix(3))
                    + Array(bursts(of: support).prefix(2)),
                steps: definition.steps.map(values.fill), references: definition.references))
        }
        ranked.sort { a, b in
            if a.isPrimary != b.isPrimary { return a.isPrimary }
            if a.confidence != b.confidence { return a.confidence > b.confidence }
            return CauseID.allCases.firstIndex(of: a.id)! < CauseID.allCases.firstIndex(of: b.id)!
        }
        for index in ranked.indices { ranked[index].rank = index + 1 }
        return ranked
    }

    /// Reasons worded over all the failures a cause explains on its busiest machine, not one episode's
    /// (token errors before 25 of 25 failures, rather than 2 of 2). Restarts stay per episode.
    private func aggregateReasons(_ cause: CauseID, machine: String, explained: [Event], incidents: [Incident]) -> [String]? {
        let failures = explained.filter { $0.machine == machine }
        guard !failures.isEmpty else { return nil }
        let peerMachines = peers(of: failures).compactMap { knownMachine(named: $0.host) }
        let episode = incidents.flatMap(\.failures).sorted { ($0.time ?? 0) < ($1.time ?? 0) }
        switch cause {
        case .tokenExpiry:
            return tokenScore(failures, machine: machine, peerMachines: peerMachines,
                              history: failures).reasons
        case .selfSignedCertificate:
            return selfSignedScore(failures, machine: machine, peerMachines: peerMachines, mentions: allSelfSignedMentions,
                                   episode: episode).reasons
        case .untrustedCA:
            let others = incidents.map { incident in
                [CauseID.machineRestart, .tokenExpiry, .selfSignedCertificate].map { incident.scores[$0]?.value ?? 0 }.max() ?? 0
            }.max() ?? 0
            return untrustedScore(failures, machine: machine, episode: episode, others: others, history: failures).reasons
        default:
            return nil
        }
    }

    /// The index of the first event at or after `time` in events ordered by time.
    func firstIndex(in events: [Event], atOrAfter time: Int64) -> Int {
        var low = 0, high = events.count
        while low < high {
            let middle = (low + high) / 2
            if events[middle].time! < time { low = middle + 1 } else { high = middle }
        }
        return low
    }

    static func key(_ event: Event) -> EventKey { EventKey(event) }

    // MARK: - Helpers

    struct Peer: Hashable {
        var host: String
        var port: String?
        var display: String { port.map { "\(host):\($0)" } ?? host }
    }

    func peers(of events: [Event]) -> [Peer] {
        orderedUnique(events.compactMap { event in
            event.field("host").map { Peer(host: $0.lowercased(), port: event.field("port")) }
        })
    }

    /// The machine in these logs that a host name refers to (full name, or first label), if any. Two
    /// machines with the same first label: the first in sorted order, so the answer does not vary by run.
    func knownMachine(named host: String) -> String? {
        let upper = host.uppercased()
        if let exact = machinesByName[upper] { return exact }
        return machinesByShortName[Self.firstLabel(upper)]
    }

    private static func firstLabel(_ name: String) -> String { name.split(separator: ".").first.map(String.init) ?? name }

    private mutating func indexMachines() {
        machinesByName = [:]
        machinesByShortName = [:]
        for name in Set(machineSpans.keys).union(machineProducts.keys).sorted() {
            machinesByName[name] = name
            if machinesByShortName[Self.firstLabel(name)] == nil { machinesByShortName[Self.firstLabel(name)] = name }
        }
    }

    func bursts(of events: [Event]) -> [Burst] {
        var open: [String: Int] = [:]
        var result: [Burst] = []
        for event in events {
            let key = event.ruleID + "\u{1F}" + event.machine
            if let index = open[key], let last = result[index].last, let time = event.time, time - last <= options.burstGap {
                result[index].count += 1
                result[index].last = time
                continue
            }
            open[key] = result.count
            result.append(Burst(ruleID: event.ruleID, category: event.category, machine: event.machine, count: 1,
                                first: event.time, last: event.time, example: event))
        }
        return result
    }

    func clock(_ time: Int64?) -> String {
        guard let time else { return "an unknown time" }
        return String(zone.format(utcMillis: time).dropFirst(11).prefix(5))
    }
}

/// `1 failure`, `3 failures`.
func plural(_ value: Int, _ noun: String) -> String { "\(value) \(noun)\(value == 1 ? "" : "s")" }

func orderedUnique<T: Hashable>(_ items: [T]) -> [T] {
    var seen = Set<T>()
    return items.filter { seen.insert($0).inserted }
}

/// What makes an event the same event when several lists hold it: its rule, file and line.
struct EventKey: Hashable {
    var path: String
    var line: Int
    var ruleID: String

    init(_ event: Event) {
        path = event.path
        line = event.line
        ruleID = event.ruleID
    }
}

func uniqueEvents(_ events: [Event]) -> [Event] {
    var seen = Set<EventKey>()
    return events.filter { seen.insert(EventKey($0)).inserted }
        .sorted { ($0.time ?? .max, $0.path, $0.line) < ($1.time ?? .max, $1.path, $1.line) }
}

