public import GISLogCorrelation
public import GISLogRules
public import GISLogInput
public import GISLogProbe
import GISLogSupport
// `gislog scan --probe`: what the live endpoints say, applied to the correlation's result. Kept apart from
// the correlation itself: it takes a finished `Diagnosis` and returns another, so the scoring can change
// without touching this. (It uses the correlation's cause words and `TemplateValues`; when the targets are
// split, it belongs with the code that wires the scan, not in the probe's own target.)

extension ProbeVerdict {
    /// The cause this verdict confirms; `incomplete-chain` supports `untrusted-ca`, with its own fix.
    public var confirmedCause: CauseID? {
        switch self {
        case .untrustedCA, .incompleteChain: return .untrustedCA
        case .selfSignedCertificate: return .selfSignedCertificate
        case .expiredCertificate: return .expiredCertificate
        case .hostnameMismatch: return .hostnameMismatch
        case .trusted, .unreachable, .notTLS: return nil
        }
    }
}

/// `gislog scan --probe`: which peers to probe, and what their verdicts do to the ranked causes.
public enum ProbeRanking {
    /// Causes that are about the certificate a peer presents: a probe of that peer can confirm or weaken them.
    static let certificateCauses: Set<CauseID> = [.untrustedCA, .selfSignedCertificate, .expiredCertificate, .hostnameMismatch]

    /// The confidence of a cause a probe confirmed.
    static let confirmedConfidence = 0.95

    /// `host:port` for a peer as causes list it (`portal.example.org` is port 443: failing calls are https).
    static func peerKey(_ peer: String) -> String? {
        ProbeTarget.splitHostPort(Substring(peer), defaultPort: 443).map { ProbeTarget.display(host: $0.0, port: $0.1) }
    }

    /// The endpoints to probe: each peer of the ranked causes once, in rank order, with the `rest/info` paths
    /// its failing URLs point at.
    public static func targets(for diagnosis: Diagnosis, events: [Event]) -> [ProbeTarget] {
        var targets: [ProbeTarget] = []
        var seen = Set<String>()
        for cause in diagnosis.causes {
            for peer in cause.peers {
                guard let (host, port) = ProbeTarget.splitHostPort(Substring(peer), defaultPort: 443),
                      seen.insert(ProbeTarget.display(host: host, port: port)).inserted else { continue }
                let paths = Self.events(to: host, port: port, in: events).compactMap { $0.field("url").flatMap(urlPath) }
                let infoPaths = orderedUnique(paths.flatMap { ProbeTarget.infoPaths(forPath: $0) })
                targets.append(ProbeTarget(host: host, port: port,
                                           infoPaths: infoPaths.isEmpty ? nil : Array(infoPaths.prefix(3))))
            }
        }
        return targets
    }

    /// The path of a URL (`/arcgis/sharing/rest/…`), or nil.
    static func urlPath(_ url: String) -> String? {
        let bytes = Array(url.utf8)
        guard let colon = bytes.indices.first(where: { bytes[$0] == UInt8(ascii: ":") }),
              bytes.count > colon + 2, bytes[colon + 1] == UInt8(ascii: "/"), bytes[colon + 2] == UInt8(ascii: "/") else { return nil }
        let rest = bytes[(colon + 3)...]
        return rest.firstIndex(of: UInt8(ascii: "/")).map { String(decoding: bytes[$0...], as: UTF8.self) }
    }

    /// Events (of any rule) whose call went to `host`:`port`.
    static func events(to host: String, port: Int, in events: [Event]) -> [Event] {
        events.filter { event in
            guard let eventHost = event.field("host"), eventHost.lowercased() == host else { return false }
            return (event.field("port").flatMap { Int($0) } ?? 443) == port
        }
    }

    /// Applies the probes of the causes' peers to the ranking:
    /// - a verdict that names a cause confirms it: it ranks first, is primary for those failures, and says
    ///   "confirmed by probe" with the certificate; the cause is added when the logs alone did not rank it;
    ///   certificate causes the probe contradicts become alternatives;
    /// - `incomplete-chain` confirms `untrusted-ca` with its own first step (install the intermediate);
    /// - `trusted` halves the certificate causes of that peer and says which trust store trusted it;
    /// - a `rest/info` token lifetime is checked against the recurrence of the failures (token expiry);
    /// - an endpoint that could not be checked is said so.
    /// - Returns: the new diagnosis, and each cause's probes by its finding id.
    public static func apply(_ results: [ProbeResult], to diagnosis: Diagnosis, definitions: [CauseDefinition],
                             events: [Event], machineProducts: [String: Product]) -> (diagnosis: Diagnosis, probes: [String: [ProbeResult]]) {
        var byPeer: [String: ProbeResult] = [:]
        for result in results { byPeer[result.target] = result }
        func probes(_ cause: RankedCause) -> [ProbeResult] {
            var seen = Set<String>()
            return cause.peers.compactMap { peerKey($0).flatMap { byPeer[$0] } }.filter { seen.insert($0.target).inserted }
        }
        var causes = diagnosis.causes
        // A version the probes read chooses the steps that differ by version, unless one was given.
        let version = diagnosis.arcgisVersion ?? probedVersion(results)
        if diagnosis.arcgisVersion == nil, let version {
            for index in causes.indices {
                guard let situation = causes[index].situation,
                      let definition = definitions.first(where: { $0.id == causes[index].id }) else { continue }
                causes[index].steps = situation.render(definition.steps, version: version)
            }
        }

        // Causes the logs did not rank but a probe confirms, built from the causes whose peers it probed.
        var synthesized = Set<String>()
        var confirming: [CauseID: [ProbeResult]] = [:]
        for cause in causes { for result in probes(cause) { if let id = result.verdict.confirmedCause { confirming[id, default: []].append(result) } } }
        for id in CauseID.allCases where confirming[id] != nil {
            guard let definition = definitions.first(where: { $0.id == id }) else { continue }
            let targets = Set(confirming[id]!.map(\.target))
            // Ranked already for these peers: confirmed below as it is.
            if causes.contains(where: { $0.id == id && probes($0).contains { targets.contains($0.target) } }) { continue }
            guard var made = synthesize(definition, peers: targets, from: causes.filter { probes($0).contains { targets.contains($0.target) } },
                                        events: events, machineProducts: machineProducts, version: version) else { continue }
            // The logs ranked it for other incidents only: one entry per cause, holding both.
            if let other = causes.firstIndex(where: { $0.id == id }) {
                let old = causes.remove(at: other)
                made.machines = orderedUnique(made.machines + old.machines).sorted()
                made.peers = orderedUnique(made.peers + old.peers)
                made.incidentIDs = orderedUnique(made.incidentIDs + old.incidentIDs)
                made.events += old.events
                made.firstSeen = [made.firstSeen, old.firstSeen].compactMap { $0 }.min()
                made.lastSeen = [made.lastSeen, old.lastSeen].compactMap { $0 }.max()
                made.evidence = Array((made.evidence + old.evidence).prefix(5))
            }
            causes.append(made)
            synthesized.insert(made.findingID)
        }

        var confirmed = Set<Int>()
        var probesByFinding: [String: [ProbeResult]] = [:]
        for index in causes.indices {
            let own = probes(causes[index])
            var cause = causes[index]
            var added: [String] = []
            let confirms = own.filter { $0.verdict.confirmedCause == cause.id }
            if !confirms.isEmpty {
                confirmed.insert(index)
                cause.confidence = max(cause.confidence, confirmedConfidence)
                cause.isPrimary = true
                for result in confirms {
                    added.append("confirmed by probe: \(result.reason) (trust store: \(result.trustStore))"
                                 + (result.leafSummary.map { "; the certificate: \($0)" } ?? ""))
                    if result.verdict == .selfSignedCertificate || result.verdict == .untrustedCA {
                        cause.steps.insert(WorkaroundStep(text: """
                            Save the certificates \(result.target) presents as PEM files, ready to import where the failing \
                            machine trusts certificates: `gislog probe --save-chain certs/ \(result.target)`.
                            """), at: 0)
                    }
                    if result.verdict == .incompleteChain {
                        let issuer = result.chain.first?.issuer ?? "its issuer"
                        cause.steps.insert(WorkaroundStep(text: """
                            Install the intermediate certificate on the endpoint behind \(result.target) (the web server, \
                            Web Adaptor or load balancer that answers there) so that it sends it with its own certificate: \
                            \(issuer). `gislog probe --save-chain DIR \(result.target)` saves what it sends now.
                            """, source: "https://www.rfc-editor.org/rfc/rfc5246#section-7.4.2"), at: 0)
                    }
                }
            } else if certificateCauses.contains(cause.id) && !own.isEmpty {
                let elsewhere = own.filter { $0.verdict.confirmedCause != nil }
                for result in elsewhere {
                    added.append("the probe of \(result.target) found \(result.verdict.rawValue) instead: \(result.reason)")
                }
                if !elsewhere.isEmpty && elsewhere.count == own.count { cause.isPrimary = false }
                let trusted = own.filter { $0.verdict == .trusted }
                for result in trusted {
                    added.append("but the probe found \(result.target) trusted by \(result.trustStorePhrase) (trust store: "
                                 + "\(result.trustStore)): \(result.leafSummary ?? "no certificate details"). The failing machine "
                                 + "may not trust what the machine running gislog trusts: compare its trust store, or probe "
                                 + "again with --ca-file and the CA certificates exported from it")
                }
                if !trusted.isEmpty && trusted.count == own.count {
                    cause.confidence = (cause.confidence * 50).rounded() / 100
                }
            }
            if cause.id == .tokenExpiry {
                for result in own {
                    guard let minutes = result.arcgis?.shortLivedTokenMinutes, minutes > 0 else { continue }
                    let times = Self.events(to: result.host, port: result.port, in: events)
                        .filter { $0.category == .certificate }.compactMap(\.time).sorted()
                    let (matching, returns) = recurrence(times, period: Int64(minutes) * 60_000)
                    if returns >= 2 && matching >= 2 && matching * 2 >= returns {
                        added.append("failures came back every \(minutes) min (\(matching) of \(returns) returns): the "
                                     + "short-lived token lifetime \(result.target) reports at rest/info")
                        cause.confidence = min(confirmedConfidence, ((cause.confidence + 0.1) * 100).rounded() / 100)
                    } else {
                        added.append("\(result.target) issues short-lived tokens for \(minutes) min (rest/info); the "
                                     + "failures do not come back at that interval")
                    }
                }
            }
            if synthesized.contains(cause.findingID) {
                added.append("the logs alone did not rank this cause; the probe of the peer found it")
            }
            for result in own where !result.verdict.isCertificateVerdict {
                added.append("the probe could not check \(result.target) (\(result.verdict.rawValue)): \(result.reason)")
            }
            cause.reasons = added + cause.reasons
            causes[index] = cause
            probesByFinding[cause.findingID] = own
        }

        // Confirmed causes first; the others as the correlation orders them (primary, confidence, id).
        let order = CauseID.allCases
        let ranked = causes.indices.sorted { a, b in
            let (x, y) = (causes[a], causes[b])
            if confirmed.contains(a) != confirmed.contains(b) { return confirmed.contains(a) }
            if confirmed.contains(a) && x.events != y.events && x.confidence == y.confidence { return x.events > y.events }
            if x.isPrimary != y.isPrimary { return x.isPrimary }
            if x.confidence != y.confidence { return x.confidence > y.confidence }
            return order.firstIndex(of: x.id)! < order.firstIndex(of: y.id)!
        }.map { causes[$0] }
        var result = diagnosis
        result.causes = ranked.enumerated().map { index, cause in
            var cause = cause
            cause.rank = index + 1
            return cause
        }
        if diagnosis.arcgisVersion == nil, let version {
            result.arcgisVersion = version
            let unknown = StepSituation.versionCaveat(diagnosis.causes, version: nil)
            result.caveats.removeAll { $0 == unknown }
        }
        return (result, probesByFinding)
    }

    /// A cause the logs did not rank, for the failures to `peers` that `base` causes explain.
    static func synthesize(_ definition: CauseDefinition, peers: Set<String>, from base: [RankedCause], events: [Event],
                           machineProducts: [String: Product], version: SiteVersion? = nil) -> RankedCause? {
        guard !base.isEmpty else { return nil }
        let peerList = base.flatMap(\.peers).filter { peerKey($0).map(peers.contains) ?? false }
        let parsed = peerList.compactMap { ProbeTarget.splitHostPort(Substring($0), defaultPort: 443) }
        let failures = parsed.flatMap { Self.events(to: $0.0, port: $0.1, in: events) }
            .filter { $0.category == .certificate && $0.time != nil }
        let machines = orderedUnique(base.flatMap(\.machines)).sorted()
        let busiest = Dictionary(grouping: failures, by: \.machine).max { a, b in
            a.value.count != b.value.count ? a.value.count < b.value.count : a.key > b.key
        }?.key ?? machines.first ?? ""
        let values = TemplateValues(machine: busiest, peers: peerList.map { peer in
            let parts = ProbeTarget.splitHostPort(Substring(peer), defaultPort: nil)
            return Peer(host: parts?.0 ?? peer.lowercased(), port: parts.map { String($0.1) })
        }, failures: failures, machineProducts: machineProducts)
        let first = failures.compactMap(\.time).min() ?? base.compactMap(\.firstSeen).min()
        let last = failures.compactMap(\.time).max() ?? base.compactMap(\.lastSeen).max()
        let hosts = Set(parsed.map(\.0))
        let situation = StepSituation(calls: base.reduce(into: Set()) { $0.formUnion($1.situation?.calls ?? []) },
                                      failingMachines: machines,
                                      serverMachines: base.first?.situation?.serverMachines ?? [],
                                      portalMachines: base.first?.situation?.portalMachines ?? [], values: values)
        let evidence = base.flatMap(\.evidence).filter { burst in burst.example.field("host").map { hosts.contains($0.lowercased()) } ?? false }
        return RankedCause(
            id: definition.id,
            findingID: stableID([definition.id.rawValue, machines.joined(separator: ","), first.map(String.init) ?? "-"]),
            incidentIDs: orderedUnique(base.flatMap(\.incidentIDs)), rank: 0, confidence: confirmedConfidence, isPrimary: true,
            title: definition.title, summary: values.fill(definition.summary), reasons: [], machines: machines,
            peers: orderedUnique(peerList), events: failures.isEmpty ? base.map(\.events).max() ?? 0 : failures.count,
            firstSeen: first, lastSeen: last,
            evidence: Array((evidence.isEmpty ? base.flatMap(\.evidence) : evidence).prefix(3)),
            steps: situation.render(definition.steps, version: version), references: definition.references,
            situation: situation)
    }

    /// The site's version as the probes' `rest/info` tell it: ArcGIS Server's, or a portal's full version
    /// (a portal's `currentVersion` counts its REST API, not the release).
    static func probedVersion(_ results: [ProbeResult]) -> SiteVersion? {
        for result in results {
            guard let info = result.arcgis, let text = info.version, let version = ArcGISVersion(text) else { continue }
            if info.product == "portal" && text.split(separator: ".").count < 3 { continue }
            return SiteVersion(version: version, source: "rest/info of \(result.target)")
        }
        return nil
    }

    /// How often failures come back at a multiple of `period`: bursts start after 5 min without a failure;
    /// a return matches when the time since the previous burst's start is within a tenth of the period (at
    /// least 2 min) of one to four periods. Returns (matching returns, all returns).
    static func recurrence(_ times: [Int64], period: Int64) -> (Int, Int) {
        guard period > 0 else { return (0, 0) }
        var starts: [Int64] = []
        var previous: Int64?
        for time in times {
            if previous.map({ time - $0 > 5 * 60_000 }) ?? true { starts.append(time) }
            previous = time
        }
        let tolerance = max(period / 10, 2 * 60_000)
        let gaps = zip(starts.dropFirst(), starts).map { $0 - $1 }
        let matching = gaps.filter { gap in (1...4).contains { abs(gap - Int64($0) * period) <= tolerance } }.count
        return (matching, gaps.count)
    }
}
