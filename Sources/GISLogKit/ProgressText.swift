internal import GISLogReports

/// The words of the progress line and of the summary a terminal sees after a scan. Pure formatting: the
/// display that draws them lives in the command-line tool.
public enum ProgressText {
    /// What the reading phase has done so far.
    public struct Reading: Sendable {
        public var filesDone: Int
        public var totalFiles: Int
        /// Bytes read from disk so far, with those of finished files that needed no reading.
        public var position: Int64
        /// The size of all files, when known.
        public var total: Int64?
        /// Bytes inflated from gzip files so far.
        public var inflated: Int64
        /// Bytes per second read lately, when known.
        public var rate: Double?

        public init(filesDone: Int, totalFiles: Int, position: Int64, total: Int64?, inflated: Int64, rate: Double?) {
            self.filesDone = filesDone
            self.totalFiles = totalFiles
            self.position = position
            self.total = total
            self.inflated = inflated
            self.rate = rate
        }
    }

    /// `gislog: reading 1/2 files: 160.0 MB of 480.0 MB (33%), 1.1 GB inflated, 52.0 MB/s, ETA 6 s`; without a
    /// total (or past it: a log that grew), just the bytes and the rate.
    public static func reading(_ reading: Reading) -> String {
        var line = "gislog: reading \(reading.filesDone)/\(reading.totalFiles) files: "
        var remaining: Int64?
        if let total = reading.total, total > 0, reading.position <= total {
            let percent = Int(reading.position * 100 / total)
            line += "\(Format.bytes(reading.position)) of \(Format.bytes(total)) (\(percent)%)"
            remaining = total - reading.position
        } else {
            line += Format.bytes(reading.position)
        }
        if reading.inflated > 0 { line += ", \(Format.bytes(reading.inflated)) inflated" }
        if let rate = reading.rate {
            line += ", \(Self.rate(rate))"
            if let remaining, let eta = eta(remaining: remaining, rate: rate) { line += ", ETA \(eta)" }
        }
        return line
    }

    /// The line of a phase after reading, with the time spent in it so far.
    public static func phase(_ phase: ScanPhase, count: Int, elapsed: Double) -> String {
        let what = switch phase {
        case .reading: "reading"
        case .correlating: "correlating \(Format.count(count)) event\(count == 1 ? "" : "s")"
        case .probing: "probing \(Format.count(count)) endpoint\(count == 1 ? "" : "s")"
        case .writing: "writing the report"
        }
        return "gislog: \(what) (\(duration(elapsed, tenths: false)))"
    }

    /// `gislog: fetching server page 3, 15,000 records` (`gislog fetch`, `scan --server`).
    public static func fetching(site: String, page: Int, records: Int) -> String {
        "gislog: fetching \(site) page \(Format.count(page)), \(Format.count(records)) record\(records == 1 ? "" : "s")"
    }

    /// `52.0 MB/s`.
    public static func rate(_ bytesPerSecond: Double) -> String {
        Format.bytes(Int64(max(0, bytesPerSecond).rounded())) + "/s"
    }

    /// The time left at `rate` bytes per second, rounded up to a whole second: `6 s`, `3 min 05 s`,
    /// `1 h 02 min`; nil when nothing is left or the rate is not known.
    public static func eta(remaining: Int64, rate: Double) -> String? {
        guard remaining > 0, rate > 0, rate.isFinite else { return nil }
        let seconds = (Double(remaining) / rate).rounded(.up)
        guard seconds < 100 * 3600 else { return "over 100 h" }
        return duration(seconds, tenths: false)
    }

    /// `0.4 s` and `3.1 s` (tenths below ten seconds, when asked), `42 s`, `3 min 05 s`, `1 h 02 min`.
    public static func duration(_ seconds: Double, tenths: Bool = true) -> String {
        let seconds = max(0, seconds.isFinite ? seconds : 0)
        if tenths && seconds < 9.95 {
            let value = Int((seconds * 10).rounded())
            return "\(value / 10).\(value % 10) s"
        }
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole) s" }
        if whole < 3600 { return "\(whole / 60) min \(twoDigits(whole % 60)) s" }
        return "\(whole / 3600) h \(twoDigits(whole / 60 % 60)) min"
    }

    private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// `line` cut so that it fits in fewer than `width` columns (a line that fills the last column makes some
    /// terminals wrap, and the next redraw would then leave it behind). Progress text is one column per
    /// character: ASCII, numbers and the ellipsis.
    public static func fit(_ line: String, width: Int) -> String {
        let room = width - 1
        guard room > 1 else { return "" }
        return line.count <= room ? line : String(line.prefix(room - 1)) + "…"
    }

    /// What a finished scan did, for the one line it leaves on a terminal.
    public struct Summary: Sendable {
        public var files: Int
        /// Bytes read from disk.
        public var stored: Int64
        /// Bytes inflated from gzip files.
        public var inflated: Int64
        /// Seconds spent reading.
        public var readSeconds: Double
        /// Events found.
        public var events: Int
        /// Endpoints probed (`--probe`), nil without probing.
        public var probed: Int?
        /// What became of the report: `report written`, `report written to out.json`, `no cause found`.
        public var outcome: String
        /// Seconds from the start of the scan to the end.
        public var totalSeconds: Double

        public init(files: Int, stored: Int64, inflated: Int64, readSeconds: Double, events: Int, probed: Int?,
                    outcome: String, totalSeconds: Double) {
            self.files = files
            self.stored = stored
            self.inflated = inflated
            self.readSeconds = readSeconds
            self.events = events
            self.probed = probed
            self.outcome = outcome
            self.totalSeconds = totalSeconds
        }
    }

    /// `gislog: read 2 files, 480.0 MB in 3.1 s; 960,126 events; report written (4.0 s in all)`.
    public static func summary(_ summary: Summary) -> String {
        var line = "gislog: read \(Format.count(summary.files)) file\(summary.files == 1 ? "" : "s"), "
            + Format.bytes(summary.stored)
        if summary.inflated > 0 { line += " (\(Format.bytes(summary.inflated)) inflated)" }
        line += " in \(duration(summary.readSeconds)); \(Format.count(summary.events)) event\(summary.events == 1 ? "" : "s")"
        if let probed = summary.probed { line += "; \(Format.count(probed)) endpoint\(probed == 1 ? "" : "s") probed" }
        line += "; \(summary.outcome) (\(duration(summary.totalSeconds)) in all)"
        return line
    }
}

/// The recent reading rate: bytes over the last few seconds, so that a slow start or a pause of the source
/// shows in the rate and the ETA without the whole run's average hiding it.
public struct RateWindow: Sendable {
    private var samples: [(time: Double, bytes: Int64)] = []
    /// Seconds of samples kept.
    public let span: Double

    public init(span: Double = 5) { self.span = span }

    /// Adds the byte count seen at `time` (seconds, increasing).
    public mutating func add(time: Double, bytes: Int64) {
        samples.append((time, bytes))
        // Keep one sample older than the span, so the window covers all of it.
        while samples.count > 2 && samples[1].time <= time - span { samples.removeFirst() }
    }

    /// Bytes per second over the window; nil until it covers a quarter of a second.
    public var rate: Double? {
        guard let first = samples.first, let last = samples.last, last.time - first.time >= 0.25 else { return nil }
        return Double(last.bytes - first.bytes) / (last.time - first.time)
    }
}
