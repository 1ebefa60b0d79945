import GISLogRules
import GISLogSupport

/// Findings besides the causes (restarts, token, federation, publishing and connection trouble), and the
/// notes on what could hide a problem.
extension Correlator {
    // MARK: - Other findings

    func otherFindings(_ events: [Event], restarts: [RestartEpisode]) -> [Finding] {
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
                    title: "\(plural(own.count, nouns[category]!)) on \(machine)",
                    machines: [machine], events: own.count, firstSeen: own.compactMap(\.time).min(), lastSeen: own.compactMap(\.time).max(),
                    evidence: Array(groups.sorted { $0.count > $1.count }.prefix(3))))
            }
        }
        return findings.sorted { ($0.firstSeen ?? .max, $0.category, $0.title) < ($1.firstSeen ?? .max, $1.category, $1.title) }
    }

    // MARK: - Caveats

    func caveats(events: [Event], failures: [Event]) -> [String] {
        var notes: [String] = []
        let peerHosts = orderedUnique(peers(of: failures).map(\.host))
        for host in peerHosts where knownMachine(named: host) == nil {
            notes.append("Failing calls went to \(host), whose logs were not scanned; add them to see its side.")
        }
        notes += clockSkew(events)
        let withoutTime = events.filter { $0.time == nil }.count
        if withoutTime > 0 {
            notes.append("\(plural(withoutTime, "event")) had no readable time and could not be correlated.")
        }
        return notes
    }

    /// Machines whose clocks disagree: the same request id logged on two machines at times further apart
    /// than requests take. Reported, not corrected (times are compared as logged).
    func clockSkew(_ events: [Event]) -> [String] {
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
            notes.append("The clock of \(ahead) seems \(DurationText.describe(abs(median))) ahead of \(behind) "
                         + "(\(values.count) requests logged on both); events are compared as logged.")
        }
        return notes
    }

}
