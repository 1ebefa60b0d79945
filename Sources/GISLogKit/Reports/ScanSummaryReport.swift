/// Renders what a scan read and what its rules found, per rule: the summary printed by `gislog scan`
/// until the root-cause report exists, as text or JSON.
public struct ScanSummaryReport {
    public var result: ScanResult
    public var options: ScanOptions
    /// The events, in time order, and the rules that were loaded (nil for a scan without rules).
    public var events: [Event]
    public var rulesLoaded: Int
    /// The `gislog` version, for the JSON header.
    public var version: String

    public init(result: ScanResult, options: ScanOptions, version: String, events: [Event] = [], rulesLoaded: Int = 0) {
        self.result = result
        self.options = options
        self.events = events
        self.rulesLoaded = rulesLoaded
        self.version = version
    }

    public init(_ ruleScan: RuleScanResult, options: ScanOptions, version: String) {
        self.init(result: ruleScan.scan, options: options, version: version, events: ruleScan.events,
                  rulesLoaded: ruleScan.ruleSet.rules.count)
    }

    private var coverage: Coverage { result.coverage }

    /// Events grouped by rule, in category order, then by count.
    struct RuleTally {
        var ruleID: String
        var category: RuleCategory
        var count = 0
        var first: Int64?
        var last: Int64?
        var machines: [String] = []
        var example: Event
    }

    var tallies: [RuleTally] {
        var byRule: [String: RuleTally] = [:]
        for event in events {
            var tally = byRule[event.ruleID] ?? RuleTally(ruleID: event.ruleID, category: event.category, example: event)
            tally.count += 1
            if let time = event.time {
                if tally.first.map({ time < $0 }) ?? true { tally.first = time }
                if tally.last.map({ time > $0 }) ?? true { tally.last = time }
            }
            if !tally.machines.contains(event.machine) { tally.machines.append(event.machine) }
            byRule[event.ruleID] = tally
        }
        return byRule.values.sorted { ($0.category, -$0.count, $0.ruleID) < ($1.category, -$1.count, $1.ruleID) }
    }
    private var zone: LogTimeZone { options.timeZone }

    // MARK: - Text

    /// A summary for a terminal, readable at 80 columns.
    public func text() -> String {
        var out = ""
        let files = coverage.files.count
        out += "gislog scan — \(files) file\(files == 1 ? "" : "s") read"
        if coverage.gzipFiles > 0 { out += " (\(coverage.gzipFiles) gzip)" }
        out += ", \(Format.bytes(coverage.storedBytes)) on disk, \(Format.bytes(coverage.totals.decodedBytes)) of text\n"
        out += "Time zone of the logs: \(zone.name)\n"
        if let range = coverage.timeRange {
            out += "Time range: \(zone.format(utcMillis: range.first)) … \(zone.format(utcMillis: range.last))\n"
        } else {
            out += "Time range: none (no record with a readable time)\n"
        }
        out += "\nRecords: \(Format.count(coverage.totals.records))\n"
        let levels = Level.reportOrder.compactMap { level -> String? in
            let count = coverage.recordsByLevel[level] ?? 0
            return level == .unknown && count == 0 ? nil : "\(level.name) \(Format.count(count))"
        }
        out += "  " + levels.joined(separator: " · ") + "\n"
        let totals = coverage.totals
        out += "  unparsed lines \(Format.count(totals.unparsedLines)) · cut records \(totals.oversizedRecords)"
            + " · unterminated \(totals.unterminatedRecords) · without time \(totals.badTimes)\n"
        if !coverage.machines.isEmpty {
            out += "\nMachines\n"
            let width = min(40, coverage.machines.map(\.machine.count).max() ?? 0)
            for span in coverage.machines {
                out += "  " + Format.padded(span.machine, width) + "  " + Format.count(span.records) + " records\n"
                if let first = span.first, let last = span.last {
                    out += "    \(zone.format(utcMillis: first)) … \(zone.format(utcMillis: last))\n"
                }
            }
        }
        if rulesLoaded > 0 {
            out += "\nEvents: \(Format.count(events.count)) from \(rulesLoaded) rules\n"
            for tally in tallies {
                out += "  " + Format.padded(tally.category.rawValue, 12) + " " + Format.padded(tally.ruleID, 34)
                    + " " + Format.count(tally.count) + "\n"
                if let first = tally.first, let last = tally.last {
                    out += "    \(zone.format(utcMillis: first)) … \(zone.format(utcMillis: last))"
                        + " on \(tally.machines.sorted().joined(separator: ", "))\n"
                }
                let example = tally.example
                out += "    e.g. \(example.path):\(example.line): " + Format.terminalSafe(Format.clip(example.message, 160)) + "\n"
            }
        }
        out += "\nFiles: \(coverage.filesRead) read"
        out += ", \(coverage.filesDamaged) with problems, \(coverage.filesFailed) unreadable"
        if coverage.utf16Files > 0 { out += ", \(coverage.utf16Files) UTF-16" }
        if coverage.adminJSONFiles > 0 { out += ", \(coverage.adminJSONFiles) Admin API JSON" }
        out += "\n"
        let skipped = coverage.skippedByReason
        if !skipped.isEmpty {
            out += "  skipped: " + skipped.map { "\($0.count) \(Self.describe($0.reason, $0.count))" }
                .joined(separator: ", ") + "\n"
        }
        if !result.warnings.isEmpty {
            out += "\nWarnings (\(result.warnings.count))\n"
            for warning in result.warnings.prefix(50) {
                out += "  " + Format.terminalSafe(warning.description) + "\n"
            }
            if result.warnings.count > 50 { out += "  … and \(result.warnings.count - 50) more (see --format json)\n" }
        }
        return out
    }

    private static func describe(_ reason: SkippedFile.Reason, _ count: Int) -> String {
        let plural = count == 1 ? "" : "s"
        switch reason {
        case .lockFile: return "lock file\(plural) (*.lck)"
        case .notALog: return count == 1 ? "file that is not a log" : "files that are not logs"
        case .archive: return "zip archive\(plural) (unzip to scan)"
        case .special: return "special file\(plural)"
        }
    }

    // MARK: - JSON

    /// The coverage as a JSON document (keys documented in the README).
    public func json() -> String {
        var json = JSONWriter(pretty: true)
        json.beginObject()
        json.key("gislog"); json.beginObject(); json.field("version", version); json.endObject()
        json.key("inputs"); json.beginArray(); for path in options.paths { json.value(path) }; json.endArray()
        json.field("time_zone", zone.name)
        json.key("coverage")
        writeCoverage(into: &json)
        json.key("events")
        json.beginObject()
        json.field("total", events.count)
        json.field("rules_loaded", rulesLoaded)
        json.key("by_rule")
        json.beginArray()
        for tally in tallies {
            json.beginObject()
            json.field("rule", tally.ruleID)
            json.field("category", tally.category.rawValue)
            json.field("count", tally.count)
            json.field("first", tally.first.map { zone.format(utcMillis: $0) })
            json.field("last", tally.last.map { zone.format(utcMillis: $0) })
            json.key("machines"); json.beginArray(); for machine in tally.machines.sorted() { json.value(machine) }; json.endArray()
            json.key("example")
            json.beginObject()
            json.field("path", tally.example.path)
            json.field("line", tally.example.line)
            json.field("message", tally.example.message)
            json.endObject()
            json.endObject()
        }
        json.endArray()
        json.endObject()
        json.key("warnings")
        Self.writeWarnings(result.warnings, into: &json)
        json.endObject()
        return json.output + "\n"
    }

    func writeCoverage(into json: inout JSONWriter) {
        let totals = coverage.totals
        json.beginObject()
        json.field("records", totals.records)
        json.key("records_by_level")
        json.beginObject()
        for level in Level.reportOrder { json.field(level.name, coverage.recordsByLevel[level] ?? 0) }
        json.endObject()
        json.field("unparsed", totals.unparsedLines)
        json.field("oversized_records", totals.oversizedRecords)
        json.field("unterminated_records", totals.unterminatedRecords)
        json.field("records_without_time", totals.badTimes)
        json.key("time_range")
        if let range = coverage.timeRange {
            json.beginObject()
            json.field("first", zone.format(utcMillis: range.first))
            json.field("last", zone.format(utcMillis: range.last))
            json.endObject()
        } else {
            json.null()
        }
        json.key("bytes")
        json.beginObject()
        json.field("stored", coverage.storedBytes)
        json.field("decoded", totals.decodedBytes)
        json.endObject()
        json.key("file_counts")
        json.beginObject()
        json.field("read", coverage.filesRead)
        json.field("damaged", coverage.filesDamaged)
        json.field("failed", coverage.filesFailed)
        json.field("skipped", coverage.skipped.count)
        json.field("gzip", coverage.gzipFiles)
        json.endObject()
        json.key("machines")
        json.beginArray()
        for span in coverage.machines {
            json.beginObject()
            json.field("name", span.machine)
            json.field("records", span.records)
            json.field("first", span.first.map { zone.format(utcMillis: $0) })
            json.field("last", span.last.map { zone.format(utcMillis: $0) })
            json.endObject()
        }
        json.endArray()
        json.key("files")
        json.beginArray()
        for file in coverage.files {
            json.beginObject()
            json.field("path", file.file.path)
            json.field("status", file.status.rawValue)
            json.field("product", file.file.product.rawValue)
            json.field("component", file.file.component.rawValue)
            json.field("machine", file.file.machine)
            json.field("format", file.format?.rawValue)
            json.field("gzip", file.encoding.gzip)
            json.field("encoding", file.encoding.utf16?.rawValue ?? "utf-8")
            json.field("stored_bytes", file.storedBytes)
            json.field("decoded_bytes", file.counters.decodedBytes)
            json.field("records", file.counters.records)
            json.field("unparsed", file.counters.unparsedLines)
            json.endObject()
        }
        json.endArray()
        json.key("skipped")
        json.beginArray()
        for file in coverage.skipped {
            json.beginObject()
            json.field("path", file.path)
            json.field("reason", file.reason.rawValue)
            json.endObject()
        }
        json.endArray()
        json.endObject()
    }

    static func writeWarnings(_ warnings: [ScanWarning], into json: inout JSONWriter) {
        json.beginArray()
        for warning in warnings {
            json.beginObject()
            json.field("kind", warning.kind.rawValue)
            json.field("path", warning.path)
            switch warning.location {
            case .line(let line)?: json.field("line", line)
            case .byteOffset(let offset)?: json.field("byte_offset", offset)
            case .compressedOffset(let offset)?: json.field("compressed_offset", offset)
            case nil: break
            }
            json.field("message", warning.message)
            json.field("hint", warning.hint)
            json.endObject()
        }
        json.endArray()
    }
}

/// Number and text formatting shared by the reports.
public enum Format {
    /// `1,234,567`.
    public static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }

    /// `512 B`, `4.2 KB`, `210.5 MB`, `1.3 GB` (powers of 1000, one decimal).
    public static func bytes(_ value: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var scaled = Double(value)
        var unit = 0
        while scaled >= 1000 && unit < units.count - 1 {
            scaled /= 1000
            unit += 1
        }
        if unit == 0 { return "\(value) B" }
        let tenths = Int((scaled * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }

    /// At most `limit` characters, with an ellipsis when cut.
    public static func clip(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }

    static func padded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// Replaces control characters (ESC, CR, BEL, …) so log text cannot drive the terminal.
    public static func terminalSafe(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || ($0.value >= 0x7F && $0.value < 0xA0) }) else {
            return text
        }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0) {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}
