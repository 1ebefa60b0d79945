internal import Glibc
import GISLogReports
public import GISLogCorrelation
public import GISLogRules
public import GISLogRecords
import GISLogInput
public import GISLogSupport

/// Where an incremental run stopped in one file, identified by its content rather than its name: the
/// hash of its first bytes, the offset read, and a hash of the bytes just before that offset.
///
/// A big site's state holds 100,000 of these, and a run holds the last run's and its own: the small
/// numbers are stored narrow (the public properties read and write them as `Int`).
public struct FileCheckpoint: Sendable, Hashable {
    public var path: String
    /// `stableHash` of the head, as its number (16 hex digits in the state file).
    public var headHash: UInt64
    /// Decoded bytes read: everything up to the end of the last complete record.
    public var offset: Int64
    /// The line the byte at `offset` is on.
    public var line: Int
    /// Hash of the (up to) 64 bytes before `offset`: proves the file still holds what was read.
    public var markerHash: UInt64
    /// Size on disk when last read, and whether the file was gzip, to skip unchanged archives quickly.
    public var storedSize: Int64
    /// When a run last saw the file (milliseconds since the epoch), to forget files that are long gone.
    public var seen: Int64
    private var stampDevice: UInt64 = 0
    private var stampInode: UInt64 = 0
    private var stampModified: Int64 = 0
    private var storedHeadLength: UInt16
    private var storedMarkerLength: UInt8
    private var hasStamp = false
    public var gzip: Bool
    /// Whether `offset` is inside a record that was cut off and read as it is (see `ScanOptions.settleMillis`):
    /// if the file grows, the rest of that record is skipped rather than read as stray text.
    public var insideRecord = false

    public init(path: String, headLength: Int, headHash: UInt64, offset: Int64, line: Int, markerHash: UInt64,
                markerLength: Int, storedSize: Int64, gzip: Bool, seen: Int64, insideRecord: Bool = false) {
        precondition((0...Self.headLimit).contains(headLength) && (0...Self.markerLimit).contains(markerLength),
                     "a head or marker longer than the checkpoint keeps")
        self.path = path
        self.headHash = headHash
        self.offset = offset
        self.line = line
        self.markerHash = markerHash
        self.storedSize = storedSize
        self.seen = seen
        storedHeadLength = UInt16(headLength)
        storedMarkerLength = UInt8(markerLength)
        self.gzip = gzip
        self.insideRecord = insideRecord
    }

    /// How many leading decoded bytes `headHash` covers (up to 4 KiB; fewer for a smaller file).
    public var headLength: Int {
        get { Int(storedHeadLength) }
        set { storedHeadLength = UInt16(newValue) }
    }

    /// How many bytes `markerHash` covers (up to 64).
    public var markerLength: Int {
        get { Int(storedMarkerLength) }
        set { storedMarkerLength = UInt8(newValue) }
    }

    /// For a plain UTF-8 log read to its last byte: what `stat` said of it then. While the file at `path`
    /// still says the same, it holds nothing new and is not opened (a nightly run over a big site of
    /// 100,000 logs then costs a `stat` per file, not an open, three reads and a hash of each head).
    public var stamp: FileStamp? {
        get {
            hasStamp ? FileStamp(device: stampDevice, inode: stampInode, size: storedSize, modified: stampModified) : nil
        }
        set {
            hasStamp = newValue != nil
            stampDevice = newValue?.device ?? 0
            stampInode = newValue?.inode ?? 0
            stampModified = newValue?.modified ?? 0
            if let size = newValue?.size { storedSize = size }
        }
    }

    static let headLimit = 4096
    static let markerLimit = 64
}

/// What `stat` says of a file that tells whether it changed: an append changes its size and modification
/// time, a replacement its inode. (As with `make` and `rsync`, a rewrite of the same size that also puts the
/// modification time back, to the nanosecond, is not seen.)
public struct FileStamp: Sendable, Hashable {
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    /// Modification time, nanoseconds since the epoch.
    public var modified: Int64

    public init(device: UInt64, inode: UInt64, size: Int64, modified: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modified = modified
    }
}

/// What incremental runs (`--state FILE`) carry from one run to the next: the files read and how far,
/// the recent events correlation still needs, the ids of findings already reported, and each machine's
/// first log time. Bounded in size.
public struct ScanState: Sendable {
    /// 2: the context is the ledger's recent series (`series`); 1 kept recent events (`context`), still read.
    public static let version = 2
    /// Files not seen for this long are forgotten.
    public static let forgetAfter: Int64 = 30 * 86_400_000
    /// Every file of a big site (100,000 logs on 20 machines, a few hundred bytes each in the state): a file
    /// forgotten would be read again, and its events reported again, on every run.
    public static let maxFiles = 250_000
    public static let maxReported = 10_000

    public var files: [FileCheckpoint] = []
    /// Recent events, from a state of format 1 (read, never written again).
    public var context: [Event] = []
    /// The recent series of the ledger: the context correlation needs next time (bounded by time and keys).
    public var series: [SeriesSnapshot] = []
    public var reported: [String] = []
    public var machineFirstSeen: [String: Int64] = [:]
    /// Each machine's last log time read so far: whether failures stopped while a machine kept logging
    /// depends on it when a run reads nothing new from that machine.
    public var machineLastSeen: [String: Int64] = [:]

    public init() {}

    /// Why a state file could not be used; each says what to do.
    public enum LoadError: Error, Sendable, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        /// Not JSON, or a part of it is malformed.
        case corrupt(path: String, what: String)
        /// JSON, but not a gislog state file.
        case notAState(path: String)
        case newer(path: String, version: Int)

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): "cannot read the state file \(path): \(reason)"
            case .corrupt(let path, let what):
                "the state file \(path) is corrupt (\(what)); run with --reset-state to start over (every log will be read again)"
            case .notAState(let path):
                "\(path) is not a gislog state file (no gislog_state version); pass another --state path, or --reset-state to overwrite it"
            case .newer(let path, let version):
                "the state file \(path) was written by a newer gislog (format \(version), this one reads \(ScanState.version)); "
                    + "use that gislog, or --reset-state to start over"
            }
        }
    }

    // MARK: - Reading

    private static func checkpoint(from item: JSONValue) -> FileCheckpoint? {
        guard let path = item["path"]?.string, let headLength = item["head_length"]?.int,
              let headHash = item["head_hash"]?.string.flatMap({ UInt64($0, radix: 16) }), let offset = item["offset"]?.int64,
              let line = item["line"]?.int, let markerHash = item["marker_hash"]?.string.flatMap({ UInt64($0, radix: 16) }),
              let markerLength = item["marker_length"]?.int, let storedSize = item["stored_size"]?.int64,
              let gzip = item["gzip"]?.bool, let seen = item["seen"]?.int64
        else { return nil }
        var checkpoint = FileCheckpoint(path: path, headLength: headLength, headHash: headHash, offset: offset, line: line,
                                        markerHash: markerHash, markerLength: markerLength, storedSize: storedSize,
                                        gzip: gzip, seen: seen, insideRecord: item["inside_record"]?.bool ?? false)
        // Optional (states written before 2026-12-02 have none): without it the file is opened and checked.
        if let text = item["stamp"]?.string {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 3, let device = UInt64(parts[0]), let inode = UInt64(parts[1]),
                  let modified = Int64(parts[2]) else { return nil }
            checkpoint.stamp = FileStamp(device: device, inode: inode, size: storedSize, modified: modified)
        }
        return checkpoint
    }

    /// Reads a state file; a missing file is a first run (an empty state).
    /// - Parameter found: the paths this run found: each remembered file of one of these paths shares its
    ///   string as it is read (see `sharePaths(with:)`), so that the state's own copies never pile up.
    /// - Throws: `LoadError` for a corrupt file or one written by a newer gislog.
    public static func load(path: String, sharingPathsWith found: [String] = []) throws(LoadError) -> ScanState {
        let source: FileSource
        do {
            source = try FileSource(path: path)
        } catch {
            if error.code == ENOENT { return ScanState() }  // a first run
            throw .unreadable(path: path, reason: error.reason)
        }
        // Read a megabyte at a time as the parser asks, and the files handed over one by one as it meets
        // them: a big site's state (35 MB, 100,000 files) is never held whole, as text or as a tree.
        var readError: InputError?
        let readMore: (inout [UInt8]) -> Bool = { bytes in
            guard readError == nil else { return false }
            let piece = 1 << 20, start = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: piece))
            var outcome: Result<Int, InputError> = .success(0)
            bytes.withUnsafeMutableBytes { raw in
                let tail = UnsafeMutableRawBufferPointer(rebasing: raw[start...])
                outcome = Result { () throws(InputError) in try source.read(into: tail) }
            }
            let count: Int
            switch outcome {
            case .success(let read): count = read
            case .failure(let error): readError = error; count = 0
            }
            bytes.removeLast(piece - count)
            return count > 0
        }
        // A table sized for the files from the state's size (about 350 bytes an entry): grown by doubling,
        // it briefly took one and a half times its size.
        var files: [FileCheckpoint] = []
        files.reserveCapacity(Int(min(Int64(Self.maxFiles), (source.size ?? 0) / 300)))
        let sharer = PathSharer(found)
        var malformedFile = false
        let root: JSONValue
        do {
            root = try JSONValue.parse(reading: readMore, streaming: "files") { item in
                guard var file = Self.checkpoint(from: item) else { malformedFile = true; return }
                sharer.share(&file.path)
                files.append(file)
            }
        } catch {
            if let readError { throw .unreadable(path: path, reason: readError.reason) }
            throw .corrupt(path: path, what: "\(error)")
        }
        if let readError { throw .unreadable(path: path, reason: readError.reason) }
        guard let version = root["gislog_state"]?.int else {
            throw .notAState(path: path)
        }
        guard version <= Self.version else {
            throw .newer(path: path, version: version)
        }
        var state = ScanState()
        func corrupt(_ what: String) -> LoadError { .corrupt(path: path, what: what) }
        if malformedFile { throw corrupt("a file entry lacks a field") }
        state.files = files
        for item in root["context"]?.array ?? [] {
            guard let event = Self.event(from: item) else { throw corrupt("a context event is malformed") }
            state.context.append(event)
        }
        for item in root["series"]?.array ?? [] {
            guard let snapshot = Self.snapshot(from: item) else { throw corrupt("a context series is malformed") }
            state.series.append(snapshot)
        }
        state.reported = (root["reported"]?.array ?? []).compactMap(\.string)
        if case .object(let pairs)? = root["machines"] {
            for (name, value) in pairs { if let first = value.int64 { state.machineFirstSeen[name] = first } }
        }
        if case .object(let pairs)? = root["machines_last"] {
            for (name, value) in pairs { if let last = value.int64 { state.machineLastSeen[name] = last } }
        }
        return state
    }

    // MARK: - Writing

    /// The state as JSON (one object; keys documented in the README).
    public func json(now: Int64) -> String {
        var text = ""
        render(now: now) { text += $0 }
        return text
    }

    /// The state as JSON in pieces of about 64 KiB, in order: a big site's state lists 100,000 files, and
    /// whole it would be held twice (the text and its bytes) at the end of the run.
    public func render(now: Int64, chunks emit: (String) -> Void) {
        var json = JSONWriter()
        json.beginObject()
        json.field("gislog_state", Self.version)
        json.field("updated", LogTime.rfc3339(utcMillis: now, offsetSeconds: 0))
        json.key("files")
        json.beginArray()
        for file in files {
            json.beginObject()
            json.field("path", file.path)
            json.field("head_length", file.headLength)
            json.field("head_hash", stableHashText(file.headHash))
            json.field("offset", file.offset)
            json.field("line", file.line)
            json.field("marker_hash", stableHashText(file.markerHash))
            json.field("marker_length", file.markerLength)
            json.field("stored_size", file.storedSize)
            json.field("gzip", file.gzip)
            json.field("seen", file.seen)
            // Written only when set, so that older gislogs read the file as before.
            if file.insideRecord { json.field("inside_record", true) }
            // One string: JSON numbers do not hold a nanosecond time (or any 64-bit inode) exactly.
            if let stamp = file.stamp { json.field("stamp", "\(stamp.device):\(stamp.inode):\(stamp.modified)") }
            json.endObject()
            if json.output.utf8.count >= 64 << 10 { emit(json.takeOutput()) }
        }
        json.endArray()
        json.key("series")
        json.beginArray()
        for snapshot in series { Self.write(snapshot, into: &json) }
        json.endArray()
        json.key("reported"); json.beginArray(); reported.forEach { json.value($0) }; json.endArray()
        json.key("machines")
        json.beginObject()
        for (name, first) in machineFirstSeen.sorted(by: { $0.key < $1.key }) { json.field(name, first) }
        json.endObject()
        json.key("machines_last")
        json.beginObject()
        for (name, last) in machineLastSeen.sorted(by: { $0.key < $1.key }) { json.field(name, last) }
        json.endObject()
        json.endObject()
        emit(json.takeOutput() + "\n")
    }

    /// Writes the state atomically: readers (and a run killed half-way) see the old state or the new one.
    public func save(path: String, now: Int64) throws(AtomicFile.WriteError) {
        let file = try StreamingAtomicFile(target: path)
        var failure: AtomicFile.WriteError?
        render(now: now) { chunk in
            guard failure == nil else { return }
            do throws(AtomicFile.WriteError) { try file.append(chunk) } catch { failure = error }
        }
        if let failure { throw failure }
        try file.commit(appending: "")
    }

    // MARK: - Series and events

    static func write(_ snapshot: SeriesSnapshot, into json: inout JSONWriter) {
        json.beginObject()
        json.field("machine", snapshot.machine)
        json.field("product", snapshot.product.rawValue)
        json.field("rule", snapshot.rule.id)
        json.field("category", snapshot.rule.category.rawValue)
        if let evidence = snapshot.rule.evidence { json.field("evidence", evidence.rawValue) }
        if let client = snapshot.rule.client { json.field("client", client.rawValue) }
        if let peer = snapshot.peer {
            json.field("host", peer.host)
            if let port = peer.port { json.field("port", port) }
        }
        // [minute, count, first, last] per cell: compact, since a storm keeps many.
        json.key("cells")
        json.beginArray()
        for cell in snapshot.cells {
            json.beginArray()
            json.value(Int(cell.minute)); json.value(Int(cell.count)); json.value(cell.first); json.value(cell.last)
            json.endArray()
        }
        json.endArray()
        json.key("samples")
        json.beginArray()
        for event in snapshot.samples { write(event, into: &json) }
        json.endArray()
        json.endObject()
    }

    static func snapshot(from value: JSONValue) -> SeriesSnapshot? {
        guard let machine = value["machine"]?.string, let rule = value["rule"]?.string,
              let category = value["category"]?.string.flatMap(RuleCategory.init) else { return nil }
        var cells: [EvidenceLedger.Cell] = []
        for item in value["cells"]?.array ?? [] {
            guard let parts = item.array, parts.count == 4, let minute = parts[0].int, let count = parts[1].int,
                  let first = parts[2].int64, let last = parts[3].int64, count > 0, first <= last,
                  let minute32 = Int32(exactly: minute), let count32 = Int32(exactly: count) else { return nil }
            cells.append(EvidenceLedger.Cell(minute: minute32, count: count32, first: first, last: last))
        }
        var samples: [Event] = []
        for item in value["samples"]?.array ?? [] {
            guard let event = event(from: item), event.time != nil else { return nil }
            samples.append(event)
        }
        let peer = value["host"]?.string.map { EvidenceLedger.Peer(host: $0, port: value["port"]?.string) }
        return SeriesSnapshot(machine: machine, product: value["product"]?.string.flatMap(Product.init) ?? .unknown,
                              rule: EvidenceLedger.RuleInfo(id: rule, category: category,
                                                            evidence: value["evidence"]?.string.flatMap(Evidence.init),
                                                            client: value["client"]?.string.flatMap(TLSClient.init)),
                              peer: peer, cells: cells, samples: samples)
    }

    static func write(_ event: Event, into json: inout JSONWriter) {
        json.beginObject()
        json.field("rule", event.ruleID)
        json.field("category", event.category.rawValue)
        json.field("severity", event.severity.rawValue)
        if let time = event.time { json.field("time", time) }
        json.field("machine", event.machine)
        json.field("product", event.product.rawValue)
        json.field("component", event.component.rawValue)
        json.field("path", event.path)
        json.field("line", event.line)
        json.field("offset", event.byteOffset)
        json.field("level", event.level.name)
        if let code = event.code { json.field("code", code) }
        // Every attribute an event has, so that one carried over reads as it did (request ids find clock skew).
        for (key, value) in [("source", event.source), ("process", event.process), ("thread", event.thread),
                             ("user", event.user), ("request_id", event.requestID), ("method", event.methodName)] {
            if let value { json.field(key, value) }
        }
        json.field("message", Format.clip(event.message, 2000))
        json.key("fields")
        json.beginObject()
        for field in event.fields { json.field(field.name, field.value) }
        json.endObject()
        json.endObject()
    }

    static func event(from value: JSONValue) -> Event? {
        guard let rule = value["rule"]?.string, let category = value["category"]?.string.flatMap(RuleCategory.init),
              let severity = value["severity"]?.string.flatMap(RuleSeverity.init), let machine = value["machine"]?.string,
              let path = value["path"]?.string, let line = value["line"]?.int, let message = value["message"]?.string
        else { return nil }
        var fields: [EventField] = []
        if case .object(let pairs)? = value["fields"] {
            for (name, field) in pairs { if let text = field.string { fields.append(EventField(name: name, value: text)) } }
        }
        return Event(
            ruleID: rule, category: category, severity: severity, time: value["time"]?.int64, machine: machine,
            product: value["product"]?.string.flatMap(Product.init) ?? .unknown,
            component: value["component"]?.string.flatMap(Component.init) ?? .unknown, path: path, line: line,
            byteOffset: value["offset"]?.int64 ?? 0, level: Level(name: value["level"]?.string ?? ""),
            code: value["code"]?.int, source: value["source"]?.string, process: value["process"]?.string,
            thread: value["thread"]?.string, user: value["user"]?.string, requestID: value["request_id"]?.string,
            methodName: value["method"]?.string,
            message: message, fields: fields, original: nil)
    }
}

/// Hands out the found copy of a path, so that one string serves every table that names the file.
private struct PathSharer {
    let found: [String]
    let byPath: [String: Int32]

    init(_ found: [String]) {
        self.found = found
        var byPath: [String: Int32] = [:]
        byPath.reserveCapacity(found.count)
        for (index, path) in found.enumerated() { byPath[path] = Int32(index) }
        self.byPath = byPath
    }

    func share(_ path: inout String) {
        if let match = byPath[path] { path = found[Int(match)] }
    }
}

extension ScanState {
    /// Lets each remembered file share its path string with the file of the same path this run found: a big
    /// site's state holds 100,000 paths, which would otherwise be kept twice (about 17 MB).
    public mutating func sharePaths(with found: [String]) {
        let sharer = PathSharer(found)
        for index in files.indices { sharer.share(&files[index].path) }
    }

    /// The state after a run: this run's checkpoints (replacing those of the same content), the recent events
    /// correlation will need next time, the findings reported so far, and each machine's first log time.
    public func advanced(checkpoints: [FileCheckpoint], ledger: EvidenceLedger, coverage: Coverage,
                         reported ids: [String], now: Int64, keep window: Int64) -> ScanState {
        advanced(run: RunCheckpoints(checkpoints), ledger: ledger, coverage: coverage, reported: ids, now: now,
                 keep: window)
    }

    /// The state after a run, from where the run left each file (see `advanced(checkpoints:…)`). Consumes
    /// the state: its table of files becomes the next one, changed in place (a big site's is 10 MB, and
    /// each copy of it was part of a nightly run's peak of memory).
    public consuming func advanced(run: consuming RunCheckpoints, ledger: EvidenceLedger, coverage: Coverage,
                                   reported ids: [String], now: Int64, keep window: Int64) -> ScanState {
        var next = ScanState()
        var table = files
        files = []
        Self.merge(run, into: &table, now: now)
        next.files = table

        // The ledger already holds this state's context (absorbed before correlating) and the new events.
        if let newest = ledger.series.compactMap({ $0.cells.last?.last }).max() {
            next.series = ledger.snapshot(since: newest - window)
        }

        var seen = Set<String>()
        next.reported = Array((reported + ids).reversed().filter { seen.insert($0).inserted }.prefix(Self.maxReported).reversed())

        next.machineFirstSeen = machineFirstSeen
        next.machineLastSeen = machineLastSeen
        for span in coverage.machines {
            if let first = span.first { next.machineFirstSeen[span.machine] = min(first, machineFirstSeen[span.machine] ?? first) }
            if let last = span.last { next.machineLastSeen[span.machine] = max(last, machineLastSeen[span.machine] ?? last) }
        }
        return next
    }

    /// The last run's table (in place) with this run's checkpoints: the carried ones seen now, the fresh ones
    /// added, an old one kept only if no checkpoint of this run has its content or its path and a run saw
    /// it lately; at most `limit` (the longest unseen dropped), sorted by path.
    static func merge(_ run: consuming RunCheckpoints, into table: inout [FileCheckpoint], now: Int64,
                      limit: Int = maxFiles) {
        // For each old checkpoint that this run carried: the file's place in the scan.
        var carriedAt = [Int32](repeating: -1, count: table.count)
        for (file, slot) in run.slots.enumerated() where slot >= 0 { carriedAt[Int(slot)] = Int32(file) }
        func recent(_ old: FileCheckpoint) -> Bool { now - old.seen <= forgetAfter }
        // Which heads and paths of the old checkpoints left to decide (usually few) this run's have.
        var candidateHeads = Set<HeadKey>(), candidatePaths = Set<String>()
        for index in table.indices where carriedAt[index] < 0 && recent(table[index]) {
            candidateHeads.insert(HeadKey(table[index]))
            candidatePaths.insert(table[index].path)
        }
        var claimedHeads = Set<HeadKey>(), claimedPaths = Set<String>()
        if !candidatePaths.isEmpty {
            func claim(_ checkpoint: FileCheckpoint) {
                let key = HeadKey(checkpoint)
                if candidateHeads.contains(key) { claimedHeads.insert(key) }
                if candidatePaths.contains(checkpoint.path) { claimedPaths.insert(checkpoint.path) }
            }
            for index in table.indices where carriedAt[index] >= 0 { claim(table[index]) }
            for checkpoint in run.fresh { claim(checkpoint) }
        }
        candidateHeads = []
        candidatePaths = []
        // Each entry's rank: this run's in the scan's order, then the old ones kept in the table's order.
        // Among files seen at once, the order in which a table over `maxFiles` keeps them.
        let files = Int32(run.slots.count)
        var ranks: [Int32] = []
        ranks.reserveCapacity(table.count + run.fresh.count)
        var kept = 0
        for index in table.indices {
            if carriedAt[index] >= 0 {
                table[index].seen = now
                ranks.append(carriedAt[index])
            } else if recent(table[index]) && !claimedHeads.contains(HeadKey(table[index]))
                        && !claimedPaths.contains(table[index].path) {
                ranks.append(files + Int32(index))
            } else {
                continue
            }
            table.swapAt(kept, index)  // moved, not copied
            kept += 1
        }
        table.removeSubrange(kept...)
        carriedAt = []
        if table.isEmpty {
            // A first run (or one that kept nothing): this run's table is the next one, moved.
            ranks = [Int32](repeating: 0, count: run.fresh.count)
            for (file, slot) in run.slots.enumerated() where slot <= -2 { ranks[Int(-2 - slot)] = Int32(file) }
            swap(&table, &run.fresh)
        } else {
            table.reserveCapacity(kept + run.fresh.count)
            for (file, slot) in run.slots.enumerated() where slot <= -2 {
                table.append(run.fresh[Int(-2 - slot)])
                ranks.append(Int32(file))
            }
        }
        run = RunCheckpoints()
        if table.count > limit {
            var order = Array(table.indices)
            order.sort { table[$0].seen != table[$1].seen ? table[$0].seen > table[$1].seen : ranks[$0] < ranks[$1] }
            var dropped = [Bool](repeating: false, count: table.count)
            for index in order[limit...] { dropped[index] = true }
            var write = 0
            for index in table.indices where !dropped[index] {
                table.swapAt(write, index)
                write += 1
            }
            table.removeSubrange(write...)
        }
        sortByPath(&table)
    }

    /// Sorts by path in place: the order is found on 4-byte positions and then applied by swaps, where
    /// `sort` on the table itself takes a buffer of half of it (5 MB at 100,000 files).
    private static func sortByPath(_ table: inout [FileCheckpoint]) {
        precondition(table.count < Int(Int32.max), "more checkpoints than a state keeps")
        // Mostly sorted already (the last run's table is written sorted): `sort` finds the runs.
        var order = (0..<Int32(table.count)).sorted { table[Int($0)].path < table[Int($1)].path }
        // Each cycle of the permutation (table[i] becomes what was at order[i]) followed by swaps.
        for start in order.indices where order[start] != Int32(start) {
            var here = start
            while Int(order[here]) != start {
                let from = Int(order[here])
                table.swapAt(here, from)
                order[here] = Int32(here)
                here = from
            }
            order[here] = Int32(here)
        }
    }

    /// `coverage` with each machine's first log time reaching back to earlier runs, so that correlation
    /// knows how much log there is before a restart.
    public func extending(_ coverage: Coverage) -> Coverage {
        var coverage = coverage
        for index in coverage.machines.indices {
            let machine = coverage.machines[index].machine
            if let earlier = machineFirstSeen[machine] {
                coverage.machines[index].first = min(coverage.machines[index].first ?? earlier, earlier)
            }
            if let later = machineLastSeen[machine] {
                coverage.machines[index].last = max(coverage.machines[index].last ?? later, later)
            }
        }
        for (machine, first) in machineFirstSeen where !coverage.machines.contains(where: { $0.machine == machine }) {
            var span = MachineSpan(machine: machine, records: 0)
            span.first = first
            span.last = max(first, machineLastSeen[machine] ?? first)
            coverage.machines.append(span)
        }
        coverage.machines.sort { $0.machine < $1.machine }
        return coverage
    }
}

extension Diagnosis {
    /// Without the causes and findings whose ids were reported by an earlier run; ranks renumbered.
    public func withoutReported(_ ids: Set<String>) -> (diagnosis: Diagnosis, suppressed: Int) {
        var copy = self
        copy.causes = causes.filter { cause in cause.incidentIDs.contains { !ids.contains($0) } }
        for index in copy.causes.indices { copy.causes[index].rank = index + 1 }
        copy.findings = findings.filter { !ids.contains($0.findingID) }
        let suppressed = causes.count + findings.count - copy.causes.count - copy.findings.count
        if suppressed > 0 {
            copy.caveats.append("\(suppressed) cause(s) or finding(s) already reported by an earlier run (--state) are not repeated.")
        }
        return (copy, suppressed)
    }

    /// Every cause and finding id, to remember as reported.
    public var findingIDs: [String] { causes.flatMap(\.incidentIDs) + findings.map(\.findingID) }
}
