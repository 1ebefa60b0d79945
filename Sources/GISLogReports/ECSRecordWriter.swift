internal import Glibc
public import GISLogRules
public import GISLogRecords
public import GISLogInput
import GISLogSupport

/// The every-record feed (`gislog scan --format ndjson --records all`): where its lines go, and what they
/// need to know. Shared by the scan's workers; each writes the lines of a file through its lane of an
/// `OrderedOutput`, so files come out in the scan's order, whole, and the bytes are the same for any number of
/// workers (as the matched-event feed's, `NDJSONEventStream`).
public final class ECSRecordFeed: Sendable {
    let output: OrderedOutput
    /// `errno` of the first failed write, once `finish` has run.
    private let failure = PThreadLocked<Int32?>(nil)
    let zone: LogTimeZone
    let includeOriginal: Bool
    let redact: Bool
    /// The reported span (`--since`, `--until`): records outside it are not written.
    let since: Int64?
    let until: Int64?

    /// - Parameters:
    ///   - descriptor: an open file (standard output, or the temporary file behind `--output`).
    ///   - workers: the scan's worker threads (one writer each).
    ///   - includeOriginal: each record as written in `event.original`.
    ///   - redact: hide secrets (as every output does unless `--no-redact`).
    public init(descriptor: Int32, workers: Int = 1, zone: LogTimeZone, includeOriginal: Bool, redact: Bool,
                since: Int64? = nil, until: Int64? = nil) {
        output = OrderedOutput(descriptor: descriptor, lanes: max(1, workers))
        self.zone = zone
        self.includeOriginal = includeOriginal
        self.redact = redact
        self.since = since
        self.until = until
    }

    /// Set when a write failed (a closed pipe, a full disk); later lines are dropped. Known after `finish`.
    public var failed: Bool { failure.withLock { $0 != nil } }

    /// Why lines that waited for their turn could not go to a temporary file (they were kept in memory), if
    /// that happened.
    public var spoolProblem: String? { output.spoolProblem }

    /// After the scan: writes what waits for its turn; the `errno` of the first failed write, if any.
    @discardableResult
    public func finish() -> Int32? {
        let code = output.finish()
        failure.withLock { $0 = code }
        return code
    }

    /// Whether a record at `time` falls in the reported span.
    @inline(__always)
    func reports(_ time: Int64?) -> Bool {
        if since == nil && until == nil { return true }
        guard let time else { return false }
        return (since.map { time >= $0 } ?? true) && (until.map { time < $0 } ?? true)
    }
}

/// A scan consumer that runs the rules on every record (as `RuleEngine` does) and then writes the record as
/// one ECS document, straight into a byte buffer: the fields of the matched-event lines of the feed, with
/// `rule.*` (arrays when several rules matched) only on records a rule matched.
///
/// Records are written as they are read. Text is copied byte for byte when it needs nothing but JSON
/// escaping (no XML entity, valid UTF-8, nothing to redact), which is nearly always; otherwise it takes the
/// same path as the rest of gislog (`TextRepair`, `Redactor`), so every field reads exactly as in the
/// matched-event lines.
public final class ECSRecordWriter {
    /// The worker's rule engine; its sink must hand hits to `hits` too.
    public let engine: RuleEngine
    /// The events of the record being read (the engine's hits on it).
    public let hits: RecordHits
    private let feed: ECSRecordFeed
    private let lane: OrderedOutput.Lane
    /// The lines being built. A value held by this class and changed by one mutating call per record.
    private var lines: ECSLineWriter
    /// The current file's place in the scan's list of files.
    private var file = -1

    static let flushSize = 256 << 10

    /// - Parameter worker: the scan worker this writer belongs to (below the feed's `workers`).
    public init(engine: RuleEngine, hits: RecordHits, feed: ECSRecordFeed, worker: Int = 0) {
        self.engine = engine
        self.hits = hits
        self.feed = feed
        lane = feed.output.lane(worker)
        lines = ECSLineWriter(feed: feed, ruleSet: engine.ruleSet, out: JSONBytes(capacity: Self.flushSize + (64 << 10)))
    }

    public func beginFile(_ file: InputFile, index: Int) {
        precondition(index >= 0, "the every-record feed needs each file's index in the scan")
        engine.beginFile(file, index: index)
        lines.begin(file)
        self.file = index
    }

    public func endFile(_ file: InputFile) {
        engine.endFile(file)
        lane.finish(file: self.file, last: lines.out.bytes)
        lines.out.removeAll()
        // One huge record should not keep the buffer big.
        if lines.out.capacity > 4 * Self.flushSize { lines.out.shrink(to: Self.flushSize + (64 << 10)) }
    }

    public func adopt(_ event: Event, file: InputFile) {
        hits.events.removeAll(keepingCapacity: true)
        engine.adopt(event, file: file)
        guard let adopted = hits.events.first, feed.reports(event.time) else { return }
        lines.write(event: adopted)
        if lines.out.count >= Self.flushSize { flush() }
    }

    public func consume(_ record: inout RecordView, file: InputFile) {
        hits.events.removeAll(keepingCapacity: true)
        engine.consume(&record, file: file)
        guard feed.reports(record.time) else { return }
        lines.write(record: record, events: hits.events[...])
        if lines.out.count >= Self.flushSize { flush() }
    }

    /// Hands the lines buffered so far to the feed (they leave in the file's turn).
    private func flush() {
        lane.write(lines.out.bytes, file: file)
        lines.out.removeAll()
    }
}

/// The events of one record, as the engine finds them: the sink through which `ECSRecordWriter` learns which
/// rules matched the record it is about to write.
public final class RecordHits: EventSink {
    public var events: [Event] = []

    public init() {}

    public func accept(_ hit: borrowing RuleHit) { events.append(hit.event()) }
    public func accept(event: Event) { events.append(event) }
}

/// Builds the feed's lines as bytes (see `ECSRecordWriter`).
struct ECSLineWriter {
    private let feed: ECSRecordFeed
    /// The lines written and not yet handed on.
    let out: JSONBytes
    /// Hides secrets in log text (nil with `--no-redact`).
    private let redactor: Redactor?
    /// Per file: the `event.dataset`, `log.file.path` and `labels.component` parts, escaped once.
    private var datasetJSON: [UInt8] = []
    private var pathJSON: [UInt8] = []
    private var componentJSON: [UInt8] = []
    /// The escaped `host.name` of the machine last written (by the file's machine index).
    private var machineIndex = Int.min
    private var machineJSON: [UInt8] = []
    private let timestamps = TimestampCache()
    /// Where the pieces above are escaped before they are kept.
    private let scratch = JSONBytes(capacity: 1024)
    /// Rule titles, origins and first reference URLs, by id (matched records only).
    private let rules: [String: CompiledRule]

    init(feed: ECSRecordFeed, ruleSet: RuleSet, out: JSONBytes) {
        self.feed = feed
        self.out = out
        redactor = feed.redact ? Redactor() : nil
        rules = Dictionary(ruleSet.rules.map { ($0.rule.id, $0) }, uniquingKeysWith: { _, last in last })
    }

    mutating func begin(_ file: InputFile) {
        escape(file.product.dataset, into: &datasetJSON)
        escape(file.path, into: &pathJSON)
        escape(file.component.rawValue, into: &componentJSON)
        machineIndex = Int.min
    }

    /// `text` as a JSON string into `bytes` (replacing what they held, keeping their memory).
    private func escape(_ text: String, into bytes: inout [UInt8]) {
        scratch.removeAll()
        scratch.appendString(text)
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: scratch.bytes)
    }

    // MARK: - Records

    mutating func write(record: RecordView, events: ArraySlice<Event>) {
        out.append(#"{"@timestamp":"#)
        appendTime(record.time)
        out.append(#","message":"#)
        appendText(TextRepair.trimmed(record.textBytes), decoded: record.isDecoded, redact: feed.redact)
        out.append(#","event":{"kind":"event""#)
        if !events.isEmpty { appendClassification(events) }
        if let code = record.code {
            out.append(#","code":""#)
            appendInteger(code)
            out.append(UInt8(ascii: "\""))
        }
        out.append(#","dataset":"#)
        out.append(datasetJSON)
        out.append(#","module":"arcgis""#)
        if let severity = events.map({ NDJSONReport.severityNumber($0.severity) }).max() {
            out.append(#","severity":"#)
            appendInteger(severity)
        }
        if feed.includeOriginal {
            out.append(#","original":"#)
            appendText(record.recordBytes, decoded: true, redact: feed.redact)
        }
        out.append(#"},"log":{"level":""#)
        out.appendRaw(record.level.name)
        out.append(#"","file":{"path":"#)
        out.append(pathJSON)
        out.append(#"},"offset":"#)
        appendInteger(record.byteOffset)
        if let source = record.bytes(.source) {
            out.append(#","logger":"#)
            appendText(source, decoded: record.isDecoded, redact: false)
        }
        out.append(#"},"host":{"name":"#)
        if record.machineIndex != machineIndex || record.machineIndex < 0 {
            machineIndex = record.machineIndex
            escape(record.machine, into: &machineJSON)
        }
        out.append(machineJSON)
        out.append(UInt8(ascii: "}"))
        if let pid = record.bytes(.process).flatMap({ integer($0, decoded: record.isDecoded) }) {
            out.append(#","process":{"pid":"#)
            appendInteger(pid)
            if let thread = record.bytes(.thread).flatMap({ integer($0, decoded: record.isDecoded) }) {
                out.append(#","thread":{"id":"#)
                appendInteger(thread)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "}"))
        }
        if let user = record.bytes(.user), user.count > 0 {
            out.append(#","user":{"name":"#)
            appendText(user, decoded: record.isDecoded, redact: false)
            out.append(UInt8(ascii: "}"))
        }
        if !events.isEmpty {
            appendURLAndError(events)
            appendRules(events)
        }
        out.append(#","labels":{"component":"#)
        out.append(componentJSON)
        if let request = record.bytes(.requestID), request.count > 0 {
            out.append(#","request_id":"#)
            appendText(request, decoded: record.isDecoded, redact: false)
        }
        if let method = record.bytes(.methodName), method.count > 0 {
            out.append(#","method_name":"#)
            appendText(method, decoded: record.isDecoded, redact: false)
        }
        out.append(#","line":""#)
        appendInteger(record.line)
        out.append(#""},"gislog":{"schema_version":"#)
        appendInteger(NDJSONReport.schemaVersion)
        if !events.isEmpty { appendFields(events) }
        out.append("}}\n")
    }

    /// An event read from another gislog's feed: a record with its one rule, from the event's strings.
    mutating func write(event: Event) {
        out.append(#"{"@timestamp":"#)
        appendTime(event.time)
        out.append(#","message":"#)
        appendString(event.message)
        out.append(#","event":{"kind":"event""#)
        appendClassification([event])
        if let code = event.code {
            out.append(#","code":""#)
            appendInteger(code)
            out.append(UInt8(ascii: "\""))
        }
        out.append(#","dataset":"#)
        appendString(event.product.dataset)
        out.append(#","module":"arcgis","severity":"#)
        appendInteger(NDJSONReport.severityNumber(event.severity))
        if feed.includeOriginal, let original = event.original {
            out.append(#","original":"#)
            appendString(original)
        }
        out.append(#"},"log":{"level":""#)
        out.appendRaw(event.level.name)
        out.append(#"","file":{"path":"#)
        appendString(event.path)
        out.append(#"},"offset":"#)
        appendInteger(event.byteOffset)
        if let source = event.source {
            out.append(#","logger":"#)
            appendString(source)
        }
        out.append(#"},"host":{"name":"#)
        appendString(event.machine)
        out.append(UInt8(ascii: "}"))
        if let pid = event.process.flatMap(Int.init) {
            out.append(#","process":{"pid":"#)
            appendInteger(pid)
            if let thread = event.thread.flatMap(Int.init) {
                out.append(#","thread":{"id":"#)
                appendInteger(thread)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "}"))
        }
        if let user = event.user, !user.isEmpty {
            out.append(#","user":{"name":"#)
            appendString(user)
            out.append(UInt8(ascii: "}"))
        }
        appendURLAndError([event])
        appendRules([event])
        out.append(#","labels":{"component":"#)
        appendString(event.component.rawValue)
        if let request = event.requestID, !request.isEmpty {
            out.append(#","request_id":"#)
            appendString(request)
        }
        if let method = event.methodName, !method.isEmpty {
            out.append(#","method_name":"#)
            appendString(method)
        }
        out.append(#","line":""#)
        appendInteger(event.line)
        out.append(#""},"gislog":{"schema_version":"#)
        appendInteger(NDJSONReport.schemaVersion)
        appendFields([event])
        out.append("}}\n")
    }

    // MARK: - What the matching rules add

    /// `event.category`, `event.type` (the union over the rules) and `event.outcome` (a failure if any is).
    private mutating func appendClassification<Events: Collection<Event>>(_ events: Events) {
        var categories: [String] = [], types: [String] = [], outcomes: [String] = []
        for event in events {
            let ecs = NDJSONReport.ecs(event.category, ruleID: event.ruleID,
                                       starting: rules[event.ruleID]?.rule.evidence == .machineStart)
            for value in ecs.category where !categories.contains(value) { categories.append(value) }
            for value in ecs.type where !types.contains(value) { types.append(value) }
            outcomes.append(ecs.outcome)
        }
        out.append(#","category":"#)
        appendArray(categories)
        out.append(#","type":"#)
        appendArray(types)
        out.append(#","outcome":"#)
        appendString(outcomes.contains("failure") ? "failure" : outcomes.first ?? "unknown")
    }

    /// `url.*` and `error.*` from the first rule that extracted them.
    private mutating func appendURLAndError<Events: Collection<Event>>(_ events: Events) {
        if let event = events.first(where: { $0.field("url") != nil }), let url = event.field("url") {
            out.append(#","url":{"full":"#)
            appendString(url)
            if let host = event.field("host") {
                out.append(#","domain":"#)
                appendString(host)
            }
            if let port = event.field("port").flatMap(Int.init) {
                out.append(#","port":"#)
                appendInteger(port)
            }
            if let scheme = event.field("scheme") {
                out.append(#","scheme":"#)
                appendString(scheme)
            }
            out.append(UInt8(ascii: "}"))
        }
        func code(_ event: Event) -> String? { event.field("wininet_code") ?? event.field("curl_code") ?? event.field("http_code") }
        if let event = events.first(where: { code($0) != nil }), let value = code(event) {
            out.append(#","error":{"code":"#)
            appendString(value)
            if let name = event.field("wininet_name") {
                out.append(#","type":"#)
                appendString(name)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `rule.*`: values for one rule, arrays (in rule order) for several; `rule.reference` lists the
    /// references the rules have.
    private mutating func appendRules<Events: Collection<Event>>(_ events: Events) {
        let ids = events.map(\.ruleID)
        let compiled = ids.map { rules[$0] }
        let names = zip(ids, compiled).map { $1?.rule.title ?? $0 }
        let categories = events.map(\.category.rawValue)
        let rulesets = compiled.map { $0?.rule.origin.isBuiltin == true ? "gislog-default" : "local" }
        let references = compiled.compactMap { $0?.rule.references.lazy.compactMap(\.url).first }
        let single = events.count == 1
        func field(_ name: String, _ values: [String], first: Bool = false) {
            if !first { out.append(UInt8(ascii: ",")) }
            appendString(name)
            out.append(UInt8(ascii: ":"))
            if single, let value = values.first { appendString(value) } else { appendArray(values) }
        }
        out.append(#","rule":{"#)
        field("id", ids, first: true)
        field("name", names)
        field("category", categories)
        field("ruleset", rulesets)
        if !references.isEmpty { field("reference", references) }
        out.append(UInt8(ascii: "}"))
    }

    /// `gislog.fields`: every named group of the rules, the first rule's value when two name the same.
    private mutating func appendFields<Events: Collection<Event>>(_ events: Events) {
        out.append(#","fields":{"#)
        var seen: [String] = []
        for event in events {
            for field in event.fields where !seen.contains(field.name) {
                if !seen.isEmpty { out.append(UInt8(ascii: ",")) }
                seen.append(field.name)
                appendString(field.name)
                out.append(UInt8(ascii: ":"))
                appendString(field.value)
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    // MARK: - Bytes

    private func appendArray(_ values: [String]) {
        out.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.appendString(value)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// RFC 3339 in the logs' zone (as `LogTimeZone.format`), or `null`.
    private func appendTime(_ time: Int64?) {
        guard let time else { out.append("null"); return }
        out.append(UInt8(ascii: "\""))
        timestamps.append(utcMillis: time, offsetSeconds: feed.zone.offset(atUTC: time), to: out)
        out.append(UInt8(ascii: "\""))
    }

    private func appendInteger(_ value: Int) { out.appendDecimal(value) }

    private func appendInteger(_ value: Int64) { out.appendDecimal(value) }

    /// An attribute as `Int(String)` reads it (optional sign, ASCII digits, no overflow), or nil.
    private func integer(_ raw: UnsafeRawBufferPointer, decoded: Bool) -> Int? {
        NDJSONEventEncoder.integer(raw, entities: !decoded)
    }

    /// Log text as a JSON string, as the rest of gislog shows it: XML entities decoded (unless `decoded`),
    /// invalid UTF-8 read as Windows-1252, secrets redacted (when `redact` and the feed redacts), the same
    /// bytes as the matched-event lines write. Bytes that need none of that are escaped where they lie.
    private func appendText(_ raw: UnsafeRawBufferPointer, decoded: Bool, redact: Bool) {
        NDJSONEventEncoder.appendText(raw, entities: !decoded, redactor: redact ? redactor : nil, to: out)
    }

    private func appendString(_ text: String) { out.appendString(text) }
}
