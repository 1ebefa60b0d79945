import GISLogRules
import GISLogSupport

/// Findings besides the causes (restarts, token, federation, publishing and connection trouble), and the
/// notes on what could hide a problem.
extension Correlator {
    // MARK: - Other findings

    /// Restarts per machine listed one by one in a report; earlier ones are summed in one finding.
    static let listedRestarts = 20

    func otherFindings(_ timeline: SiteTimeline) -> [Finding] {
        let ledger = timeline.ledger
        var findings: [Finding] = []
        for machine in timeline.restartingMachines {
            // A machine may restart thousands of times: its series are sorted once, each restart bisects them.
            let index = BurstIndex(ledger.series.filter { series in
                ledger.machine(of: series) == machine && [.machineStart, .machineStop].contains(ledger.rule(of: series).evidence)
            }, ledger: ledger)
            let reported = timeline.restarts[machine]!.filter { inReportedSpan($0.first, $0.back, of: machine) }
            // A machine in a crash loop restarts thousands of times: the latest are listed one by one, the
            // earlier ones summed in one finding, so the report stays readable and its size bounded.
            let listed = reported.suffix(Self.listedRestarts)
            let earlier = reported.dropLast(listed.count)
            if let first = earlier.first, let last = earlier.last {
                let full = earlier.allSatisfy { $0.hasStop && $0.hasStartup }
                let what = full ? plural(earlier.count, "earlier restart") : "\(earlier.count) earlier starts and stops"
                findings.append(Finding(
                    findingID: stableID(["restarts", machine, String(first.first)]), category: .restart,
                    title: "\(what) of \(machine)", machines: [machine],
                    events: earlier.reduce(0) { $0 + $1.events }, firstSeen: first.first, lastSeen: last.back,
                    evidence: Array(index.bursts(from: first.first, to: first.back, gap: options.burstGap).prefix(2))
                        + Array(index.bursts(from: last.first, to: last.back, gap: options.burstGap).prefix(2))))
            }
            for restart in listed {
                let title = "\(machine) " + (restart.hasStop && restart.hasStartup ? "restarted" : restart.hasStartup ? "started" : "stopped")
                findings.append(Finding(
                    findingID: stableID(["restart", machine, String(restart.first)]), category: .restart,
                    title: title, machines: [machine], events: restart.events, firstSeen: restart.first,
                    lastSeen: restart.back,
                    evidence: Array(index.bursts(from: restart.first, to: restart.back, gap: options.burstGap).prefix(4))))
            }
        }
        let nouns: [RuleCategory: String] = [
            .token: "token error", .federation: "federation failure", .publishing: "publishing failure",
            .connectivity: "connection failure",
        ]
        let to = (options.reportUntil ?? .max) - 1
        for category in [RuleCategory.token, .federation, .publishing, .connectivity] {
            let selected = ledger.series.filter { ledger.rule(of: $0).category == category }
            for machine in Set(selected.map { ledger.machine(of: $0) }).sorted() {
                let own = selected.filter { ledger.machine(of: $0) == machine }
                let groups = bursts(of: own, from: options.reportedFrom(machine), to: to, ledger: ledger)
                let count = groups.reduce(0) { $0 + $1.count }
                guard count > 0 else { continue }
                let firstSeen = groups.compactMap(\.first).min()
                findings.append(Finding(
                    findingID: stableID([category.rawValue, machine, firstSeen.map(String.init) ?? "-"]), category: category,
                    title: "\(plural(count, nouns[category]!)) on \(machine)",
                    machines: [machine], events: count, firstSeen: firstSeen, lastSeen: groups.compactMap(\.last).max(),
                    evidence: Array(groups.sorted { $0.count > $1.count }.prefix(3))))
            }
        }
        return findings.sorted { ($0.firstSeen ?? .max, $0.category, $0.title) < ($1.firstSeen ?? .max, $1.category, $1.title) }
    }

    private func inReportedSpan(_ first: Int64, _ last: Int64, of machine: String) -> Bool {
        if last < options.reportedFrom(machine) { return false }
        if let until = options.reportUntil, first >= until { return false }
        return true
    }

    // MARK: - Caveats

    func caveats(_ timeline: SiteTimeline, incidents: [Incident]) -> [String] {
        var notes: [String] = []
        var hosts: [String] = []
        for host in incidents.compactMap(\.peer?.host) where !hosts.contains(host) { hosts.append(host) }
        for host in hosts where timeline.knownMachine(named: host) == nil {
            notes.append("Failing calls went to \(host), whose logs were not scanned; add them to see its side.")
        }
        notes += clockSkew(timeline.ledger)
        let withoutTime = timeline.ledger.untimedEvents
        if withoutTime > 0 {
            notes.append("\(plural(withoutTime, "event")) had no readable time and could not be correlated.")
        }
        return notes
    }

    /// Machines whose clocks disagree: the same request id logged on two machines at times further apart
    /// than requests take (from a sample of request ids). Reported, not corrected.
    func clockSkew(_ ledger: EvidenceLedger) -> [String] {
        var differences: [String: [Int64]] = [:]
        for times in ledger.requestTimes.values where times.count > 1 {
            let named = times.map { (ledger.machines[Int($0.key)], $0.value) }.sorted { $0.0 < $1.0 }
            for (index, first) in named.enumerated() {
                for second in named[(index + 1)...] {
                    differences["\(first.0)\u{1F}\(second.0)", default: []].append(second.1 - first.1)
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
