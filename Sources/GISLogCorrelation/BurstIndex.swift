import GISLogRules

/// Some series' minute cells and samples, grouped per rule and machine and sorted once, so that the bursts
/// of many windows (every restart of a machine, every episode of a cause) cost a bisection each instead of
/// a sort of all of them: a site restarting thousands of times stays linear.
struct BurstIndex {
    struct Group {
        let ruleID: String
        let category: RuleCategory
        let machine: String
        /// In order of their first event; a cell lies within one minute.
        let cells: [EvidenceLedger.Cell]
        /// In time order.
        let samples: [Event]
        let untimed: Int
        let untimedSample: Event?
    }

    /// In the order of their rule id and machine.
    let groups: [Group]

    init(_ series: [EvidenceLedger.Series], ledger: EvidenceLedger) {
        var byKey: [String: [EvidenceLedger.Series]] = [:]
        for one in series { byKey["\(ledger.rule(of: one).id)\u{1F}\(ledger.machine(of: one))", default: []].append(one) }
        groups = byKey.keys.sorted().map { key in
            let members = byKey[key]!
            let rule = ledger.rule(of: members[0])
            return Group(ruleID: rule.id, category: rule.category, machine: ledger.machine(of: members[0]),
                         cells: members.flatMap(\.cells).sorted { $0.first < $1.first },
                         samples: members.flatMap(\.samples).sorted { $0.time! < $1.time! },
                         untimed: members.reduce(0) { $0 + $1.untimed },
                         untimedSample: members.lazy.compactMap(\.untimedSample).first)
        }
    }

    /// Runs of events of one rule on one machine with no gap longer than `gap`, among the cells touching
    /// [from, to]: exact counts and times from the cells, the example the first sample within the run (else
    /// the sample nearest its start). Untimed events make a burst of their own when the window is unbounded.
    func bursts(from: Int64, to: Int64, gap: Int64) -> [Burst] {
        var result: [Burst] = []
        for group in groups {
            let samples = group.samples
            var current: Burst?
            func close() {
                guard var burst = current else { return }
                current = nil
                guard let example = Self.example(in: samples, from: burst.first!, to: burst.last!) else { return }
                burst.example = example
                result.append(burst)
            }
            // A cell's last event is less than a minute after its first: the cells touching the window start
            // after from - 1 min.
            // Without a sample a run has no example to show and is left out.
            let lowest = from == .min ? .min : from - 60_000
            var index = samples.isEmpty ? group.cells.count : partitionPoint(group.cells) { $0.first > lowest }
            while index < group.cells.count, group.cells[index].first <= to {
                let cell = group.cells[index]
                index += 1
                guard cell.last >= from else { continue }
                if let open = current, let last = open.last, cell.first - last <= gap {
                    current!.count += Int(cell.count)
                    current!.last = max(last, cell.last)
                    continue
                }
                close()
                current = Burst(ruleID: group.ruleID, category: group.category, machine: group.machine,
                                count: Int(cell.count), first: cell.first, last: cell.last, example: samples[0])
            }
            close()
            if group.untimed > 0, from == .min, let example = group.untimedSample {
                result.append(Burst(ruleID: group.ruleID, category: group.category, machine: group.machine,
                                    count: group.untimed, first: nil, last: nil, example: example))
            }
        }
        return result.sorted { ($0.first ?? .max, $0.ruleID, $0.machine) < ($1.first ?? .max, $1.ruleID, $1.machine) }
    }

    /// The first sample within [start, end], else the one nearest `start` (the earlier on a tie).
    private static func example(in samples: [Event], from start: Int64, to end: Int64) -> Event? {
        guard !samples.isEmpty else { return nil }
        let after = partitionPoint(samples) { $0.time! >= start }
        if after < samples.count, samples[after].time! <= end { return samples[after] }
        guard after > 0 else { return samples[after] }
        let beforeTime = samples[after - 1].time!
        // The first of the samples sharing that time, as a scan from the start would find.
        let before = samples[partitionPoint(samples) { $0.time! >= beforeTime }]
        guard after < samples.count else { return before }
        return start - beforeTime <= samples[after].time! - start ? before : samples[after]
    }
}
