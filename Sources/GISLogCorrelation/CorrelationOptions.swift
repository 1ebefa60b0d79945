public import GISLogRules

/// Windows and thresholds of the correlation, and the span it reports (the weights are in the causes file).
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
    /// Per machine, the last log time earlier runs read (`--state`): events up to it are context, as before
    /// `--since` — a cause reported again counts and shows only the new failures.
    public var readByEarlierRuns: [String: Int64] = [:]
    /// The site's ArcGIS version (`--arcgis-version`); it chooses the steps that differ by version.
    public var arcgisVersion: SiteVersion?

    /// The first instant of `machine`'s events that this run reports.
    public func reportedFrom(_ machine: String) -> Int64 {
        max(reportFrom ?? .min, readByEarlierRuns[machine].map { $0 + 1 } ?? .min)
    }

    public init() {}
}
