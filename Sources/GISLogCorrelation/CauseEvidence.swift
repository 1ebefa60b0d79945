import GISLogRules
import GISLogSupport

/// The evidence each seed cause looks for in one incident, as a score with its reasons.
extension Correlator {
    // MARK: - Restart

    func restartScore(episode: [Event], machine: String, peerMachines: [String], restarts: [RestartEpisode],
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
            return Score(value: 0, reasons: ["\(plural(before.count, "failure")) came before the restart of \(name) too, so it did not cause them"],
                         explained: episode, support: restart.events)
        }
        var factor = 1.0
        var reasons: [String] = []
        let logsBefore = machineSpans[machine]?.first.map { restartStart - $0 } ?? 0
        let inFade = episode.filter { $0.time! <= restart.time + options.fadeWindow }
        reasons.append("\(inFade.count == episode.count ? "all \(episode.count)" : "\(inFade.count) of \(episode.count)") failures within "
                       + "\(DurationText.describe(options.fadeWindow)) after the restart of \(name) at \(clock(restart.time)), "
                       + "the first \(DurationText.describe(first - restart.time)) after it")
        if logsBefore >= 3_600_000 {
            reasons.append("none in the \(DurationText.describe(min(logsBefore, options.lookback))) of logs before it")
        } else {
            factor *= 0.6
            reasons.append("only \(DurationText.describe(max(0, logsBefore))) of logs before the restart, too little to be sure failures were absent")
        }
        if last > restart.time + options.fadeWindow {
            factor *= 0.6
            reasons.append("but failures went on until \(clock(last)), longer than a restart explains")
        }
        let value = 0.9 * Double(inFade.count) / Double(episode.count) * factor
        return Score(value: value, reasons: reasons, explained: episode.filter { $0.machine == machine }, support: restart.events)
    }

    // MARK: - Tokens

    func tokenScore(_ trust: [Event], machine: String, peerMachines: [String], history: [Event]) -> Score {
        let related = Set([machine] + peerMachines)
        let candidates = related.count == 1 ? tokensByMachine[machine] ?? []
            : related.flatMap { tokensByMachine[$0] ?? [] }.inLogOrder()
        var preceded: [Event] = []
        var support: [Event] = []
        var supportKeys = Set<EventKey>()
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
            reasons.append("\(preceded.count) of \(trust.count) failures within \(DurationText.describe(options.tokenWindow)) after \(kinds)")
        }
        if let period = recurrence(history) {
            value = min(1, value + 0.3)
            reasons.append("failures on \(machine) came back every \(DurationText.describe(period)) or so, the lifetime of a token")
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
    func recurrence(_ failures: [Event]) -> Int64? {
        // A burst starts at a failure more than 15 minutes after the latest earlier one.
        var starts: [Int64] = []
        var earlier: Int64?, current: Int64?
        for time in failures.compactMap(\.time).sorted() {
            if time != current { earlier = current; current = time }
            if let last = starts.last, time - last < 15 * 60_000 { continue }
            if let earlier, time - earlier < 15 * 60_000, !starts.isEmpty { continue }
            starts.append(time)
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

    func selfSignedScore(_ trust: [Event], machine: String, peerMachines: [String], mentions: [Event],
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
            reasons.append("\(plural(near.count, "record")) \(near.count == 1 ? "names" : "name") a self-signed certificate "
                           + "(e.g. \(clock(near[0].time)) on \(near[0].machine))")
        }
        if !onArcGISEndpoints.isEmpty {
            value = max(value, 0.5 * Double(onArcGISEndpoints.count) / Double(trust.count))
            let example = onArcGISEndpoints[0]
            let endpoint = [example.field("host"), example.field("port")].compactMap { $0 }.joined(separator: ":")
            reasons.append("\(onArcGISEndpoints.count) of \(trust.count) failing calls went to \(endpoint), an ArcGIS machine or port where "
                           + "the default self-signed certificate lives")
        }
        return Score(value: value, reasons: reasons, explained: value > 0 ? trust : [], support: Array(near.prefix(20)))
    }

    // MARK: - Untrusted CA

    static let unknownCARules: Set<String> = ["wininet-invalid-ca", "pkix-path-building-failed", "pkix-path-validation-failed",
                                              "unable-to-validate-tls-certificate", "failed-to-validate-ssl-certificate"]

    func untrustedScore(_ trust: [Event], machine: String, episode: [Event], others: Double, history: [Event]) -> Score {
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
            reasons.append("Java on \(orderedUnique(pkix.map(\.machine)).joined(separator: ", ")) cannot build a trusted certificate path (PKIX), \(plural(pkix.count, "time"))")
        }
        if let first = history.first?.time, let last = history.last?.time, last - first > options.fadeWindow {
            base += 0.1
            reasons.append("failures on \(machine) persisted for \(DurationText.describe(last - first)), not a passing disturbance")
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

}
