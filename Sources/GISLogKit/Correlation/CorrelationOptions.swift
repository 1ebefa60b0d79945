/// Windows and thresholds of the correlation. Every one has a command-line flag.
public struct CorrelationOptions: Sendable, Hashable {
    /// Failures that begin this long after a restart can be caused by it (`--restart-window`).
    public var restartWindow: Int64 = 15 * 60_000
    /// Failures caused by a restart stop within this time after it (`--fade-window`).
    public var fadeWindow: Int64 = 30 * 60_000
    /// How far before the restart to look for failures that would disprove it (`--lookback`).
    public var lookback: Int64 = 12 * 3_600_000
    /// A token error this long before a failure counts as its cause (`--token-window`).
    public var tokenWindow: Int64 = 2 * 60_000
    /// Token lifetimes whose multiples make failures "come back" (ArcGIS Server 60 min, Portal 120 min).
    public var tokenLifetimes: [Int64] = [60 * 60_000, 120 * 60_000]
    /// Failures further apart than this belong to different episodes (`--episode-gap`).
    public var episodeGap: Int64 = 30 * 60_000
    /// Events of one rule on one machine closer than this are one burst (`--burst-gap`).
    public var burstGap: Int64 = 10 * 60_000
    /// Causes below this confidence are not reported (`--min-confidence`).
    public var minimumConfidence: Double = 0.3
    /// Only failures at or after this instant are explained and reported (`--since`); earlier events still
    /// serve as context (a restart at 23:58 explains failures at 00:03).
    public var reportFrom: Int64?
    /// Only failures before this instant are reported (`--until`).
    public var reportUntil: Int64?

    /// Whether an event falls in the reported span (and was not reported by an earlier run).
    public func reports(_ event: Event) -> Bool {
        if event.fromEarlierRun { return false }
        guard let time = event.time else { return reportFrom == nil && reportUntil == nil }
        if let from = reportFrom, time < from { return false }
        if let until = reportUntil, time >= until { return false }
        return true
    }

    public init() {}
}

/// Parses durations such as `90s`, `15m`, `2h`, `1d`, `500ms`, or a bare number of minutes.
public enum Duration {
    public static func milliseconds(_ text: String) -> Int64? {
        // Out of Int64's range is not a duration either (converting it would trap).
        guard let exact = exactMilliseconds(text), exact >= 0, exact < 9.2e18 else { return nil }
        return Int64(exact)
    }

    /// `2 min`, `1 h 5 min`, `45 s`, for explanations.
    public static func describe(_ millis: Int64) -> String {
        let seconds = abs(millis) / 1000
        if seconds < 90 { return "\(seconds) s" }
        let minutes = (seconds + 30) / 60
        if minutes < 90 { return "\(minutes) min" }
        let hours = minutes / 60, rest = minutes % 60
        if hours < 48 { return rest == 0 ? "\(hours) h" : "\(hours) h \(rest) min" }
        return "\(hours / 24) days"
    }
}
