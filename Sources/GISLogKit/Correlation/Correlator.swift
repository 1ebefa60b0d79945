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
public struct Correlator {
    public let options: CorrelationOptions
    private let zone: LogTimeZone
    /// Set by `diagnose` for the wording of aggregate reasons.
    private var allTokens: [Event] = []
    private var allSelfSignedMentions: [Event] = []
    private let definitions: [CauseID: CauseDefinition]
    private var machineProducts: [String: Product]
    private let machineSpans: [String: MachineSpan]

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
    struct RestartEpisode {
        var machine: String
        var events: [Event]
        /// When the machine was back (the last startup event, else the last event).
        var time: Int64
        var startupMessage: String?
    }

    /// Rules whose events say a machine (not only a service instance) stopped or started.
    static let machineLevelRestartRules: Set<String> = [
        "server-processes-terminated", "web-server-stopped", "server-machine-initializing", "server-machine-started",
        "server-machine-stopped", "portal-web-server-restarting", "portal-log-service-started", "site-initialization-failed",
    ]
    static let startupRules: Set<String> = [
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
        var correlator = self
        return correlator.run(events)
    }

    private mutating func run(_ events: [Event]) -> Diagnosis {
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
        let selfSignedMentions = events.filter { Self.namesSelfSigned($0) }
        allTokens = tokens
        allSelfSignedMentions = selfSignedMentions

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
                        value: 0.9, reasons: ["\(count(matched.count, "failure")) on \(machine) say so directly: "
                                              + orderedUnique(matched.map(\.ruleID)).joined(separator: ", ")],
                        explained: matched, support: [])
                }
                let trust = own.filter { trustRules.contains($0.ruleID) }
                if !trust.isEmpty {
                    let peerMachines = peers(of: trust).compactMap { knownMachine(named: $0.host) }
                    let restart = restartScore(episode: episodeTrust, machine: machine, peerMachines: peerMachines,
                                               restarts: restarts, allFailures: trustFailures)
                    let token = tokenScore(trust, machine: machine, peerMachines: peerMachines, tokens: tokens,
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
        return Diagnosis(causes: causes, findings: otherFindings(events.filter(options.reports),
                                                                  restarts: restarts.filter { options.reports($0.events.last!) }),
                         caveats: caveats(events: events, failures: failures))
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

    // MARK: - Restart

    private func restartScore(episode: [Event], machine: String, peerMachines: [String], restarts: [RestartEpisode],
                              allFailures: [Event]) -> Score {
        guard let first = episode.first?.time, let last = episode.last?.time else { return .none() }
        let relevant = Set([machine] + peerMachines).union(machineProducts.filter { $0.value == .portal }.map(\.key))
        guard let restart = restarts.last(where: { relevant.contains($0.machine) && $0.time <= first
                                                    && first - $0.time <= options.restartWindow }) else {
            return .none(episode)
        }
        let restartStart = restart.events.first!.time!
        // `allFailures` is in time order: the ones in the lookback before the restart are one slice of it.
        let lower = firstIndex(in: allFailures, atOrAfter: restartStart - options.lookback)
        let upper = firstIndex(in: allFailures, atOrAfter: restartStart)
        let before = allFailures[lower..<max(lower, upper)]
        let name = restart.machine == machine ? "\(machine)" : "\(restart.machine)"
        if !before.isEmpty {
            return Score(value: 0, reasons: ["\(count(before.count, "failure")) came before the restart of \(name) too, so it did not cause them"],
                         explained: episode, support: restart.events)
        }
        var factor = 1.0
        var reasons: [String] = []
        let logsBefore = machineSpans[machine]?.first.map { restartStart - $0 } ?? 0
        let inFade = episode.filter { $0.time! <= restart.time + options.fadeWindow }
        reasons.append("\(inFade.count == episode.count ? "all \(episode.count)" : "\(inFade.count) of \(episode.count)") failures within "
                       + "\(Duration.describe(options.fadeWindow)) after the restart of \(name) at \(clock(restart.time)), "
                       + "the first \(Duration.describe(first - restart.time)) after it")
        if logsBefore >= 3_600_000 {
            reasons.append("none in the \(Duration.describe(min(logsBefore, options.lookback))) of logs before it")
        } else {
            factor *= 0.6
            reasons.append("only \(Duration.describe(max(0, logsBefore))) of logs before the restart, too little to be sure failures were absent")
        }
        if last > restart.time + options.fadeWindow {
            factor *= 0.6
            reasons.append("but failures went on until \(clock(last)), longer than a restart explains")
        }
        let value = 0.9 * Double(inFade.count) / Double(episode.count) * factor
        return Score(value: value, reasons: reasons, explained: episode.filter { $0.machine == machine }, support: restart.events)
    }

    // MARK: - Tokens

    private func tokenScore(_ trust: [Event], machine: String, peerMachines: [String], tokens: [Event], history: [Event]) -> Score {
        let related = Set([machine] + peerMachines)
        let candidates = tokens.filter { related.contains($0.machine) }
        var preceded: [Event] = []
        var support: [Event] = []
        var supportKeys = Set<String>()
        for failure in trust {
            let time = failure.time!
            let lower = firstIndex(in: candidates, atOrAfter: time - options.tokenWindow)
            let upper = firstIndex(in: candidates, atOrAfter: time + 1)
            guard lower < upper else { continue }
            preceded.append(failure)
            for event in candidates[lower..<upper] where support.count < 50 && supportKeys.insert(Self.key(event)).inserted {
                support.append(event)
            }
        }
        var reasons: [String] = []
        var value = Double(preceded.count) / Double(trust.count)
        if !preceded.isEmpty {
            let kinds = orderedUnique(support.map { Self.tokenPhrase($0) }).joined(separator: ", ")
            reasons.append("\(preceded.count) of \(trust.count) failures within \(Duration.describe(options.tokenWindow)) after \(kinds)")
        }
        if let period = recurrence(history) {
            value = min(1, value + 0.3)
            reasons.append("failures on \(machine) came back every \(Duration.describe(period)) or so, the lifetime of a token")
        }
        return Score(value: 0.9 * value, reasons: reasons, explained: value > 0 ? trust : [], support: support)
    }

    static func tokenPhrase(_ event: Event) -> String {
        switch event.ruleID {
        case "invalid-token": return "'Invalid token'"
        case "http-498-499": return "HTTP \(event.field("http_code") ?? "498")"
        case "could-not-decrypt-token": return "'Could not decrypt token'"
        case "token-required": return "'Token Required'"
        case "token-expired": return "an expired token"
        default: return event.ruleID
        }
    }

    /// The interval at which bursts of failures recur, when it matches a token lifetime.
    private func recurrence(_ failures: [Event]) -> Int64? {
        var starts: [Int64] = []
        for failure in failures {
            if let last = starts.last, failure.time! - last < 15 * 60_000 { continue }
            if let previous = failures.last(where: { $0.time! < failure.time! }), failure.time! - previous.time! < 15 * 60_000,
               !starts.isEmpty { continue }
            starts.append(failure.time!)
        }
        guard starts.count >= 3 else { return nil }
        let gaps = zip(starts.dropFirst(), starts).map { $0 - $1 }
        for lifetime in options.tokenLifetimes {
            let matching = gaps.filter { abs($0 - lifetime) <= lifetime / 10 }
            if Double(matching.count) >= Double(gaps.count) * 0.6 { return lifetime }
        }
        return nil
    }

    // MARK: - Self-signed

    /// Events of the rule that finds messages naming a self-signed certificate (its pattern already covers
    /// `self signed certificate`, `self-signed certificate` and `selfsignedcertificate`).
    static func namesSelfSigned(_ event: Event) -> Bool {
        event.ruleID == "self-signed-certificate"
    }

    private func selfSignedScore(_ trust: [Event], machine: String, peerMachines: [String], mentions: [Event],
                                 episode: [Event]) -> Score {
        let related = Set([machine] + peerMachines)
        guard let start = episode.first?.time, let end = episode.last?.time else { return .none() }
        // A self-signed certificate stays until someone replaces it: mentions within the lookback on either
        // side of the failures count.
        let near = mentions.filter { related.contains($0.machine) && $0.time.map { $0 >= start - options.lookback && $0 <= end + options.lookback } ?? true }
        let onArcGISEndpoints = trust.filter { event in
            guard let host = event.field("host") else { return false }
            let port = event.field("port").flatMap(Int.init)
            return [6443, 7443, 2443].contains(port ?? -1) || knownMachine(named: host) != nil
        }
        var reasons: [String] = []
        var value = 0.0
        if !near.isEmpty {
            value = 0.9
            reasons.append("\(count(near.count, "record")) \(near.count == 1 ? "names" : "name") a self-signed certificate "
                           + "(e.g. \(clock(near[0].time)) on \(near[0].machine))")
        }
        if !onArcGISEndpoints.isEmpty {
            value = max(value, 0.5 * Double(onArcGISEndpoints.count) / Double(trust.count))
            let example = onArcGISEndpoints[0]
            let where_ = [example.field("host"), example.field("port")].compactMap { $0 }.joined(separator: ":")
            reasons.append("\(onArcGISEndpoints.count) of \(trust.count) failing calls went to \(where_), an ArcGIS machine or port where "
                           + "the default self-signed certificate lives")
        }
        return Score(value: value, reasons: reasons, explained: value > 0 ? trust : [], support: Array(near.prefix(20)))
    }

    // MARK: - Untrusted CA

    static let unknownCARules: Set<String> = ["wininet-invalid-ca", "pkix-path-building-failed", "pkix-path-validation-failed",
                                              "unable-to-validate-tls-certificate", "failed-to-validate-ssl-certificate"]

    private func untrustedScore(_ trust: [Event], machine: String, episode: [Event], others: Double, history: [Event]) -> Score {
        var reasons: [String] = []
        let caFailures = trust.filter { Self.unknownCARules.contains($0.ruleID) }
        var base = caFailures.isEmpty ? 0.45 : 0.6
        if !caFailures.isEmpty {
            let phrases = orderedUnique(caFailures.map { $0.ruleID == "wininet-invalid-ca" ? "the certificate authority is unknown (12045)" : Self.readable($0.ruleID) })
            reasons.append("\(caFailures.count) of \(trust.count) failures on \(machine) say \(phrases.joined(separator: "; "))")
        }
        let pkix = episode.filter { $0.ruleID == "pkix-path-building-failed" }
        if !pkix.isEmpty {
            base += 0.15
            reasons.append("Java on \(orderedUnique(pkix.map(\.machine)).joined(separator: ", ")) cannot build a trusted certificate path (PKIX), \(count(pkix.count, "time"))")
        }
        if let first = history.first?.time, let last = history.last?.time, last - first > options.fadeWindow {
            base += 0.1
            reasons.append("failures on \(machine) persisted for \(Duration.describe(last - first)), not a passing disturbance")
        }
        if others >= 0.3 {
            reasons.append("part of it is explained by other causes below")
        } else {
            reasons.append("no restart, token error or self-signed certificate explains them")
        }
        return Score(value: base * (1 - 0.5 * others), reasons: reasons, explained: trust, support: pkix.filter { $0.machine != machine })
    }

    static func readable(_ ruleID: String) -> String {
        switch ruleID {
        case "pkix-path-building-failed": return "Java cannot build a trusted certificate path (PKIX)"
        case "pkix-path-validation-failed": return "Java cannot validate the certificate path (PKIX)"
        case "unable-to-validate-tls-certificate": return "Portal cannot validate the server's TLS certificate"
        case "failed-to-validate-ssl-certificate": return "Portal cannot validate the SSL certificate"
        default: return ruleID
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
                var tally = tallies[cause] ?? Tally()
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
            return tokenScore(failures, machine: machine, peerMachines: peerMachines, tokens: allTokens,
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
    private func firstIndex(in events: [Event], atOrAfter time: Int64) -> Int {
        var low = 0, high = events.count
        while low < high {
            let middle = (low + high) / 2
            if events[middle].time! < time { low = middle + 1 } else { high = middle }
        }
        return low
    }

    static func key(_ event: Event) -> String { "\(event.path)\u{1F}\(event.line)\u{1F}\(event.ruleID)" }

    // MARK: - Other findings

    private func otherFindings(_ events: [Event], restarts: [RestartEpisode]) -> [Finding] {
        var findings: [Finding] = []
        for restart in restarts {
            let stopped = restart.events.contains { !Self.startupRules.contains($0.ruleID) && Self.machineLevelRestartRules.contains($0.ruleID) }
            let title = "\(restart.machine) " + (stopped && restart.startupMessage != nil ? "restarted"
                                                 : restart.startupMessage != nil ? "started" : "stopped")
            findings.append(Finding(
                findingID: stableID(["restart", restart.machine, String(restart.events.first!.time!)]), category: .restart,
                title: title, machines: [restart.machine], events: restart.events.count, firstSeen: restart.events.first?.time,
                lastSeen: restart.events.last?.time, evidence: Array(bursts(of: restart.events).prefix(4))))
        }
        let nouns: [RuleCategory: String] = [
            .token: "token error", .federation: "federation failure", .publishing: "publishing failure",
            .connectivity: "connection failure",
        ]
        for category in [RuleCategory.token, .federation, .publishing, .connectivity] {
            let selected = events.filter { $0.category == category }
            for machine in orderedUnique(selected.map(\.machine)).sorted() {
                let own = selected.filter { $0.machine == machine }
                let groups = bursts(of: own)
                findings.append(Finding(
                    findingID: stableID([category.rawValue, machine, own.first?.time.map(String.init) ?? "-"]), category: category,
                    title: "\(count(own.count, nouns[category]!)) on \(machine)",
                    machines: [machine], events: own.count, firstSeen: own.compactMap(\.time).min(), lastSeen: own.compactMap(\.time).max(),
                    evidence: Array(groups.sorted { $0.count > $1.count }.prefix(3))))
            }
        }
        return findings.sorted { ($0.firstSeen ?? .max, $0.category, $0.title) < ($1.firstSeen ?? .max, $1.category, $1.title) }
    }

    // MARK: - Caveats

    private func caveats(events: [Event], failures: [Event]) -> [String] {
        var notes: [String] = []
        let peerHosts = orderedUnique(peers(of: failures).map(\.host))
        for host in peerHosts where knownMachine(named: host) == nil {
            notes.append("Failing calls went to \(host), whose logs were not scanned; add them to see its side.")
        }
        notes += clockSkew(events)
        let withoutTime = events.filter { $0.time == nil }.count
        if withoutTime > 0 {
            notes.append("\(count(withoutTime, "event")) had no readable time and could not be correlated.")
        }
        return notes
    }

    /// Machines whose clocks disagree: the same request id logged on two machines at times further apart
    /// than requests take. Reported, not corrected (times are compared as logged).
    private func clockSkew(_ events: [Event]) -> [String] {
        var byRequest: [String: [String: Int64]] = [:]
        for event in events {
            guard let request = event.requestID, !request.isEmpty, let time = event.time else { continue }
            byRequest[request, default: [:]][event.machine] = min(time, byRequest[request]?[event.machine] ?? time)
        }
        var differences: [String: [Int64]] = [:]
        for machines in byRequest.values where machines.count > 1 {
            let names = machines.keys.sorted()
            for (index, first) in names.enumerated() {
                for second in names[(index + 1)...] {
                    differences["\(first)\u{1F}\(second)", default: []].append(machines[second]! - machines[first]!)
                }
            }
        }
        var notes: [String] = []
        for (pair, values) in differences.sorted(by: { $0.key < $1.key }) where values.count >= 3 {
            let median = values.sorted()[values.count / 2]
            guard abs(median) >= 2000 else { continue }
            let names = pair.split(separator: "\u{1F}").map(String.init)
            let (ahead, behind) = median > 0 ? (names[1], names[0]) : (names[0], names[1])
            notes.append("The clock of \(ahead) seems \(Duration.describe(abs(median))) ahead of \(behind) "
                         + "(\(values.count) requests logged on both); events are compared as logged.")
        }
        return notes
    }

    // MARK: - Helpers

    struct Peer: Hashable {
        var host: String
        var port: String?
        var display: String { port.map { "\(host):\($0)" } ?? host }
    }

    private func peers(of events: [Event]) -> [Peer] {
        orderedUnique(events.compactMap { event in
            event.field("host").map { Peer(host: $0.lowercased(), port: event.field("port")) }
        })
    }

    /// The machine in these logs that a host name refers to (full name, or first label), if any.
    func knownMachine(named host: String) -> String? {
        let upper = host.uppercased()
        let names = Array(machineSpans.keys) + Array(machineProducts.keys)
        if let exact = names.first(where: { $0 == upper }) { return exact }
        let short = upper.split(separator: ".").first.map(String.init) ?? upper
        return names.first { ($0.split(separator: ".").first.map(String.init) ?? $0) == short }
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

    private func clock(_ time: Int64?) -> String {
        guard let time else { return "an unknown time" }
        return String(zone.format(utcMillis: time).dropFirst(11).prefix(5))
    }
}

private func count(_ value: Int, _ noun: String) -> String { "\(value) \(noun)\(value == 1 ? "" : "s")" }

func orderedUnique<T: Hashable>(_ items: [T]) -> [T] {
    var seen = Set<T>()
    return items.filter { seen.insert($0).inserted }
}

private func uniqueEvents(_ events: [Event]) -> [Event] {
    var seen = Set<String>()
    return events.filter { seen.insert("\($0.path)\u{1F}\($0.line)\u{1F}\($0.ruleID)").inserted }
        .sorted { ($0.time ?? .max, $0.path, $0.line) < ($1.time ?? .max, $1.path, $1.line) }
}
