public import GISLogRules
import GISLogRecords
public import GISLogInput
public import GISLogSupport

/// Reads `gislog scan --format ndjson` output made on another machine, so that one scan can correlate the
/// events of many machines as if their logs were local: events become events again (the rules already ran
/// there), coverage lines give each machine's span, and alerts are ignored (they are recomputed here).
package final class FeedReader {
    private let source: any ByteSource
    private let warnings: WarningLog
    private(set) var counters = ReaderCounters()
    /// Machines and spans announced by coverage lines.
    private(set) var spans: [MachineSpan] = []

    package init(source: any ByteSource, warnings: WarningLog) {
        self.source = source
        self.warnings = warnings
    }

    /// Reads every line, handing events to `body`.
    package func run(_ body: (Event) -> Void) throws(InputError) {
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256 << 10)
        var lineNumber = 0
        var reportedBadLine = false
        func handle(_ line: ArraySlice<UInt8>) {
            lineNumber += 1
            counters.lines += 1
            guard line.contains(where: { !TextRepair.isSpace($0) }) else { return }
            guard let value = try? JSONValue.parse(Array(line)) else {
                counters.unparsedLines += 1
                if !reportedBadLine {
                    reportedBadLine = true
                    warnings.add(.invalidJSON, at: .line(lineNumber), "a line is not a JSON object; skipped it",
                                 hint: "the feed may have been cut or mixed with other output")
                }
                return
            }
            switch value["event"]?["kind"]?.string {
            case "event":
                if let event = Self.event(from: value) {
                    counters.records += 1
                    body(event)
                } else {
                    counters.unparsedLines += 1
                }
            case "state":
                if let span = Self.span(from: value) { spans.append(span) }
            default:
                break
            }
        }
        while true {
            var outcome: Result<Int, InputError> = .success(0)
            chunk.withUnsafeMutableBytes { raw in outcome = Result { () throws(InputError) in try source.read(into: raw) } }
            let count = try outcome.get()
            counters.decodedBytes += Int64(count)
            if count == 0 { break }
            pending += chunk[..<count]
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                handle(pending[start..<newline])
                start = newline + 1
            }
            pending.removeSubrange(..<start)
            if pending.count > 16 << 20 {
                warnings.add(.oversizedRecord, at: .line(lineNumber + 1), "a line longer than 16 MiB; skipped it",
                             hint: "this does not look like gislog's NDJSON feed")
                pending.removeAll()
            }
        }
        if !pending.isEmpty { handle(pending[...]) }
    }

    static func time(_ value: JSONValue?) -> Int64? {
        guard let text = value?.string else { return nil }
        return try? TimeSpec.parse(text, zone: .utc, now: 0)
    }

    static func event(from value: JSONValue) -> Event? {
        guard let rule = value["rule"], let ruleID = rule["id"]?.string,
              let category = rule["category"]?.string.flatMap(RuleCategory.init),
              let machine = value["host"]?["name"]?.string, let message = value["message"]?.string else { return nil }
        let severity: RuleSeverity = switch value["event"]?["severity"]?.int {
        case 1: .informational
        case 2: .low
        case 4: .high
        case 5: .critical
        default: .medium
        }
        var fields: [EventField] = []
        if case .object(let pairs)? = value["gislog"]?["fields"] {
            for (name, field) in pairs { if let text = field.string { fields.append(EventField(name: name, value: text)) } }
        }
        let dataset = value["event"]?["dataset"]?.string ?? ""
        let product = Product(rawValue: String(dataset.dropFirst("arcgis.".count))) ?? .unknown
        let labels = value["labels"]
        var event = Event(
            ruleID: ruleID, category: category, severity: severity, time: time(value["@timestamp"]), machine: machine,
            product: product, component: labels?["component"]?.string.flatMap(Component.init) ?? .unknown,
            path: value["log"]?["file"]?["path"]?.string ?? "", line: labels?["line"]?.string.flatMap(Int.init) ?? 0,
            byteOffset: value["log"]?["offset"]?.int64 ?? 0, level: Level(name: value["log"]?["level"]?.string ?? ""),
            code: value["event"]?["code"]?.string.flatMap(Int.init), source: value["log"]?["logger"]?.string,
            process: value["process"]?["pid"]?.int.map(String.init),
            thread: value["process"]?["thread"]?["id"]?.int.map(String.init), user: value["user"]?["name"]?.string,
            requestID: labels?["request_id"]?.string, methodName: labels?["method_name"]?.string, message: message,
            fields: fields, original: value["event"]?["original"]?.string)
        event.unterminated = value["tags"]?.array?.contains { $0.string == "unterminated" } ?? false
        return event
    }

    static func span(from value: JSONValue) -> MachineSpan? {
        guard value["event"]?["dataset"]?.string == "gislog.coverage", let machine = value["host"]?["name"]?.string,
              let coverage = value["gislog"]?["coverage"] else { return nil }
        var span = MachineSpan(machine: machine, records: coverage["records"]?.int ?? 0)
        span.first = time(value["event"]?["start"])
        span.last = time(value["event"]?["end"])
        if case .object(let pairs)? = coverage["records_by_level"] {
            for (name, count) in pairs {
                let level = Level(name: name)
                span.levelCounts[Int(level.rawValue)] += count.int ?? 0
            }
        }
        return span
    }
}
