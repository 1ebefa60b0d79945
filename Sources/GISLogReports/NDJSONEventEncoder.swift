public import GISLogRules
public import GISLogRecords
public import GISLogInput
public import GISLogSupport
internal import CGISLogShims

/// What the event lines of the NDJSON feed need that does not change from event to event, with the parts
/// that depend only on the rule already written as bytes. Made once per scan and shared by its workers.
///
/// The layout of a line is `NDJSONReport`'s (see `docs/ndjson-schema-v1.json`); `NDJSONEventEncoder` writes
/// it from a rule hit or from an `Event`, and the tests hold the two to the same bytes.
// SAFETY: immutable after init; the raw memory (`arena`) is written only in init and freed in deinit, and
// every encoder keeps its layout alive while it reads it.
public final class NDJSONEventLayout: @unchecked Sendable {
    public let zone: LogTimeZone
    /// Write each record as written in `event.original`.
    public let includeOriginal: Bool
    /// Rule titles, whether each rule is built in, and its first reference URL, by id.
    let titles: [String: String]
    let builtin: [String: Bool]
    let references: [String: String]
    /// Rules whose events are evidence of a machine starting (ECS `event.type` "start").
    let startup: Set<String>
    /// Per rule of the rule set (by index), for lines written from hits. Plain pointers into `arena`: a hit
    /// reads them without reference counting.
    let rules: UnsafeBufferPointer<RulePieces>
    /// `"SEVERE"` … by `Level.rawValue`.
    let levelNames: UnsafeBufferPointer<UnsafeRawBufferPointer>
    /// The most named groups of any rule.
    let maxGroups: Int
    private let arena: Arena

    /// The bytes of one rule's lines that do not depend on the record.
    struct RulePieces {
        /// `,"event":{"kind":"event","category":[…],"type":[…],"outcome":"…"`
        var event: UnsafeRawBufferPointer
        /// `,"module":"arcgis","severity":N`
        var severity: UnsafeRawBufferPointer
        /// `,"rule":{…}`
        var rule: UnsafeRawBufferPointer
        /// Per named group (in group order): its number, and `"name":`.
        var groups: UnsafeBufferPointer<GroupPiece>
        /// Positions in `groups` of the groups some ECS field is taken from (the first that took part wins).
        var url: UnsafeBufferPointer<Int>, host: UnsafeBufferPointer<Int>, port: UnsafeBufferPointer<Int>
        var scheme: UnsafeBufferPointer<Int>, errorCodes: UnsafeBufferPointer<Int>, errorName: UnsafeBufferPointer<Int>
    }

    struct GroupPiece {
        var number: Int
        var key: UnsafeRawBufferPointer
    }

    /// Memory for the pieces, freed with the layout.
    final class Arena {
        private var blocks: [UnsafeMutableRawPointer] = []

        func copy(_ bytes: [UInt8]) -> UnsafeRawBufferPointer {
            let block = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes.count), alignment: 16)
            blocks.append(block)
            bytes.withUnsafeBytes { if let base = $0.baseAddress { block.copyMemory(from: base, byteCount: $0.count) } }
            return UnsafeRawBufferPointer(start: block, count: bytes.count)
        }

        func copy<Element: BitwiseCopyable>(_ values: [Element]) -> UnsafeBufferPointer<Element> {
            let block = UnsafeMutablePointer<Element>.allocate(capacity: max(1, values.count))
            blocks.append(UnsafeMutableRawPointer(block))
            _ = UnsafeMutableBufferPointer(start: block, count: values.count).initialize(from: values)
            return UnsafeBufferPointer(start: block, count: values.count)
        }

        deinit { for block in blocks { block.deallocate() } }
    }

    /// For lines written from hits of `ruleSet` (and events read from other feeds).
    public convenience init(ruleSet: RuleSet, zone: LogTimeZone, includeOriginal: Bool) {
        var titles: [String: String] = [:], builtin: [String: Bool] = [:], references: [String: String] = [:]
        var startup: Set<String> = []
        for compiled in ruleSet.rules {
            titles[compiled.rule.id] = compiled.rule.title
            builtin[compiled.rule.id] = compiled.rule.origin.isBuiltin
            if let url = compiled.rule.references.lazy.compactMap(\.url).first { references[compiled.rule.id] = url }
            if compiled.rule.evidence == .machineStart { startup.insert(compiled.rule.id) }
        }
        self.init(titles: titles, builtin: builtin, references: references, startup: startup, rules: ruleSet.rules,
                  zone: zone, includeOriginal: includeOriginal)
    }

    /// For lines written from events only (a report's events), with the report's rule dictionaries.
    public convenience init(titles: [String: String], builtin: [String: Bool], references: [String: String],
                            startup: Set<String>, zone: LogTimeZone, includeOriginal: Bool) {
        self.init(titles: titles, builtin: builtin, references: references, startup: startup, rules: [], zone: zone,
                  includeOriginal: includeOriginal)
    }

    private init(titles: [String: String], builtin: [String: Bool], references: [String: String], startup: Set<String>,
                 rules: [CompiledRule], zone: LogTimeZone, includeOriginal: Bool) {
        self.titles = titles
        self.builtin = builtin
        self.references = references
        self.startup = startup
        self.zone = zone
        self.includeOriginal = includeOriginal
        let arena = Arena()
        self.arena = arena
        levelNames = arena.copy(Level.allCases.map { level in arena.copy(Self.bytes { $0.appendString(level.name) }) })
        var pieces: [RulePieces] = []
        for compiled in rules {
            let rule = compiled.rule
            let names = compiled.groupNames
            let groups = names.map { group in
                GroupPiece(number: group.number, key: arena.copy(Self.bytes { $0.appendString(group.name); $0.append(UInt8(ascii: ":")) }))
            }
            func positions(_ wanted: String...) -> UnsafeBufferPointer<Int> {
                arena.copy(wanted.flatMap { name in names.indices.filter { names[$0].name == name } })
            }
            let ruleBytes = Self.bytes {
                Self.writeRule(id: rule.id, category: rule.category, titles: titles, builtin: builtin,
                               references: references, into: $0)
            }
            pieces.append(RulePieces(
                event: arena.copy(Self.bytes {
                    Self.writeEventHead(rule.category, ruleID: rule.id, starting: startup.contains(rule.id), into: $0)
                }),
                severity: arena.copy(Self.bytes { Self.writeSeverity(rule.severity, into: $0) }),
                rule: arena.copy(ruleBytes), groups: arena.copy(groups), url: positions("url"), host: positions("host"),
                port: positions("port"), scheme: positions("scheme"),
                errorCodes: positions("wininet_code", "curl_code", "http_code"), errorName: positions("wininet_name")))
        }
        self.rules = arena.copy(pieces)
        maxGroups = rules.map(\.groupNames.count).max() ?? 0
    }

    private static func bytes(_ write: (JSONBytes) -> Void) -> [UInt8] {
        let out = JSONBytes(capacity: 256)
        write(out)
        return Array(out.bytes)
    }

    static func writeEventHead(_ category: RuleCategory, ruleID: String, starting: Bool, into out: JSONBytes) {
        let ecs = NDJSONReport.ecs(category, ruleID: ruleID, starting: starting)
        out.append(",\"event\":{\"kind\":\"event\",\"category\":[")
        for (index, value) in ecs.category.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.appendString(value)
        }
        out.append("],\"type\":[")
        for (index, value) in ecs.type.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.appendString(value)
        }
        out.append("],\"outcome\":")
        out.appendString(ecs.outcome)
    }

    static func writeSeverity(_ severity: RuleSeverity, into out: JSONBytes) {
        out.append(",\"module\":\"arcgis\",\"severity\":")
        out.appendDecimal(NDJSONReport.severityNumber(severity))
    }

    func writeRule(id: String, category: RuleCategory, into out: JSONBytes) {
        Self.writeRule(id: id, category: category, titles: titles, builtin: builtin, references: references, into: out)
    }

    static func writeRule(id: String, category: RuleCategory, titles: [String: String], builtin: [String: Bool],
                          references: [String: String], into out: JSONBytes) {
        out.append(",\"rule\":{\"id\":")
        out.appendString(id)
        out.append(",\"name\":")
        out.appendString(titles[id] ?? id)
        out.append(",\"category\":")
        out.appendString(category.rawValue)
        out.append(",\"ruleset\":")
        out.append(builtin[id] == true ? "\"gislog-default\"" : "\"local\"")
        if let reference = references[id] {
            out.append(",\"reference\":")
            out.appendString(reference)
        }
        out.append(UInt8(ascii: "}"))
    }
}

/// Writes the event lines of the NDJSON feed straight to bytes: from a rule hit (the record's bytes, no
/// `Event`, no `String` unless a value needs repair, entity decoding or redaction) or from an `Event`.
/// One per worker thread: it owns a redactor and scratch memory.
public final class NDJSONEventEncoder {
    public let layout: NDJSONEventLayout
    private let redactor: Redactor?
    /// The zone's offset when it never changes (no rules to look up per event).
    private let fixedOffset: Int?
    /// The escaped values of one hit's named groups; where each lies, by position in the rule's groups
    /// (`lowerBound` -1: the group took no part).
    private let values = JSONBytes(capacity: 4096)
    private let valueRanges: UnsafeMutableBufferPointer<Range<Int>>
    /// `,"dataset":"arcgis.…"`, `"path":…`, `"component":…` of the current file, and the machine of the
    /// last hit as a JSON string (by the record's machine number in the file), all in `fileBytes`.
    private let fileBytes = JSONBytes(capacity: 1024)
    private var dataset = UnsafeRawBufferPointer(start: nil, count: 0)
    private var path = UnsafeRawBufferPointer(start: nil, count: 0)
    private var component = UnsafeRawBufferPointer(start: nil, count: 0)
    private var machine = UnsafeRawBufferPointer(start: nil, count: 0)
    private var machineIndex = Int.min
    private var fileEnd = 0
    private let timestamps = TimestampCache()

    /// - Parameter redact: hide secrets in what lines written from hits show (as the rule engine does for
    ///   events; lines written from events show them as they are).
    public init(layout: NDJSONEventLayout, redact: Bool) {
        self.layout = layout
        redactor = redact ? Redactor() : nil
        fixedOffset = layout.zone.fixedOffset
        valueRanges = .allocate(capacity: max(1, layout.maxGroups))
    }

    deinit { valueRanges.deallocate() }

    /// The file the next hits come from.
    public func beginFile(_ file: InputFile) {
        fileBytes.removeAll()
        fileBytes.append(",\"dataset\":")
        fileBytes.appendString(file.product.dataset)
        let datasetEnd = fileBytes.count
        fileBytes.append("\"path\":")
        fileBytes.appendString(file.path)
        let pathEnd = fileBytes.count
        fileBytes.append("\"component\":")
        fileBytes.appendString(file.component.rawValue)
        fileEnd = fileBytes.count
        let all = fileBytes.bytes
        dataset = UnsafeRawBufferPointer(rebasing: all[0..<datasetEnd])
        path = UnsafeRawBufferPointer(rebasing: all[datasetEnd..<pathEnd])
        component = UnsafeRawBufferPointer(rebasing: all[pathEnd..<fileEnd])
        machineIndex = Int.min
    }

    /// `record`'s machine as a JSON string, escaped once per run of records from one machine.
    private func machineBytes(_ record: borrowing RecordView) -> UnsafeRawBufferPointer {
        if record.machineIndex != machineIndex || record.machineIndex < 0 {
            // After the file's own pieces, which move along if the buffer has to grow.
            fileBytes.truncate(to: fileEnd)
            let base = fileBytes.base
            fileBytes.appendString(record.machine)
            if fileBytes.base != base { rebaseFilePieces() }
            machine = UnsafeRawBufferPointer(rebasing: fileBytes.bytes[fileEnd...])
            machineIndex = record.machineIndex
        }
        return machine
    }

    /// The file's pieces after `fileBytes` moved to bigger memory.
    private func rebaseFilePieces() {
        let all = fileBytes.bytes
        let datasetCount = dataset.count, pathCount = path.count
        dataset = UnsafeRawBufferPointer(rebasing: all[0..<datasetCount])
        path = UnsafeRawBufferPointer(rebasing: all[datasetCount..<(datasetCount + pathCount)])
        component = UnsafeRawBufferPointer(rebasing: all[(datasetCount + pathCount)..<fileEnd])
    }

    // MARK: - From a hit

    /// Appends the line (with its newline) of a hit in the current file.
    public func append(_ hit: borrowing RuleHit, to out: JSONBytes) {
        let pieces = layout.rules[hit.ruleIndex]
        let entities = !hit.record.isDecoded
        out.append("{\"@timestamp\":")
        if let time = hit.record.time {
            out.append(UInt8(ascii: "\""))
            timestamps.append(utcMillis: time, offsetSeconds: fixedOffset ?? layout.zone.offset(atUTC: time), to: out)
            out.append(UInt8(ascii: "\""))
        } else {
            out.append("null")
        }
        out.append(",\"message\":")
        appendText(TextRepair.trimmed(hit.record.textBytes), entities: entities, redact: true, to: out)
        out.append(pieces.event)
        if let code = hit.record.code {
            out.append(",\"code\":\"")
            out.appendDecimal(code)
            out.append(UInt8(ascii: "\""))
        }
        out.append(dataset)
        out.append(pieces.severity)
        if layout.includeOriginal {
            out.append(",\"original\":")
            appendText(hit.record.recordBytes, entities: false, redact: true, to: out)
        }
        out.append("},\"log\":{\"level\":")
        out.append(layout.levelNames[Int(hit.record.level.rawValue)])
        out.append(",\"file\":{")
        out.append(path)
        out.append("},\"offset\":")
        out.appendDecimal(hit.record.byteOffset)
        if let source = hit.record.bytes(.source) {
            out.append(",\"logger\":")
            appendText(source, entities: entities, redact: false, to: out)
        }
        out.append("},\"host\":{\"name\":")
        out.append(machineBytes(hit.record))
        out.append(UInt8(ascii: "}"))
        // ECS `tags`: a record cut off (by a crash, say) and read as it is; its message may be incomplete.
        if hit.record.isUnterminated { out.append(",\"tags\":[\"unterminated\"]") }
        if let pid = integer(hit.record.bytes(.process), entities: entities) {
            out.append(",\"process\":{\"pid\":")
            out.appendDecimal(pid)
            if let thread = integer(hit.record.bytes(.thread), entities: entities) {
                out.append(",\"thread\":{\"id\":")
                out.appendDecimal(thread)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "}"))
        }
        if let user = hit.record.bytes(.user), user.count > 0 {
            out.append(",\"user\":{\"name\":")
            appendText(user, entities: entities, redact: false, to: out)
            out.append(UInt8(ascii: "}"))
        }

        // The named groups that took part, each escaped once: ECS fields and `gislog.fields` share them.
        values.removeAll()
        let subject = hit.subject, groups = hit.groupBuffer
        for (position, group) in pieces.groups.enumerated() {
            guard group.number < groups.count, let range = groups[group.number] else {
                valueRanges[position] = -1 ..< -1
                continue
            }
            let start = values.count
            appendText(UnsafeRawBufferPointer(rebasing: subject[range]), entities: entities, redact: true, to: values)
            valueRanges[position] = start..<values.count
        }
        let all = values.bytes
        @inline(__always) func first(_ positions: UnsafeBufferPointer<Int>) -> UnsafeRawBufferPointer? {
            for position in positions where valueRanges[position].lowerBound >= 0 {
                return UnsafeRawBufferPointer(rebasing: all[valueRanges[position]])
            }
            return nil
        }
        if let url = first(pieces.url) {
            out.append(",\"url\":{\"full\":")
            out.append(url)
            if let host = first(pieces.host) {
                out.append(",\"domain\":")
                out.append(host)
            }
            if let port = first(pieces.port), let number = Self.integer(quoted: port) {
                out.append(",\"port\":")
                out.appendDecimal(number)
            }
            if let scheme = first(pieces.scheme) {
                out.append(",\"scheme\":")
                out.append(scheme)
            }
            out.append(UInt8(ascii: "}"))
        }
        if let code = first(pieces.errorCodes) {
            out.append(",\"error\":{\"code\":")
            out.append(code)
            if let name = first(pieces.errorName) {
                out.append(",\"type\":")
                out.append(name)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(pieces.rule)
        out.append(",\"labels\":{")
        out.append(component)
        if let request = hit.record.bytes(.requestID), request.count > 0 {
            out.append(",\"request_id\":")
            appendText(request, entities: entities, redact: false, to: out)
        }
        if let method = hit.record.bytes(.methodName), method.count > 0 {
            out.append(",\"method_name\":")
            appendText(method, entities: entities, redact: false, to: out)
        }
        out.append(",\"line\":\"")
        out.appendDecimal(hit.record.line)
        out.append("\"},\"gislog\":{\"schema_version\":")
        out.appendDecimal(NDJSONReport.schemaVersion)
        out.append(",\"fields\":{")
        var comma = false
        for (position, group) in pieces.groups.enumerated() where valueRanges[position].lowerBound >= 0 {
            if comma { out.append(UInt8(ascii: ",")) }
            comma = true
            out.append(group.key)
            out.append(UnsafeRawBufferPointer(rebasing: all[valueRanges[position]]))
        }
        out.append("}}}\n")
        // One huge record should not keep the scratch memory big.
        if values.capacity > 1 << 20 { values.shrink(to: 4096) }
    }

    /// Log text as a JSON string, as the `Event` would hold it: XML entities decoded (when `entities`),
    /// invalid UTF-8 read as Windows-1252, secrets redacted (when `redact` and the encoder redacts). The bytes
    /// are written as they are when none of that can change them; only then is no `String` made.
    private func appendText(_ raw: UnsafeRawBufferPointer, entities: Bool, redact: Bool, to out: JSONBytes) {
        Self.appendText(raw, entities: entities, redactor: redact ? redactor : nil, to: out)
    }

    /// `appendText` for any writer of log text as JSON (the every-record feed too): `redactor` nil writes
    /// secrets as they are.
    static func appendText(_ raw: UnsafeRawBufferPointer, entities: Bool, redactor: Redactor?, to out: JSONBytes) {
        let mayRedact = redactor != nil
        // One pass says what the text holds; plain ASCII with nothing to decode, redact or escape (most
        // values: codes, hosts, ports) is copied as it is.
        let found = Self.classify(raw)
        if found & (Self.ampersand | Self.nonASCII | Self.separator | Self.needsEscape) == 0 {
            out.append(UInt8(ascii: "\""))
            out.append(raw)
            out.append(UInt8(ascii: "\""))
            return
        }
        if !(entities && found & Self.ampersand != 0), found & Self.nonASCII == 0 || JSONBytes.isValidUTF8(raw),
           !(mayRedact && found & Self.separator != 0 && Redactor.mayHoldSecret(raw)) {
            if found & (Self.nonASCII | Self.needsEscape) == 0 {
                // Nothing to escape (the usual message with a URL in it): copied without a second look.
                out.append(UInt8(ascii: "\""))
                out.append(raw)
                out.append(UInt8(ascii: "\""))
            } else {
                out.appendString(raw)
            }
            return
        }
        var text = entities ? TextRepair.xmlString(raw) : TextRepair.string(raw)
        if mayRedact, let redactor { text = redactor.redact(text) }
        out.appendString(text)
    }

    static let ampersand = 1, nonASCII = 2, separator = 4, needsEscape = 8
    private static let hasAVX2 = gislog_has_avx2() != 0

    /// Which of `&`, bytes above 0x7F, `:` or `=` (where a secret could follow), and bytes JSON escapes
    /// (below 0x20, `"`, `\`, 0x7F) the text holds, as bits; eight bytes at a time.
    @inline(__always)
    static func classify(_ text: UnsafeRawBufferPointer) -> Int {
        guard let base = text.baseAddress else { return 0 }
        // A message or URL: 32 bytes a step in C where the CPU has AVX2; else, and for a short value (a code,
        // a port), eight bytes a step here.
        if text.count >= 32 && hasAVX2 {
            return Int(gislog_json_classify(base.assumingMemoryBound(to: UInt8.self), text.count))
        }
        return classifyWords(text)
    }

    /// `classify` eight bytes at a time (the reference the vectorised one is tested against).
    static func classifyWords(_ text: UnsafeRawBufferPointer) -> Int {
        guard let base = text.baseAddress else { return 0 }
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func has(_ word: UInt64, _ byte: UInt64) -> UInt64 {
            let value = word ^ (ones &* byte)
            return (value &- ones) & ~value & highs
        }
        var ampersands: UInt64 = 0, high: UInt64 = 0, separators: UInt64 = 0, escapes: UInt64 = 0
        var index = 0
        let count = text.count
        while index + 8 <= count {
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            ampersands |= has(word, 0x26)
            high |= word
            separators |= has(word, 0x3A) | has(word, 0x3D)
            escapes |= ((word &- ones &* 0x20) & ~word) | has(word, 0x22) | has(word, 0x5C) | has(word, 0x7F)
            index += 8
        }
        var tail: UInt64 = 0
        if index < count {
            // The last bytes, padded with spaces (which are none of the above).
            tail = 0x2020_2020_2020_2020
            withUnsafeMutableBytes(of: &tail) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: text[index...])) }
            ampersands |= has(tail, 0x26)
            high |= tail
            separators |= has(tail, 0x3A) | has(tail, 0x3D)
            escapes |= ((tail &- ones &* 0x20) & ~tail) | has(tail, 0x22) | has(tail, 0x5C) | has(tail, 0x7F)
        }
        return (ampersands & highs != 0 ? ampersand : 0) | (high & highs != 0 ? nonASCII : 0)
            | (separators & highs != 0 ? separator : 0) | (escapes & highs != 0 ? needsEscape : 0)
    }

    /// An attribute as `Int(String)` reads its display text: an optional sign and decimal digits, in range.
    private func integer(_ raw: UnsafeRawBufferPointer?, entities: Bool) -> Int? { Self.integer(raw, entities: entities) }

    /// An attribute as `Int(String)` reads its display text (XML entities decoded when `entities`).
    static func integer(_ raw: UnsafeRawBufferPointer?, entities: Bool) -> Int? {
        guard let raw else { return nil }
        if entities && JSONBytes.contains(raw, UInt8(ascii: "&")) { return Int(TextRepair.xmlString(raw)) }
        return Self.integer(raw)
    }

    /// `Int(String)` on bytes: `+` or `-`, then one or more ASCII digits, within `Int`'s range.
    static func integer(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var index = 0
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            negative = first == UInt8(ascii: "-")
            index = 1
        }
        guard index < bytes.count else { return nil }
        var value = 0
        while index < bytes.count {
            let digit = Int(bytes[index]) &- 48
            guard digit >= 0 && digit <= 9 else { return nil }
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !overflow && !overflow2 else { return nil }
            value = sum
            index += 1
        }
        return value
    }

    /// `Int(String)` on a value written as a JSON string: escapes never stand for a sign or a digit, so the
    /// escaped text reads as a number exactly when the text does.
    static func integer(quoted: UnsafeRawBufferPointer) -> Int? {
        guard quoted.count >= 2 else { return nil }
        return integer(UnsafeRawBufferPointer(rebasing: quoted[1..<(quoted.count - 1)]))
    }

    // MARK: - From an event

    /// Appends the line (with its newline) of an event (read from another gislog's feed, or kept by a
    /// report). Its text is written as it is: events are redacted when they are made.
    public func append(_ event: Event, to out: JSONBytes) {
        out.append("{\"@timestamp\":")
        if let time = event.time { layout.zone.appendFormatted(utcMillis: time, to: out) } else { out.append("null") }
        out.append(",\"message\":")
        out.appendString(event.message)
        NDJSONEventLayout.writeEventHead(event.category, ruleID: event.ruleID,
                                         starting: layout.startup.contains(event.ruleID), into: out)
        if let code = event.code {
            out.append(",\"code\":\"")
            out.appendDecimal(code)
            out.append(UInt8(ascii: "\""))
        }
        out.append(",\"dataset\":")
        out.appendString(event.product.dataset)
        NDJSONEventLayout.writeSeverity(event.severity, into: out)
        if layout.includeOriginal, let original = event.original {
            out.append(",\"original\":")
            out.appendString(original)
        }
        out.append("},\"log\":{\"level\":")
        out.append(layout.levelNames[Int(event.level.rawValue)])
        out.append(",\"file\":{\"path\":")
        out.appendString(event.path)
        out.append("},\"offset\":")
        out.appendDecimal(event.byteOffset)
        if let source = event.source {
            out.append(",\"logger\":")
            out.appendString(source)
        }
        out.append("},\"host\":{\"name\":")
        out.appendString(event.machine)
        out.append(UInt8(ascii: "}"))
        if event.unterminated { out.append(",\"tags\":[\"unterminated\"]") }
        if let pid = event.process.flatMap(Int.init) {
            out.append(",\"process\":{\"pid\":")
            out.appendDecimal(pid)
            if let thread = event.thread.flatMap(Int.init) {
                out.append(",\"thread\":{\"id\":")
                out.appendDecimal(thread)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "}"))
        }
        if let user = event.user, !user.isEmpty {
            out.append(",\"user\":{\"name\":")
            out.appendString(user)
            out.append(UInt8(ascii: "}"))
        }
        if let url = event.field("url") {
            out.append(",\"url\":{\"full\":")
            out.appendString(url)
            if let host = event.field("host") {
                out.append(",\"domain\":")
                out.appendString(host)
            }
            if let port = event.field("port").flatMap(Int.init) {
                out.append(",\"port\":")
                out.appendDecimal(port)
            }
            if let scheme = event.field("scheme") {
                out.append(",\"scheme\":")
                out.appendString(scheme)
            }
            out.append(UInt8(ascii: "}"))
        }
        if let code = event.field("wininet_code") ?? event.field("curl_code") ?? event.field("http_code") {
            out.append(",\"error\":{\"code\":")
            out.appendString(code)
            if let name = event.field("wininet_name") {
                out.append(",\"type\":")
                out.appendString(name)
            }
            out.append(UInt8(ascii: "}"))
        }
        layout.writeRule(id: event.ruleID, category: event.category, into: out)
        out.append(",\"labels\":{\"component\":")
        out.appendString(event.component.rawValue)
        if let request = event.requestID, !request.isEmpty {
            out.append(",\"request_id\":")
            out.appendString(request)
        }
        if let method = event.methodName, !method.isEmpty {
            out.append(",\"method_name\":")
            out.appendString(method)
        }
        out.append(",\"line\":\"")
        out.appendDecimal(event.line)
        out.append("\"},\"gislog\":{\"schema_version\":")
        out.appendDecimal(NDJSONReport.schemaVersion)
        out.append(",\"fields\":{")
        for (index, field) in event.fields.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.appendString(field.name)
            out.append(UInt8(ascii: ":"))
            out.appendString(field.value)
        }
        out.append("}}}\n")
    }
}
