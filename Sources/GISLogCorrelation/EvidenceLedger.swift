public import GISLogRules
public import GISLogRecords
public import GISLogInput
import GISLogSupport

/// Everything the diagnosis and the reports need from a scan's events, in memory that grows with the time
/// span and the number of distinct keys — never with the number of events.
///
/// Events are kept per series: one (machine, rule, peer) key. A series holds one cell per minute with
/// events (exact count, first and last time), a count of events without a time, and sample events: the
/// first event of each sample window (`sampleWidth`, the burst gap), so the first event of every burst is
/// at hand to show; a series that would keep more than `maxSamples` widens its windows. A storm of a
/// million failures in one month is 43,200 cells and a few thousand samples per series.
///
/// One ledger per scan worker is fed by its rule engine (`EventSink`); the scan merges them, then seals
/// the result, after which it is only read.
// SAFETY: a ledger is filled by one worker thread; the scan joins its workers before merging and sealing,
// and a sealed ledger (and its series) is never written again, so sharing it for reading is safe.
public final class EvidenceLedger: EventSink, @unchecked Sendable {
    /// One minute of one series.
    public struct Cell: Sendable, Hashable {
        public init(minute: Int32, count: Int32, first: Int64, last: Int64) {
            self.minute = minute
            self.count = count
            self.first = first
            self.last = last
        }

        /// Minutes since the epoch.
        public var minute: Int32
        public var count: Int32
        public var first: Int64
        public var last: Int64
    }

    /// A rule as the ledger knows it: events from another gislog's feed may name rules this one lacks.
    public struct RuleInfo: Sendable, Hashable {
        public init(id: String, category: RuleCategory, evidence: Evidence?, client: TLSClient? = nil) {
            self.id = id
            self.category = category
            self.evidence = evidence
            self.client = client
        }

        public var id: String
        public var category: RuleCategory
        public var evidence: Evidence?
        /// The TLS client whose check failed, by the rule's tags: it chooses the steps for the failing side.
        public var client: TLSClient?
    }

    /// The host (lower case) and port a failing call went to.
    public struct Peer: Sendable, Hashable {
        public init(host: String, port: String?) {
            self.host = host
            self.port = port
        }

        public var host: String
        public var port: String?
        public var display: String { port.map { "\(host):\($0)" } ?? host }
    }

    /// A series' identity.
    public struct Key: Sendable, Hashable {
        public var machine: Int32
        public var rule: Int32
        /// -1: the event named no host.
        public var peer: Int32
    }

    /// The events of one key.
    // SAFETY: as the ledger's: written by one thread before sealing, only read after.
    public final class Series: @unchecked Sendable {
        public let key: Key
        /// One per minute, in time order, once sealed (or coalesced). While filling, a minute may have more
        /// than one cell (its events came apart: from two files, say) until `coalesce` sorts them and makes
        /// each minute's one: a dictionary from minute to cell took as much room again as the cells.
        public fileprivate(set) var cells: [Cell] = []
        /// Cells at which the series is coalesced next (twice as many as the last coalescing left).
        private var coalesceAt = 64
        /// Events without a readable time.
        public fileprivate(set) var untimed = 0
        public fileprivate(set) var untimedSample: Event?
        /// The first event of each window, by window number (time / sampleWidth), packed while filling.
        fileprivate var sampleByWindow: [Int64: PackedSample] = [:]
        /// The samples, sorted by time, once sealed.
        public fileprivate(set) var samples: [Event] = []
        /// The series' rule id and machine, which its packed samples leave out.
        private let ruleID: String
        private let machine: String
        fileprivate var sampleWidth: Int64
        /// The cell the last event went to: consecutive events of a series mostly share a minute.
        private var lastMinute: Int32 = .min
        private var lastCell = -1

        init(key: Key, sampleWidth: Int64, ruleID: String, machine: String) {
            self.key = key
            self.sampleWidth = sampleWidth
            self.ruleID = ruleID
            self.machine = machine
        }

        /// Events in the series.
        public var count: Int { cells.reduce(untimed) { $0 + Int($1.count) } }

        @inline(__always)
        fileprivate func add(time: Int64, count: Int32 = 1, last: Int64? = nil) {
            let minute = Int32(clamping: time >= 0 ? time / 60_000 : (time - 59_999) / 60_000)
            let end = last ?? time
            if minute == lastMinute {
                cells[lastCell].count &+= count
                if time < cells[lastCell].first { cells[lastCell].first = time }
                if end > cells[lastCell].last { cells[lastCell].last = end }
                return
            }
            cells.append(Cell(minute: minute, count: count, first: time, last: end))
            lastMinute = minute
            lastCell = cells.count - 1
            if cells.count >= coalesceAt { coalesce() }
        }

        /// Sorts the cells by minute and merges each minute's into one (counts summed, the first and last
        /// times kept), as if every event had gone to its minute's one cell.
        fileprivate func coalesce() {
            // Mostly in order already (a file's events come in time order): `sort` finds the runs.
            cells.sort { $0.minute < $1.minute }
            var kept = 0
            for index in cells.indices {
                let cell = cells[index]
                if kept > 0 && cells[kept - 1].minute == cell.minute {
                    cells[kept - 1].count &+= cell.count
                    cells[kept - 1].first = min(cells[kept - 1].first, cell.first)
                    cells[kept - 1].last = max(cells[kept - 1].last, cell.last)
                } else {
                    cells[kept] = cell
                    kept += 1
                }
            }
            cells.removeSubrange(kept...)
            coalesceAt = max(64, 2 * kept)
            lastMinute = .min
            lastCell = -1
        }

        /// Whether an event at `time` would be the first of its sample window (so worth building).
        @inline(__always)
        fileprivate func wantsSample(at time: Int64) -> Bool {
            guard let kept = sampleByWindow[Self.window(time, sampleWidth)] else { return true }
            return time < kept.time
        }

        fileprivate func keepSample(_ event: Event, maxSamples: Int) {
            guard let time = event.time else {
                if untimedSample == nil { untimedSample = event }
                return
            }
            if let kept = sampleByWindow[Self.window(time, sampleWidth)], kept.time <= time { return }
            keep(PackedSample(event, ruleID: ruleID, machine: machine), maxSamples: maxSamples)
        }

        private func keep(_ sample: PackedSample, maxSamples: Int) {
            let window = Self.window(sample.time, sampleWidth)
            if let kept = sampleByWindow[window], kept.time <= sample.time { return }
            sampleByWindow[window] = sample
            // Too many windows: make them twice as wide, keeping the first event of each.
            while sampleByWindow.count > maxSamples {
                sampleWidth *= 2
                var wider: [Int64: PackedSample] = [:]
                for sample in sampleByWindow.values {
                    let window = Self.window(sample.time, sampleWidth)
                    if let kept = wider[window], kept.time <= sample.time { continue }
                    wider[window] = sample
                }
                sampleByWindow = wider
            }
        }

        @inline(__always)
        static func window(_ time: Int64, _ width: Int64) -> Int64 {
            time >= 0 ? time / width : (time - width + 1) / width
        }

        fileprivate func merge(_ other: Series, maxSamples: Int) {
            cells.append(contentsOf: other.cells)
            coalesce()
            untimed += other.untimed
            if untimedSample == nil { untimedSample = other.untimedSample }
            // Still packed (the two series have the same rule and machine names).
            for sample in other.sampleByWindow.values { keep(sample, maxSamples: maxSamples) }
        }

        fileprivate func seal() {
            coalesce()
            samples = sampleByWindow.values.map { $0.event(ruleID: ruleID, machine: machine) }
                .sorted { ($0.time!, $0.path, $0.line) < ($1.time!, $1.path, $1.line) }
            sampleByWindow = [:]
        }
    }

    public private(set) var rules: [RuleInfo]
    private var ruleIndex: [String: Int32]
    public private(set) var machines: [String] = []
    private var machineIndex: [String: Int32] = [:]
    /// Products by machine, as the files showed them.
    public private(set) var machineProducts: [String: Product] = [:]
    public private(set) var peers: [Peer] = []
    private var peerByHash: [UInt64: Int32] = [:]
    private var seriesByKey: [Key: Series] = [:]
    /// Every series, in key order, once sealed.
    public private(set) var series: [Series] = []
    public private(set) var isSealed = false

    let sampleWidth: Int64
    let maxSamples: Int
    /// Group numbers of `host` and `port` per rule (-1: none).
    private let hostGroups: [Int]
    private let portGroups: [Int]

    /// Request ids seen on several machines, for clock skew: a sample chosen by the id's hash (so every
    /// machine keeps the same requests), bounded.
    public private(set) var requestTimes: [UInt64: [Int32: Int64]] = [:]
    private var requestMask: UInt64 = 0
    static let maxRequests = 20_000

    /// The current machine, cached: consecutive hits mostly come from one machine.
    private var lastMachineName = ""
    private var lastMachine: Int32 = -1

    /// - Parameters:
    ///   - ruleSet: the rules whose hits come in (their indices are the ledger's rule numbers).
    ///   - sampleWidth: the sample window (the burst gap: every burst's first event is kept).
    ///   - maxSamples: sample windows per series before they widen.
    public init(ruleSet: RuleSet, sampleWidth: Int64 = 10 * 60_000, maxSamples: Int = 2048) {
        rules = ruleSet.rules.map { RuleInfo(id: $0.rule.id, category: $0.rule.category, evidence: $0.rule.evidence,
                                             client: StepSituation.client(of: $0.rule)) }
        ruleIndex = Dictionary(rules.enumerated().map { ($1.id, Int32($0)) }, uniquingKeysWith: { first, _ in first })
        self.sampleWidth = max(60_000, sampleWidth)
        self.maxSamples = max(16, maxSamples)
        hostGroups = ruleSet.rules.map { $0.namedGroups.first { $0.name == "host" }?.number ?? -1 }
        portGroups = ruleSet.rules.map { $0.namedGroups.first { $0.name == "port" }?.number ?? -1 }
    }

    // MARK: - Filling (one worker)

    public func accept(_ hit: borrowing RuleHit) {
        let record = hit.record
        let machine = machineNumber(record.machine, product: hit.file.product)
        let peer = peerNumber(host: hit.group(hostGroups[hit.ruleIndex]), port: hit.group(portGroups[hit.ruleIndex]))
        let series = seriesFor(Key(machine: machine, rule: Int32(hit.ruleIndex), peer: peer))
        if let time = record.time {
            series.add(time: time)
            if series.wantsSample(at: time) { series.keepSample(hit.event(), maxSamples: maxSamples) }
            if let request = record.bytes(.requestID), !request.isEmpty { noteRequest(stableBytesHash(request), machine, time) }
        } else {
            series.untimed += 1
            if series.untimedSample == nil { series.untimedSample = hit.event() }
        }
    }

    public func accept(event: Event) {
        let machine = machineNumber(event.machine, product: event.product)
        let rule: Int32
        if let known = ruleIndex[event.ruleID] {
            rule = known
        } else {
            rule = Int32(rules.count)
            rules.append(RuleInfo(id: event.ruleID, category: event.category, evidence: nil))
            ruleIndex[event.ruleID] = rule
        }
        let peer = event.field("host").map { peerNumber(Peer(host: $0.lowercased(), port: event.field("port"))) } ?? -1
        let series = seriesFor(Key(machine: machine, rule: rule, peer: peer))
        if let time = event.time {
            series.add(time: time)
            series.keepSample(event, maxSamples: maxSamples)
            if let request = event.requestID, !request.isEmpty { noteRequest(stableBytesHash(request.utf8), machine, time) }
        } else {
            series.untimed += 1
            if series.untimedSample == nil { series.untimedSample = event }
        }
    }

    @inline(__always)
    private func machineNumber(_ name: String, product: Product) -> Int32 {
        if name == lastMachineName && lastMachine >= 0 { return lastMachine }
        let number: Int32
        if let known = machineIndex[name] {
            number = known
        } else {
            number = Int32(machines.count)
            machines.append(name)
            machineIndex[name] = number
        }
        if product != .unknown && machineProducts[name] == nil { machineProducts[name] = product }
        lastMachineName = name
        lastMachine = number
        return number
    }

    private func peerNumber(host: UnsafeRawBufferPointer?, port: UnsafeRawBufferPointer?) -> Int32 {
        guard let host, !host.isEmpty else { return -1 }
        // Hashed as lower-case bytes, so a peer costs a string only the first time it is seen.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in host {
            hash ^= UInt64(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        if let port {
            hash ^= 0x3A
            hash = hash &* 0x0000_0100_0000_01B3
            for byte in port { hash ^= UInt64(byte); hash = hash &* 0x0000_0100_0000_01B3 }
        }
        if let known = peerByHash[hash] { return known }
        let peer = Peer(host: TextRepair.xmlString(host).lowercased(), port: port.map { TextRepair.string($0) })
        let number = peerNumber(peer)
        peerByHash[hash] = number
        return number
    }

    private func peerNumber(_ peer: Peer) -> Int32 {
        if let index = peers.firstIndex(of: peer) { return Int32(index) }
        peers.append(peer)
        return Int32(peers.count - 1)
    }

    @inline(__always)
    private func seriesFor(_ key: Key) -> Series {
        if let found = seriesByKey[key] { return found }
        let created = Series(key: key, sampleWidth: sampleWidth, ruleID: rules[Int(key.rule)].id,
                             machine: machines[Int(key.machine)])
        seriesByKey[key] = created
        return created
    }

    private func noteRequest(_ hash: UInt64, _ machine: Int32, _ time: Int64) {
        // Every request until the table is full; then only those whose hash has `requestMask`'s bits clear,
        // halving the share each time it fills again. Chosen by hash, so every machine and worker keeps the
        // same requests, and the result does not depend on the order events come in.
        guard hash & requestMask == 0 else { return }
        if var times = requestTimes[hash] {
            times[machine] = min(times[machine] ?? time, time)
            requestTimes[hash] = times
            return
        }
        requestTimes[hash] = [machine: time]
        while requestTimes.count > Self.maxRequests { narrowRequests(to: requestMask << 1 | 1) }
    }

    private func narrowRequests(to mask: UInt64) {
        requestMask = mask
        requestTimes = requestTimes.filter { $0.key & mask == 0 }
    }

    // MARK: - Merging and sealing

    /// Adds another worker's ledger to this one, leaving `other` empty: each of its series is let go once
    /// merged, so that the two ledgers are never held whole twice.
    public func merge(draining other: EvidenceLedger) {
        precondition(!isSealed, "merge into a sealed ledger")
        let machineMap = other.machines.map { machineNumber($0, product: other.machineProducts[$0] ?? .unknown) }
        lastMachine = -1
        let ruleMap: [Int32] = other.rules.map { info in
            if let known = ruleIndex[info.id] { return known }
            rules.append(info)
            ruleIndex[info.id] = Int32(rules.count - 1)
            return Int32(rules.count - 1)
        }
        let peerMap = other.peers.map { peerNumber($0) }
        for otherKey in Array(other.seriesByKey.keys) {
            let series = other.seriesByKey.removeValue(forKey: otherKey)!
            let key = Key(machine: machineMap[Int(series.key.machine)], rule: ruleMap[Int(series.key.rule)],
                          peer: series.key.peer < 0 ? -1 : peerMap[Int(series.key.peer)])
            seriesFor(key).merge(series, maxSamples: maxSamples)
        }
        if other.requestMask > requestMask { narrowRequests(to: other.requestMask) }
        for (hash, times) in other.requestTimes {
            for (machine, time) in times { noteRequest(hash, machineMap[Int(machine)], time) }
        }
    }

    /// Sorts everything for reading; the ledger takes no more events.
    public func seal() {
        guard !isSealed else { return }
        for series in seriesByKey.values { series.seal() }
        series = seriesByKey.values.sorted { a, b in
            (machines[Int(a.key.machine)], rules[Int(a.key.rule)].id, a.key.peer)
                < (machines[Int(b.key.machine)], rules[Int(b.key.rule)].id, b.key.peer)
        }
        isSealed = true
    }

    // MARK: - Reading (sealed)

    public func machine(of series: Series) -> String { machines[Int(series.key.machine)] }
    public func rule(of series: Series) -> RuleInfo { rules[Int(series.key.rule)] }
    public func peer(of series: Series) -> Peer? { series.key.peer < 0 ? nil : peers[Int(series.key.peer)] }

    /// Events in the ledger.
    public var totalEvents: Int { series.reduce(0) { $0 + $1.count } }

    /// Events per rule id.
    public var countsByRule: [String: Int] {
        var counts: [String: Int] = [:]
        for series in series { counts[rule(of: series).id, default: 0] += series.count }
        return counts
    }

    /// Events per rule inside [from, until) (cells by their first time; events without a time only when
    /// the span is open), with the rule's category, for rules with events.
    public func counts(from: Int64?, until: Int64?) -> [(rule: String, category: RuleCategory, count: Int)] {
        var counts: [Int32: Int] = [:]
        for series in seriesByKey.values {
            series.coalesce()  // a minute's events counted by their one cell's first time, as once sealed
            var total = from == nil && until == nil ? series.untimed : 0
            for cell in series.cells where (from.map { cell.first >= $0 } ?? true) && (until.map { cell.first < $0 } ?? true) {
                total += Int(cell.count)
            }
            if total > 0 { counts[series.key.rule, default: 0] += total }
        }
        return counts.map { (rules[Int($0.key)].id, rules[Int($0.key)].category, $0.value) }
    }

    // MARK: - Carrying over to the next run

    /// The series' events at or after `since` (a bounded slice of the ledger), as plain values for a state
    /// file: the context the next incremental run needs (a restart read today explains failures tomorrow).
    public func snapshot(since: Int64) -> [SeriesSnapshot] {
        series.compactMap { one in
            let cells = one.cells.filter { $0.last >= since }
            guard !cells.isEmpty else { return nil }
            let machine = machine(of: one)
            return SeriesSnapshot(machine: machine, product: machineProducts[machine] ?? .unknown, rule: rule(of: one),
                                  peer: peer(of: one), cells: cells, samples: one.samples.filter { $0.time! >= since })
        }
    }

    /// Adds series carried over from an earlier run.
    public func absorb(_ snapshots: [SeriesSnapshot]) {
        precondition(!isSealed, "absorb into a sealed ledger")
        for snapshot in snapshots {
            let machine = machineNumber(snapshot.machine, product: snapshot.product)
            let rule: Int32
            if let known = ruleIndex[snapshot.rule.id] {
                rule = known
            } else {
                rules.append(snapshot.rule)
                rule = Int32(rules.count - 1)
                ruleIndex[snapshot.rule.id] = rule
            }
            let peer = snapshot.peer.map(peerNumber) ?? -1
            let series = seriesFor(Key(machine: machine, rule: rule, peer: peer))
            for cell in snapshot.cells { series.add(time: cell.first, count: cell.count, last: cell.last) }
            series.coalesce()
            for sample in snapshot.samples where sample.time != nil { series.keepSample(sample, maxSamples: maxSamples) }
        }
        lastMachine = -1
    }

    /// Events without a readable time.
    public var untimedEvents: Int { series.reduce(0) { $0 + $1.untimed } }
}

/// FNV-1a over bytes (request ids are sampled by it, the same way on every machine and run).
@inline(__always)
func stableBytesHash<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01B3
    }
    return hash
}

/// One series of a ledger as plain values (for a state file).
public struct SeriesSnapshot: Sendable, Hashable {
    public var machine: String
    public var product: Product
    public var rule: EvidenceLedger.RuleInfo
    public var peer: EvidenceLedger.Peer?
    public var cells: [EvidenceLedger.Cell]
    public var samples: [Event]

    public init(machine: String, product: Product, rule: EvidenceLedger.RuleInfo, peer: EvidenceLedger.Peer?,
                cells: [EvidenceLedger.Cell], samples: [Event]) {
        self.machine = machine
        self.product = product
        self.rule = rule
        self.peer = peer
        self.cells = cells
        self.samples = samples
    }
}
