internal import Glibc
public import GISLogRules
public import GISLogRecords
public import GISLogInput
import GISLogSupport

/// The every-record feed (`gislog scan --format ndjson --records all`): where its lines go, and what they
/// need to know. Shared by the scan's workers; each writes whole lines in blocks under a lock, so lines of
/// files read in parallel interleave but never mix.
public final class ECSRecordFeed: Sendable {
    private struct State {
        var failed = false
    }

    private let descriptor: Int32
    private let state = PThreadLocked(State())
    let zone: LogTimeZone
    let includeOriginal: Bool
    let redact: Bool
    /// The reported span (`--since`, `--until`): records outside it are not written.
    let since: Int64?
    let until: Int64?

    /// - Parameters:
    ///   - descriptor: an open file (standard output, or the temporary file behind `--output`).
    ///   - includeOriginal: each record as written in `event.original`.
    ///   - redact: hide secrets (as every output does unless `--no-redact`).
    public init(descriptor: Int32, zone: LogTimeZone, includeOriginal: Bool, redact: Bool, since: Int64? = nil,
                until: Int64? = nil) {
        self.descriptor = descriptor
        self.zone = zone
        self.includeOriginal = includeOriginal
        self.redact = redact
        self.since = since
        self.until = until
    }

    /// Set when a write failed (a closed pipe, a full disk); later blocks are dropped.
    public var failed: Bool { state.withLock { $0.failed } }

    func write(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        state.withLock { state in
            guard !state.failed else { return }
            if writeAll(descriptor, bytes) != nil { state.failed = true }
        }
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
    /// The lines being built. A value held by this class and changed by one mutating call per record, so
    /// appending a byte costs no exclusivity check.
    private var lines: ECSLineWriter

    static let flushSize = 64 << 10

    public init(engine: RuleEngine, hits: RecordHits, feed: ECSRecordFeed) {
        self.engine = engine
        self.hits = hits
        self.feed = feed
        lines = ECSLineWriter(feed: feed, ruleSet: engine.ruleSet)
    }

    public func beginFile(_ file: InputFile) {
        engine.beginFile(file)
        lines.begin(file)
    }

    public func endFile(_ file: InputFile) {
        engine.endFile(file)
        flush()
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

    /// Hands the buffered lines to the feed.
    public func flush() {
        feed.write(lines.out)
        lines.out.removeAll(keepingCapacity: true)
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
    var out: [UInt8] = []
    private let redactor = Redactor()
    /// Per file: the `event.dataset`, `log.file.path` and `labels.component` parts, escaped once.
    private var datasetJSON: [UInt8] = []
    private var pathJSON: [UInt8] = []
    private var componentJSON: [UInt8] = []
    /// The escaped `host.name` of the machine last written (by the file's machine index).
    private var machineIndex = Int.min
    private var machineJSON: [UInt8] = []
    /// Rule titles, origins and first reference URLs, by id (matched records only).
    private let rules: [String: CompiledRule]

    init(feed: ECSRecordFeed, ruleSet: RuleSet) {
        self.feed = feed
        rules = Dictionary(ruleSet.rules.map { ($0.rule.id, $0) }, uniquingKeysWith: { _, last in last })
        out.reserveCapacity(ECSRecordWriter.flushSize + (16 << 10))
    }

    mutating func begin(_ file: InputFile) {
        datasetJSON = []
        Self.escape(string: file.product.dataset, into: &datasetJSON)
        pathJSON = []
        Self.escape(string: file.path, into: &pathJSON)
        componentJSON = []
        Self.escape(string: file.component.rawValue, into: &componentJSON)
        machineIndex = Int.min
    }

    // MARK: - Records

    mutating func write(record: RecordView, events: ArraySlice<Event>) {
        out.append(contentsOf: #"{"@timestamp":"#.utf8)
        appendTime(record.time)
        out.append(contentsOf: #","message":"#.utf8)
        appendText(TextRepair.trimmed(record.textBytes), decoded: record.isDecoded, redact: feed.redact)
        out.append(contentsOf: #","event":{"kind":"event""#.utf8)
        if !events.isEmpty { appendClassification(events) }
        if let code = record.code {
            out.append(contentsOf: #","code":""#.utf8)
            appendInteger(code)
            out.append(UInt8(ascii: "\""))
        }
        out.append(contentsOf: #","dataset":"#.utf8)
        out.append(contentsOf: datasetJSON)
        out.append(contentsOf: #","module":"arcgis""#.utf8)
        if let severity = events.map({ NDJSONReport.severityNumber($0.severity) }).max() {
            out.append(contentsOf: #","severity":"#.utf8)
            appendInteger(severity)
        }
        if feed.includeOriginal {
            out.append(contentsOf: #","original":"#.utf8)
            appendText(record.recordBytes, decoded: true, redact: feed.redact)
        }
        out.append(contentsOf: #"},"log":{"level":""#.utf8)
        out.append(contentsOf: record.level.name.utf8)
        out.append(contentsOf: #"","file":{"path":"#.utf8)
        out.append(contentsOf: pathJSON)
        out.append(contentsOf: #"},"offset":"#.utf8)
        appendInteger(record.byteOffset)
        if let source = record.bytes(.source) {
            out.append(contentsOf: #","logger":"#.utf8)
            appendText(source, decoded: record.isDecoded, redact: false)
        }
        out.append(contentsOf: #"},"host":{"name":"#.utf8)
        if record.machineIndex != machineIndex || record.machineIndex < 0 {
            machineIndex = record.machineIndex
            machineJSON = []
            Self.escape(string: record.machine, into: &machineJSON)
        }
        out.append(contentsOf: machineJSON)
        out.append(UInt8(ascii: "}"))
        if let pid = record.bytes(.process).flatMap({ integer($0, decoded: record.isDecoded) }) {
            out.append(contentsOf: #","process":{"pid":"#.utf8)
            appendInteger(pid)
            if let thread = record.bytes(.thread).flatMap({ integer($0, decoded: record.isDecoded) }) {
                out.append(contentsOf: #","thread":{"id":"#.utf8)
                appendInteger(thread)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "}"))
        }
        if let user = record.bytes(.user), user.count > 0 {
            out.append(contentsOf: #","user":{"name":"#.utf8)
            appendText(user, decoded: record.isDecoded, redact: false)
            out.append(UInt8(ascii: "}"))
        }
        if !events.isEmpty {
            appendURLAndError(events)
            appendRules(events)
        }
        out.append(contentsOf: #","labels":{"component":"#.utf8)
        out.append(contentsOf: componentJSON)
        if let request = record.bytes(.requestID), request.count > 0 {
            out.append(contentsOf: #","request_id":"#.utf8)
            appendText(request, decoded: record.isDecoded, redact: false)
        }
        if let method = record.bytes(.methodName), method.count > 0 {
            out.append(contentsOf: #","method_name":"#.utf8)
            appendText(method, decoded: record.isDecoded, redact: false)
        }
        out.append(contentsOf: #","line":""#.utf8)
        appendInteger(record.line)
        out.append(contentsOf: #""},"gislog":{"schema_version":"#.utf8)
        appendInteger(NDJSONReport.schemaVersion)
        if !events.isEmpty { appendFields(events) }
        out.append(contentsOf: "}}\n".utf8)
    }

    /// An event read from another gislog's feed: a record with its one rule, from the event's strings.
    mutating func write(event: Event) {
        out.append(contentsOf: #"{"@timestamp":"#.utf8)
        appendTime(event.time)
        out.append(contentsOf: #","message":"#.utf8)
        appendString(event.message)
        out.append(contentsOf: #","event":{"kind":"event""#.utf8)
        appendClassification([event])
        if let code = event.code {
            out.append(contentsOf: #","code":""#.utf8)
            appendInteger(code)
            out.append(UInt8(ascii: "\""))
        }
        out.append(contentsOf: #","dataset":"#.utf8)
        appendString(event.product.dataset)
        out.append(contentsOf: #","module":"arcgis","severity":"#.utf8)
        appendInteger(NDJSONReport.severityNumber(event.severity))
        if feed.includeOriginal, let original = event.original {
            out.append(contentsOf: #","original":"#.utf8)
            appendString(original)
        }
        out.append(contentsOf: #"},"log":{"level":""#.utf8)
        out.append(contentsOf: event.level.name.utf8)
        out.append(contentsOf: #"","file":{"path":"#.utf8)
        appendString(event.path)
        out.append(contentsOf: #"},"offset":"#.utf8)
        appendInteger(event.byteOffset)
        if let source = event.source {
            out.append(contentsOf: #","logger":"#.utf8)
            appendString(source)
        }
        out.append(contentsOf: #"},"host":{"name":"#.utf8)
        appendString(event.machine)
        out.append(UInt8(ascii: "}"))
        if let pid = event.process.flatMap(Int.init) {
            out.append(contentsOf: #","process":{"pid":"#.utf8)
            appendInteger(pid)
            if let thread = event.thread.flatMap(Int.init) {
                out.append(contentsOf: #","thread":{"id":"#.utf8)
                appendInteger(thread)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "}"))
        }
        if let user = event.user, !user.isEmpty {
            out.append(contentsOf: #","user":{"name":"#.utf8)
            appendString(user)
            out.append(UInt8(ascii: "}"))
        }
        appendURLAndError([event])
        appendRules([event])
        out.append(contentsOf: #","labels":{"component":"#.utf8)
        appendString(event.component.rawValue)
        if let request = event.requestID, !request.isEmpty {
            out.append(contentsOf: #","request_id":"#.utf8)
            appendString(request)
        }
        if let method = event.methodName, !method.isEmpty {
            out.append(contentsOf: #","method_name":"#.utf8)
            appendString(method)
        }
        out.append(contentsOf: #","line":""#.utf8)
        appendInteger(event.line)
        out.append(contentsOf: #""},"gislog":{"schema_version":"#.utf8)
        appendInteger(NDJSONReport.schemaVersion)
        appendFields([event])
        out.append(contentsOf: "}}\n".utf8)
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
        out.append(contentsOf: #","category":"#.utf8)
        appendArray(categories)
        out.append(contentsOf: #","type":"#.utf8)
        appendArray(types)
        out.append(contentsOf: #","outcome":"#.utf8)
        appendString(outcomes.contains("failure") ? "failure" : outcomes.first ?? "unknown")
    }

    /// `url.*` and `error.*` from the first rule that extracted them.
    private mutating func appendURLAndError<Events: Collection<Event>>(_ events: Events) {
        if let event = events.first(where: { $0.field("url") != nil }), let url = event.field("url") {
            out.append(contentsOf: #","url":{"full":"#.utf8)
            appendString(url)
            if let host = event.field("host") {
                out.append(contentsOf: #","domain":"#.utf8)
                appendString(host)
            }
            if let port = event.field("port").flatMap(Int.init) {
                out.append(contentsOf: #","port":"#.utf8)
                appendInteger(port)
            }
            if let scheme = event.field("scheme") {
                out.append(contentsOf: #","scheme":"#.utf8)
                appendString(scheme)
            }
            out.append(UInt8(ascii: "}"))
        }
        func code(_ event: Event) -> String? { event.field("wininet_code") ?? event.field("curl_code") ?? event.field("http_code") }
        if let event = events.first(where: { code($0) != nil }), let value = code(event) {
            out.append(contentsOf: #","error":{"code":"#.utf8)
            appendString(value)
            if let name = event.field("wininet_name") {
                out.append(contentsOf: #","type":"#.utf8)
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
        out.append(contentsOf: #","rule":{"#.utf8)
        field("id", ids, first: true)
        field("name", names)
        field("category", categories)
        field("ruleset", rulesets)
        if !references.isEmpty { field("reference", references) }
        out.append(UInt8(ascii: "}"))
    }

    /// `gislog.fields`: every named group of the rules, the first rule's value when two name the same.
    private mutating func appendFields<Events: Collection<Event>>(_ events: Events) {
        out.append(contentsOf: #","fields":{"#.utf8)
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

    private mutating func appendArray(_ values: [String]) {
        out.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendString(value)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// RFC 3339 in the logs' zone (as `LogTimeZone.format`), or `null`.
    private mutating func appendTime(_ time: Int64?) {
        guard let time else { out.append(contentsOf: "null".utf8); return }
        let offset = feed.zone.offset(atUTC: time)
        var (days, ms) = (time + Int64(offset) * 1000).quotientAndRemainder(dividingBy: 86_400_000)
        if ms < 0 {
            days -= 1
            ms += 86_400_000
        }
        let (year, month, day) = LogTime.civilFromDays(Int(days))
        let milliseconds = Int(ms)
        out.append(UInt8(ascii: "\""))
        appendDigits(year, 4); out.append(UInt8(ascii: "-"))
        appendDigits(month, 2); out.append(UInt8(ascii: "-"))
        appendDigits(day, 2); out.append(UInt8(ascii: "T"))
        appendDigits(milliseconds / 3_600_000, 2); out.append(UInt8(ascii: ":"))
        appendDigits(milliseconds / 60_000 % 60, 2); out.append(UInt8(ascii: ":"))
        appendDigits(milliseconds / 1000 % 60, 2); out.append(UInt8(ascii: "."))
        appendDigits(milliseconds % 1000, 3)
        if offset == 0 {
            out.append(UInt8(ascii: "Z"))
        } else {
            out.append(UInt8(ascii: offset < 0 ? "-" : "+"))
            let minutes = abs(offset) / 60
            appendDigits(minutes / 60, 2); out.append(UInt8(ascii: ":"))
            appendDigits(minutes % 60, 2)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `value` zero-padded to at least `width` digits (as `String(value)` padded: a sign stays in front).
    private mutating func appendDigits(_ value: Int, _ width: Int) {
        if value < 0 {
            // Years before 0: what String(value) gives, padded as LogTime.rfc3339 pads it.
            let text = String(value)
            if text.utf8.count < width { out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - text.utf8.count)) }
            out.append(contentsOf: text.utf8)
            return
        }
        var digits = 1, rest = value
        while rest >= 10 { rest /= 10; digits += 1 }
        if digits < width { out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits)) }
        appendInteger(value)
    }

    private mutating func appendInteger(_ value: Int) { appendInteger(Int64(value)) }

    private mutating func appendInteger(_ value: Int64) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var digits = InlineArray<20, UInt8>(repeating: 0)
        var rest = value.magnitude
        var count = 0
        repeat {
            digits[count] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            count += 1
        } while rest > 0
        while count > 0 {
            count -= 1
            out.append(digits[count])
        }
    }

    /// An attribute as `Int(String)` reads it (optional sign, ASCII digits, no overflow), or nil.
    private func integer(_ raw: UnsafeRawBufferPointer, decoded: Bool) -> Int? {
        if !decoded && raw.contains(UInt8(ascii: "&")) { return Int(TextRepair.xmlString(raw)) }
        guard raw.count > 0 else { return nil }
        var index = 0, negative = false
        if raw[0] == UInt8(ascii: "-") || raw[0] == UInt8(ascii: "+") {
            negative = raw[0] == UInt8(ascii: "-")
            index = 1
            guard raw.count > 1 else { return nil }
        }
        var value = 0
        while index < raw.count {
            let digit = Int(raw[index]) &- 48
            guard digit >= 0 && digit <= 9 else { return nil }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !overflow1 && !overflow2 else { return nil }
            value = sum
            index += 1
        }
        return value
    }

    /// Log text as a JSON string, as the rest of gislog shows it: XML entities decoded (unless `decoded`),
    /// invalid UTF-8 read as Windows-1252, secrets redacted. Bytes that need none of that are escaped
    /// where they lie.
    private mutating func appendText(_ raw: UnsafeRawBufferPointer, decoded: Bool, redact: Bool) {
        var needsEntities = false, nonASCII = false
        for byte in raw {
            if byte >= 0x80 { nonASCII = true } else if byte == UInt8(ascii: "&") { needsEntities = true }
        }
        var slow = (needsEntities && !decoded) || (redact && (nonASCII || Self.mayHoldSecret(raw)))
        if !slow && nonASCII && !Self.isValidUTF8(raw) { slow = true }
        guard slow else {
            appendEscaped(raw)
            return
        }
        var text = decoded ? TextRepair.string(raw) : TextRepair.xmlString(raw)
        if redact { text = redactor.redact(text) }
        appendString(text)
    }

    /// Whether the text holds, in any case, a word that `Redactor`'s patterns need (token, password,
    /// passwd, pwd, client_secret, api_key, apikey, secret, authorization): nearly no record does.
    static func mayHoldSecret(_ raw: UnsafeRawBufferPointer) -> Bool {
        let count = raw.count
        @inline(__always) func lower(_ index: Int) -> UInt8 { raw[index] | 0x20 }
        @inline(__always) func word(_ index: Int, _ rest: StaticString) -> Bool {
            let length = rest.utf8CodeUnitCount
            guard index + length < count else { return false }
            let bytes = rest.utf8Start
            for offset in 0..<length where lower(index + 1 + offset) != bytes[offset] { return false }
            return true
        }
        var index = 0
        while index < count {
            switch lower(index) {
            case UInt8(ascii: "t"): if word(index, "oken") { return true }
            case UInt8(ascii: "p"): if word(index, "ass") || word(index, "wd") { return true }
            case UInt8(ascii: "s"): if word(index, "ecret") { return true }
            case UInt8(ascii: "a"): if word(index, "pi") || word(index, "uthorization") { return true }
            default: break
            }
            index += 1
        }
        return false
    }

    /// Well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
    static func isValidUTF8(_ raw: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = raw.count
        while index < count {
            let lead = raw[index]
            if lead < 0x80 { index += 1; continue }
            let length: Int, minimum: UInt32
            var value: UInt32
            switch lead {
            case 0xC2...0xDF: length = 2; minimum = 0x80; value = UInt32(lead & 0x1F)
            case 0xE0...0xEF: length = 3; minimum = 0x800; value = UInt32(lead & 0x0F)
            case 0xF0...0xF4: length = 4; minimum = 0x10000; value = UInt32(lead & 0x07)
            default: return false
            }
            guard index + length <= count else { return false }
            for offset in 1..<length {
                let byte = raw[index + offset]
                guard byte & 0xC0 == 0x80 else { return false }
                value = value << 6 | UInt32(byte & 0x3F)
            }
            guard value >= minimum, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value) else { return false }
            index += length
        }
        return true
    }

    private mutating func appendEscaped(_ raw: UnsafeRawBufferPointer) { Self.escape(raw, into: &out) }

    private mutating func appendString(_ text: String) { Self.escape(string: text, into: &out) }

    static func escape(string text: String, into out: inout [UInt8]) {
        var copy = text
        copy.withUTF8 { escape(UnsafeRawBufferPointer($0), into: &out) }
    }

    /// Valid UTF-8 bytes as a JSON string, escaped as `JSONWriter.appendString` escapes.
    static func escape(_ raw: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var start = 0
        var index = 0
        let count = raw.count
        while index < count {
            let byte = raw[index]
            var escape: StaticString?
            var hex = false
            var skip = 1
            switch byte {
            case 0x22: escape = "\\\""
            case 0x5C: escape = "\\\\"
            case 0x0A: escape = "\\n"
            case 0x0D: escape = "\\r"
            case 0x09: escape = "\\t"
            case 0x00..<0x20, 0x7F: hex = true
            case 0xE2 where index + 2 < count && raw[index + 1] == 0x80 && (raw[index + 2] == 0xA8 || raw[index + 2] == 0xA9):
                escape = raw[index + 2] == 0xA8 ? "\\u2028" : "\\u2029"
                skip = 3
            default: break
            }
            if escape != nil || hex {
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start..<index]))
                if let escape {
                    out.append(contentsOf: UnsafeRawBufferPointer(start: escape.utf8Start, count: escape.utf8CodeUnitCount))
                } else {
                    let digits: [UInt8] = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(digits[Int(byte >> 4)])
                    out.append(digits[Int(byte & 0x0F)])
                }
                index += skip
                start = index
            } else {
                index += 1
            }
        }
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start..<count]))
        out.append(UInt8(ascii: "\""))
    }
}
