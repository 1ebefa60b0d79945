public import GISLogRules
public import GISLogRecords
import GISLogInput
import GISLogSupport

/// The sealed ledger rearranged for the questions the diagnosis asks: per machine, its failures by peer,
/// its token errors, its restarts and the records that name a self-signed certificate — all per minute.
struct SiteTimeline {
    /// One minute of a machine's failures calling one peer, over every failure rule.
    struct FailureCell {
        var minute: Int32
        var count: Int
        var first: Int64
        var last: Int64
        /// Failures per evidence class (indexed by `FailureCell.classes`).
        var byClass: [Int]

        static let classes: [Evidence] = Evidence.allCases.filter(\.isFailure)
        static func slot(_ evidence: Evidence) -> Int { classes.firstIndex(of: evidence)! }
    }

    /// A machine stopping and starting (shutdown and startup events close together).
    struct Restart {
        var machine: String
        /// The first event of the restart.
        var first: Int64
        /// When the machine was back: the last startup event (else the last event).
        var back: Int64
        var hasStartup: Bool
        var hasStop: Bool
        var events: Int
        /// A startup record, to quote.
        var example: Event?
    }

    let ledger: EvidenceLedger
    /// Failure cells per machine and peer (-1: no host named), in time order.
    private(set) var failures: [String: [Int32: [FailureCell]]] = [:]
    /// Minutes with token errors per machine, ascending.
    private(set) var tokenMinutes: [String: [Int32]] = [:]
    /// Records naming a self-signed certificate, per machine, in time order.
    private(set) var selfSignedCells: [String: [EvidenceLedger.Cell]] = [:]
    private(set) var selfSignedExamples: [String: [Event]] = [:]
    private(set) var restarts: [String: [Restart]] = [:]
    /// Machines with restarts, by name (what failures naming no host may be calling).
    private(set) var restartingMachines: [String] = []
    /// First and last log time per machine, as far as the logs (and earlier runs) show.
    let spans: [String: MachineSpan]
    /// Products by machine.
    let products: [String: Product]
    private var machinesByName: [String: String] = [:]
    private var machinesByShortName: [String: String] = [:]
    /// `knownMachine(named:)` of every peer host the ledger has, looked up once: the diagnosis asks it
    /// hundreds of times, and each Unicode upper-casing and split cost some 15,000 instructions.
    private var machinesByPeerHost: [String: String?] = [:]

    init(ledger: EvidenceLedger, coverage: Coverage) {
        self.ledger = ledger
        spans = Dictionary(coverage.machines.map { ($0.machine, $0) }, uniquingKeysWith: { first, _ in first })
        var products = ledger.machineProducts
        for file in coverage.files {
            if let machine = file.file.machine, file.file.product != .unknown { products[machine] = file.file.product }
        }
        self.products = products

        var failureCells: [String: [Int32: [Int32: FailureCell]]] = [:]
        var tokens: [String: Set<Int32>] = [:]
        var restartCells: [String: [(cell: EvidenceLedger.Cell, start: Bool, series: EvidenceLedger.Series)]] = [:]
        for series in ledger.series {
            guard let evidence = ledger.rule(of: series).evidence else { continue }
            let machine = ledger.machine(of: series)
            switch evidence {
            case _ where evidence.isFailure:
                let slot = FailureCell.slot(evidence)
                for cell in series.cells {
                    var merged = failureCells[machine, default: [:]][series.key.peer, default: [:]][cell.minute]
                        ?? FailureCell(minute: cell.minute, count: 0, first: cell.first, last: cell.last,
                                       byClass: Array(repeating: 0, count: FailureCell.classes.count))
                    merged.count += Int(cell.count)
                    merged.first = min(merged.first, cell.first)
                    merged.last = max(merged.last, cell.last)
                    merged.byClass[slot] += Int(cell.count)
                    failureCells[machine, default: [:]][series.key.peer, default: [:]][cell.minute] = merged
                }
            case .tokenError:
                tokens[machine, default: []].formUnion(series.cells.map(\.minute))
            case .selfSigned:
                selfSignedCells[machine, default: []] += series.cells
                selfSignedExamples[machine, default: []] += series.samples
            case .machineStart, .machineStop:
                restartCells[machine, default: []] += series.cells.map { ($0, evidence == .machineStart, series) }
            default:
                break
            }
        }
        failures = failureCells.mapValues { byPeer in byPeer.mapValues { $0.values.sorted { $0.minute < $1.minute } } }
        tokenMinutes = tokens.mapValues { $0.sorted() }
        for machine in selfSignedCells.keys {
            selfSignedCells[machine]!.sort { $0.first < $1.first }
            selfSignedExamples[machine]!.sort { $0.time! < $1.time! }
        }
        // A machine at a time, sorted in place and let go once read: a crash-looping site has 100,000
        // restarts, and a sorted copy of every machine's cells held beside them was the run's peak of memory.
        for machine in Array(restartCells.keys) {
            var cells = restartCells.removeValue(forKey: machine)!
            cells.sort { $0.cell.first < $1.cell.first }
            restarts[machine] = Self.restarts(of: machine, cells)
        }
        restartingMachines = restarts.keys.sorted()
        for name in Set(spans.keys).union(products.keys).union(ledger.machines).sorted() {
            machinesByName[name.uppercased()] = name
            let short = Self.firstLabel(name.uppercased())
            if machinesByShortName[short] == nil { machinesByShortName[short] = name }
        }
        for peer in ledger.peers where machinesByPeerHost[peer.host] == nil {
            machinesByPeerHost[peer.host] = lookUpMachine(named: peer.host)
        }
    }

    /// Restart cells closer than 10 minutes are one restart.
    private static func restarts(of machine: String,
                                 _ cells: [(cell: EvidenceLedger.Cell, start: Bool, series: EvidenceLedger.Series)]) -> [Restart] {
        // Where each restart's cells begin, found once: the list is then made at its size (grown by doubling,
        // it held up to twice that).
        var groupStarts: [Int] = []
        var end = Int64.min
        for (index, entry) in cells.enumerated() {
            if groupStarts.isEmpty || entry.cell.first - end > 10 * 60_000 {
                groupStarts.append(index)
                end = entry.cell.last
            } else {
                end = max(end, entry.cell.last)
            }
        }
        var result: [Restart] = []
        result.reserveCapacity(groupStarts.count)
        for (number, start) in groupStarts.enumerated() {
            let group = cells[start..<(number + 1 < groupStarts.count ? groupStarts[number + 1] : cells.count)]
            let starts = group.filter(\.start)
            let back = starts.map(\.cell.last).max() ?? group.map(\.cell.last).max()!
            // The latest sample within a start cell; samples ascend in time, so a bisection finds it.
            let example = starts.lazy.compactMap { entry -> Event? in
                let samples = entry.series.samples
                let after = partitionPoint(samples) { $0.time! > entry.cell.last }
                return after > 0 && samples[after - 1].time! >= entry.cell.first ? samples[after - 1] : nil
            }.last
            result.append(Restart(machine: machine, first: group.first!.cell.first, back: back, hasStartup: !starts.isEmpty,
                                  hasStop: starts.count < group.count, events: group.reduce(0) { $0 + Int($1.cell.count) },
                                  example: example))
        }
        return result
    }

    // MARK: - Questions

    /// The machine in these logs that a host name refers to (full name, or first label), if any.
    func knownMachine(named host: String) -> String? {
        if let known = machinesByPeerHost[host] { return known }
        return lookUpMachine(named: host)
    }

    private func lookUpMachine(named host: String) -> String? {
        let upper = host.uppercased()
        if let exact = machinesByName[upper] { return exact }
        return machinesByShortName[Self.firstLabel(upper)]
    }

    private static func firstLabel(_ name: String) -> String { name.split(separator: ".").first.map(String.init) ?? name }

    /// Portal machines in the logs.
    var portals: [String] { products.filter { $0.value == .portal }.map(\.key).sorted() }

    /// The machine of these logs behind a peer: the one its host name names, else — for a Web Adaptor or
    /// load balancer name — the portal when the failing URLs are the portal's (`/sharing/`, `/portal`,
    /// port 7443) and the site has one portal.
    func peerMachine(_ peer: EvidenceLedger.Peer?, urls: [String]) -> String? {
        guard let peer else { return nil }
        if let known = knownMachine(named: peer.host) { return known }
        let portalLike = peer.port == "7443" || urls.contains { $0.containsBytes("/sharing/") || $0.containsBytes("/portal") }
        if portalLike, portals.count == 1 { return portals[0] }
        return nil
    }

    /// `peerMachine`, and besides: Portal calls its federated Servers, so a Web Adaptor name in the site's own
    /// domain that a portal calls, at a URL that is not the portal's, stands for the site's ArcGIS Server machines.
    func peerMachines(_ peer: EvidenceLedger.Peer?, urls: [String], caller: String) -> [String] {
        if let known = peerMachine(peer, urls: urls) { return [known] }
        guard let peer, products[caller] == .portal, peer.port != "7443" else { return [] }
        // A Web Adaptor may front a Server site of several machines: each of them may be the one called.
        return products.filter { machine, product in
            guard product == .server, machine != caller, let dot = machine.firstIndex(of: ".") else { return false }
            return peer.host.lowercased().hasSuffix(machine[dot...].lowercased())
        }.map(\.key).sorted()
    }

    /// The latest restart of `machine` it was back from by `time`. A machine's restarts are apart by more
    /// than their own length, so both their starts and their backs ascend: a bisection finds it.
    func latestRestart(of machine: String, backBy time: Int64) -> Restart? {
        guard let list = restarts[machine] else { return nil }
        let after = partitionPoint(list) { $0.back > time }
        return after > 0 ? list[after - 1] : nil
    }

    /// The restarts of `machine` that began after `time`, in order (a slice, not a copy).
    func restarts(of machine: String, beganAfter time: Int64) -> ArraySlice<Restart> {
        guard let list = restarts[machine] else { return [] }
        return list[partitionPoint(list) { $0.first > time }...]
    }

    /// Token error minutes of several machines, merged.
    func tokenMinutes(of machines: [String]) -> [Int32] {
        if machines.count == 1 { return tokenMinutes[machines[0]] ?? [] }
        return Array(Set(machines.flatMap { tokenMinutes[$0] ?? [] })).sorted()
    }
}

/// The index of the first element that satisfies `isAtOrPast`, which must hold for a suffix of the array
/// (the array's count when none does): a bisection.
func partitionPoint<T>(_ array: [T], where isAtOrPast: (T) -> Bool) -> Int {
    var low = 0, high = array.count
    while low < high {
        let middle = (low + high) / 2
        if isAtOrPast(array[middle]) { high = middle } else { low = middle + 1 }
    }
    return low
}

/// The index of the first element not below `value` in an ascending array.
func lowerBound<T: Comparable>(_ array: [T], _ value: T) -> Int {
    var low = 0, high = array.count
    while low < high {
        let middle = (low + high) / 2
        if array[middle] < value { low = middle + 1 } else { high = middle }
    }
    return low
}
