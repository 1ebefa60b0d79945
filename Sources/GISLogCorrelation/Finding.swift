public import GISLogRules
import GISLogSupport

/// A run of events of one rule on one machine, compressed into one line: 3,000 identical failures are one
/// burst with a count, first and last time, and rate.
public struct Burst: Sendable, Hashable {
    public var ruleID: String
    public var category: RuleCategory
    public var machine: String
    public var count: Int
    public var first: Int64?
    public var last: Int64?
    /// The first event of the burst, as the example shown.
    public var example: Event

    /// Whether the example is a record of the burst itself. Each series keeps a bounded sample of its
    /// records (`EvidenceLedger`): a short burst in a month of busy logs (one restart of thousands) may
    /// have none kept, and the kept record nearest its start stands for it; reports say so.
    public var exampleIsOwn: Bool {
        guard let first, let last, let time = example.time else { return true }
        return time >= first && time <= last
    }

    /// Events per minute over the burst (nil for a single event or no times).
    public var ratePerMinute: Double? {
        guard count > 1, let first, let last, last > first else { return nil }
        return Double(count) / (Double(last - first) / 60_000)
    }
}

/// A cause with its evidence and what to do: one entry of the ranked report.
public struct RankedCause: Sendable, Hashable {
    public var id: CauseID
    /// A stable id: the same failures give the same id on every run (the id of its first incident).
    public var findingID: String
    /// One stable id per incident (a machine's failures in one episode) the cause explains; a run with
    /// `--state` reports the cause again only when one of these is new.
    public var incidentIDs: [String]
    public var rank: Int
    /// In [0, 1].
    public var confidence: Double
    /// Whether this cause is the best explanation of at least one machine's failures (otherwise it is an
    /// alternative, ranked after the primary causes).
    public var isPrimary: Bool
    public var title: String
    public var summary: String
    /// Why the confidence is what it is, one sentence each.
    public var reasons: [String]
    /// Machines whose failures this cause explains.
    public var machines: [String]
    /// Hosts (with port) those machines were calling.
    public var peers: [String]
    /// Failures explained.
    public var events: Int
    public var firstSeen: Int64?
    public var lastSeen: Int64?
    /// The failures, compressed, and the events that support the cause (a restart, token errors, …).
    public var evidence: [Burst]
    /// Numbered steps with the site's hosts filled in: only those that fit the failing side, the peer and
    /// the site's version, each with its source, repeated steps listing every machine.
    public var steps: [WorkaroundStep]
    public var references: [RuleReference]
    /// What chose the steps, to choose again once a probe tells the site's version.
    package var situation: StepSituation?

    package init(id: CauseID, findingID: String, incidentIDs: [String], rank: Int, confidence: Double, isPrimary: Bool,
                 title: String, summary: String, reasons: [String], machines: [String], peers: [String], events: Int,
                 firstSeen: Int64?, lastSeen: Int64?, evidence: [Burst], steps: [WorkaroundStep], references: [RuleReference],
                 situation: StepSituation? = nil) {
        self.id = id
        self.findingID = findingID
        self.incidentIDs = incidentIDs
        self.rank = rank
        self.confidence = confidence
        self.isPrimary = isPrimary
        self.title = title
        self.summary = summary
        self.reasons = reasons
        self.machines = machines
        self.peers = peers
        self.events = events
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.evidence = evidence
        self.steps = steps
        self.references = references
        self.situation = situation
    }
}

/// Something worth knowing that is not (or not only) a cause of certificate failures: restarts, token
/// errors, federation and publishing failures, connectivity trouble.
public struct Finding: Sendable, Hashable {
    public var findingID: String
    public var category: RuleCategory
    public var title: String
    public var machines: [String]
    public var events: Int
    public var firstSeen: Int64?
    public var lastSeen: Int64?
    public var evidence: [Burst]
}

/// What the correlation concluded.
public struct Diagnosis: Sendable {
    /// Causes in rank order.
    public var causes: [RankedCause]
    public var findings: [Finding]
    /// Things that could hide a problem: machines without logs in the span, levels too high, …
    public var caveats: [String]
    /// The site's ArcGIS version when known (`--arcgis-version`, or a probe's `rest/info`); it chooses the
    /// steps that differ by version.
    public var arcgisVersion: SiteVersion?
}

/// A stable id for finding ids: the parts joined by a unit separator, hashed.
package func stableID(_ parts: [String]) -> String { stableHash(parts.joined(separator: "\u{1F}").utf8) }
