public import GISLogRules
import GISLogRecords
import GISLogSupport
internal import Glibc

/// One machine's failures calling one peer in one episode (failures with no gap longer than the episode
/// gap), with the facts measured about it and every cause's score.
struct Incident {
    var machine: String
    var peer: EvidenceLedger.Peer?
    var peerNumber: Int32
    var cells: [SiteTimeline.FailureCell]
    /// The URLs its sample failures called (to tell a portal behind a Web Adaptor name).
    var urls: [String] = []
    var facts = Facts()
    /// Log-odds score per cause (causes that cannot apply are absent).
    var scores: [CauseID: Double] = [:]
    /// Probability per cause, from the scores.
    var posterior: [CauseID: Double] = [:]

    var start: Int64 { cells.first!.first }
    var end: Int64 { cells.reduce(Int64.min) { max($0, $1.last) } }
    var count: Int { cells.reduce(0) { $0 + $1.count } }

    /// The best cause, ties broken by score then by the order of `CauseID.allCases`.
    var top: CauseID? {
        posterior.max { a, b in
            a.value != b.value ? a.value < b.value
                : CauseID.allCases.firstIndex(of: a.key)! > CauseID.allCases.firstIndex(of: b.key)!
        }?.key
    }

    /// Failures of each class.
    func failures(_ evidence: Evidence) -> Int {
        let slot = SiteTimeline.FailureCell.slot(evidence)
        return cells.reduce(0) { $0 + $1.byClass[slot] }
    }
}

/// The facts that are the same for every episode of one machine's calls to one peer (see `measure`).
struct CallsFacts {
    var callCells: [SiteTimeline.FailureCell]
    var lastOfPeer: Int64
    var usualSilence: Int64
    /// The machines whose restarts end a run of these calls' failures (see `runEnd`).
    var restartingSides: [String]
    var tokens: [Int32]
    var failureMinutes: Int
    var tokenPreceded: Double
    var tokenBaseRate: Double
    var tokenLift: Double
    var recurrencePeriod: Int64?
    var recurrenceMatching: Int
    var recurrenceGaps: Int
}

/// What the logs show about an incident, as measured values; the scorer weighs them, the reports word them.
struct Facts {
    /// The share of the failures in each class.
    var classShare: [Evidence: Double] = [:]
    /// The share that says the CA is unknown, or that trust failed without saying why.
    var trustShare = 0.0

    struct RestartFact {
        var restart: SiteTimeline.Restart
        /// `self`, `peer` or `portal`: whose restart.
        var role: String
        /// From the machine being back to the first failure.
        var lag: Int64
        /// Failures of this machine calling this peer in the lookback before the restart.
        var failedBefore: Int
        /// Time without such failures before the restart (capped by the logs and the lookback).
        var quietBefore: Int64
        /// Logs of this machine before the restart.
        var logsBefore: Int64
    }
    var restart: RestartFact?
    /// A restart of this machine or its peer in the middle of the incident, and how long the failures went on
    /// after it: a failure a restart caused does not survive the next restart.
    var laterRestart: SiteTimeline.Restart?
    var failuresAfterLaterRestart: Int64 = 0

    /// How long the machine kept logging after the last failure (0: the failures went on to its last record).
    var tail: Int64 = 0
    var duration: Int64 = 0
    /// The last failure of these calls in all the logs (later than this incident when they came back).
    var lastFailure: Int64 = 0
    var incidentEnd: Int64 = 0

    /// The machine of these logs behind the peer, when known.
    var peerMachine: String?
    /// A silence the same calls had more than once while failing (the second longest between their failures):
    /// a tail no longer than that says nothing about whether they stopped.
    var usualSilence: Int64 = 0
    /// The last failure of the same calls in this episode or later ones, up to a new restart that could have
    /// started them again: how long the failures went on from this incident's start.
    var runEnd: Int64 = 0
    /// Failure minutes of the same calls (every episode) with a token error (this machine or its peer) shortly
    /// before them, weighted by how shortly (1 within the token window, fading past it).
    var tokenPreceded = 0.0
    /// A token error in the token window before the incident's first failure (or in its first minute).
    var tokenAtOnset = false
    var failureMinutes = 0
    /// The share of all this machine's logged minutes that have a token error in the window before them.
    var tokenBaseRate = 0.0
    /// How much likelier a token error is before a failure than at any minute of these logs.
    var tokenLift = 0.0

    /// Episodes of this machine calling this peer recurring at a token lifetime.
    var recurrencePeriod: Int64?
    var recurrenceMatching = 0
    var recurrenceGaps = 0

    var selfSignedMarkers = 0
    var selfSignedExample: Event?
    /// The peer is an ArcGIS machine of the site or listens on an ArcGIS port (6443, 7443, 2443), where the
    /// default self-signed certificates live.
    var arcgisEndpoint = false
}

/// The weights of the diagnosis, by name, from the `scoring:` table of the causes file.
struct ScoringTable {
    let values: [String: Double]

    subscript(_ name: String) -> Double {
        // The built-in causes file names every weight (a test checks); 0 keeps an unnamed one harmless.
        values[name] ?? 0
    }

    /// Every name the scorer reads: the built-in table must define each one.
    static let names = [
        "prior.untrusted-ca", "prior.self-signed-certificate", "prior.token-expiry", "prior.machine-restart",
        "prior.specific", "text.names-cause", "text.trust", "restart.onset", "restart.onset-scale-minutes",
        "restart.quiet-before", "restart.quiet-hours", "restart.failed-before", "restart.stopped", "restart.persisted",
        "untrusted.persisted", "untrusted.duration", "untrusted.duration-hours", "untrusted.stopped",
        "untrusted.survived-restart", "restart.survived-restart", "survived.minutes",
        "restart.long-duration", "restart.long-duration-hours", "token.lift", "token.fade-minutes", "token.recurrence-alone",
        "token.cluster-gap-minutes", "restart.together-minutes",
        "token.lift-full", "token.recurrence", "token.cluster-minutes", "selfsigned.marker", "selfsigned.arcgis-endpoint", "stopped.hours",
        "confidence.temperature",
    ]
}

extension Correlator {
    // MARK: - Facts

    /// Measures the facts of `incident`. `shared` carries what is the same for every episode of these calls
    /// (`allOfPeer`): measured for the first, reused for the others, so a condition split into thousands of
    /// episodes costs linear time, not quadratic.
    func measure(_ incident: inout Incident, timeline: SiteTimeline, allOfPeer: [Incident], table: ScoringTable,
                 shared sharedFacts: inout CallsFacts?) {
        // Without the machine's span the token base rate is measured over the episode itself: not shared.
        let shared = timeline.spans[incident.machine] == nil ? nil : sharedFacts
        var facts = Facts()
        let total = Double(incident.count)
        for evidence in SiteTimeline.FailureCell.classes {
            let share = Double(incident.failures(evidence)) / total
            if share > 0 { facts.classShare[evidence] = share }
        }
        facts.trustShare = (facts.classShare[.unknownCA] ?? 0) + (facts.classShare[.untrusted] ?? 0)
        facts.duration = incident.end - incident.start
        let span = timeline.spans[incident.machine]
        // Measured from the last failure of these calls, not of this episode: failures that come back later
        // have not stopped.
        let lastOfPeer = shared?.lastOfPeer ?? allOfPeer.map(\.end).max() ?? incident.end
        facts.tail = max(0, (span?.last ?? lastOfPeer) - lastOfPeer)
        facts.lastFailure = lastOfPeer
        facts.incidentEnd = incident.end

        let peerMachines = timeline.peerMachines(incident.peer, urls: incident.urls, caller: incident.machine)
        let peerMachine = peerMachines.first
        facts.peerMachine = peerMachine
        let callCells = shared?.callCells ?? allOfPeer.flatMap(\.cells).sorted { $0.minute < $1.minute }
        facts.restart = restartFact(incident, timeline: timeline, peerMachines: peerMachines, callCells: callCells)
        // Failures that name no host may be calling any machine of the site: a restart of any of them counts.
        let sides = incident.peer == nil ? timeline.restartingMachines
            : [incident.machine] + peerMachines
        // A restart already under way when the failures began is part of what started them, not a later
        // restart that failed to clear them; so is the other machine of a pair restarted back to back with the
        // one that started them (patching).
        let together = Int64(max(0, table["restart.together-minutes"]) * 60_000)
        let starting = facts.restart?.restart.first
        // Per machine the first such restart is the earliest back (backs ascend); across machines the earliest.
        for side in sides {
            for restart in timeline.restarts(of: side, beganAfter: incident.start + 60_000) {
                guard restart.back < incident.end else { break }
                if starting.map({ abs(restart.first - $0) <= together }) ?? false { continue }
                if incident.end - restart.back > facts.failuresAfterLaterRestart {
                    facts.laterRestart = restart
                    facts.failuresAfterLaterRestart = incident.end - restart.back
                }
                break
            }
        }

        // The failure minutes of the same calls in every episode (the group): what the tokens and the
        // recurrence are judged on, so that one stray episode of a standing condition is not judged alone.
        if let shared {
            facts.usualSilence = shared.usualSilence
        } else {
            // The second longest silence: one seen at least twice (nights in a condition of days), not a single pause.
            let silences = zip(callCells, callCells.dropFirst()).map { $1.first - $0.last }.sorted(by: >)
            facts.usualSilence = silences.count >= 2 ? max(0, silences[1]) : 0
        }
        let restartingSides = shared?.restartingSides ?? restartingSides(incident, timeline: timeline, peerMachines: peerMachines)
        facts.runEnd = runEnd(incident, timeline: timeline, restartingSides: restartingSides, allOfPeer: allOfPeer)

        // Tokens: before the failures, against their rate anywhere in this machine's logs. Failures that do not
        // name the host they called may be calling any machine of the site (federation calls between Portal and
        // its servers): their token errors count.
        let othersIfUnnamed = incident.peer == nil
            ? Array(Set(timeline.spans.keys).union(timeline.products.keys)).filter { $0 != incident.machine }.sorted() : []
        let tokens = shared?.tokens ?? timeline.tokenMinutes(of: [incident.machine] + peerMachines + othersIfUnnamed)
        let window = Int32(max(1, (options.tokenWindow + 59_999) / 60_000))
        // A token error counts fully within --token-window before a failure and fades past it (a job polls
        // and retries for minutes after its token is refused), so no single minute flips the verdict.
        let fade = max(0.1, table["token.fade-minutes"])
        func weight(_ minute: Int32) -> Double {
            let index = lowerBound(tokens, minute + 1) - 1
            guard index >= 0 else { return 0 }
            let lag = Double(minute - tokens[index])
            return lag <= Double(window) ? 1 : exp(-(lag - Double(window)) / fade)
        }
        if let shared {
            facts.failureMinutes = shared.failureMinutes
            facts.tokenPreceded = shared.tokenPreceded
            facts.tokenBaseRate = shared.tokenBaseRate
            facts.tokenLift = shared.tokenLift
            if !tokens.isEmpty && facts.failureMinutes > 0 { facts.tokenAtOnset = weight(incident.cells[0].minute) >= 0.5 }
        }
        var minutesOfCalls: [Int32] = []
        if shared == nil {
            for cell in callCells where minutesOfCalls.last != cell.minute { minutesOfCalls.append(cell.minute) }
            facts.failureMinutes = minutesOfCalls.count
        }
        if shared == nil, !tokens.isEmpty, !minutesOfCalls.isEmpty {
            // A token error just before a cluster's onset explains the cluster that follows it (until a new token
            // is issued: `token.cluster-minutes`); later failure minutes need a token error of their own.
            let cluster = Int32(max(0, min(24 * 60, table["token.cluster-minutes"])))
            let clusterGap = Int32(max(1, table["token.cluster-gap-minutes"]))
            var onset = minutesOfCalls[0], onsetWeight = weight(onset), previous = Int32.min, preceded = 0.0
            for minute in minutesOfCalls {
                if previous == Int32.min || minute - previous >= clusterGap { onset = minute; onsetWeight = weight(minute) }
                previous = minute
                preceded += max(weight(minute), minute <= onset + cluster ? onsetWeight : 0)
            }
            facts.tokenPreceded = preceded
            facts.tokenAtOnset = weight(incident.cells[0].minute) >= 0.5
            let first = Int32(clamping: (span?.first ?? incident.start) / 60_000)
            let last = Int32(clamping: (span?.last ?? incident.end) / 60_000)
            let minutes = max(1, Int(last - first) + 1)
            // The same weight at every minute of the logs: how often "a token error shortly before" holds anyway.
            var covered = 0.0, index = max(0, lowerBound(tokens, first) - 1)
            var latest: Int32? = nil
            for minute in first...last {
                while index < tokens.count && tokens[index] <= minute { latest = tokens[index]; index += 1 }
                guard let latest else { continue }
                let lag = Double(minute - latest)
                covered += lag <= Double(window) ? 1 : exp(-(lag - Double(window)) / fade)
            }
            facts.tokenBaseRate = min(1, covered / Double(minutes))
            let share = preceded / Double(facts.failureMinutes)
            facts.tokenLift = share / max(facts.tokenBaseRate, 1 / Double(minutes))
        }

        // Recurrence: the clusters of the same calls (failures apart by more than `token.cluster-gap-minutes`),
        // against the token lifetimes.
        var starts: [Int64] = []
        var reach = Int64.min
        let clusterGap = Int64(max(1, table["token.cluster-gap-minutes"]) * 60_000)
        if let shared {
            facts.recurrencePeriod = shared.recurrencePeriod
            facts.recurrenceMatching = shared.recurrenceMatching
            facts.recurrenceGaps = shared.recurrenceGaps
        }
        for cell in callCells where shared == nil {
            if starts.isEmpty || cell.first - reach >= clusterGap { starts.append(cell.first) }
            reach = max(reach, cell.last)
        }
        if shared == nil && starts.count >= 3 {
            let gaps = zip(starts.dropFirst(), starts).map { $0 - $1 }
            for lifetime in options.tokenLifetimes {
                let tolerance = max(5 * 60_000, lifetime / 10)
                let matching = gaps.filter { abs($0 - lifetime) <= tolerance }.count
                if matching * 2 > gaps.count && matching > facts.recurrenceMatching {
                    facts.recurrencePeriod = lifetime
                    facts.recurrenceMatching = matching
                    facts.recurrenceGaps = gaps.count
                }
            }
        }

        // Self-signed: records naming one, on either side (anywhere on the site when the failures do not name
        // the host they called), at any time: a certificate stays until someone replaces it.
        // A Web Adaptor name presents the web server's certificate: only a machine the host names is a side here.
        let markerMachines = incident.peer == nil ? Array(timeline.selfSignedCells.keys).sorted()
            : [incident.machine] + (timeline.peerMachine(incident.peer, urls: incident.urls).map { [$0] } ?? [])
        for machine in markerMachines {
            facts.selfSignedMarkers += (timeline.selfSignedCells[machine] ?? []).reduce(0) { $0 + Int($1.count) }
            if facts.selfSignedExample == nil { facts.selfSignedExample = timeline.selfSignedExamples[machine]?.first }
        }
        if let peer = incident.peer {
            // A Web Adaptor name stands for a machine but presents the web server's certificate, not ArcGIS's.
            facts.arcgisEndpoint = ["6443", "7443", "2443"].contains(peer.port ?? "")
                || timeline.peerMachine(peer, urls: incident.urls) != nil
        }
        incident.facts = facts
        if sharedFacts == nil && timeline.spans[incident.machine] != nil {
            sharedFacts = CallsFacts(callCells: callCells, lastOfPeer: lastOfPeer, usualSilence: facts.usualSilence, restartingSides: restartingSides, tokens: tokens,
                                failureMinutes: facts.failureMinutes, tokenPreceded: facts.tokenPreceded,
                                tokenBaseRate: facts.tokenBaseRate, tokenLift: facts.tokenLift,
                                recurrencePeriod: facts.recurrencePeriod, recurrenceMatching: facts.recurrenceMatching,
                                recurrenceGaps: facts.recurrenceGaps)
        }
    }

    /// The end of the run of failures of the same calls that begins with this incident: later episodes count
    /// unless a restart of this machine, its peer or a portal came between (a new restart may start new failures).
    /// `allOfPeer` comes sorted by start (see `diagnose`).
    private func runEnd(_ incident: Incident, timeline: SiteTimeline, restartingSides: [String],
                        allOfPeer: [Incident]) -> Int64 {
        var end = incident.end
        let incidentEnd = end
        // The first later episode, by bisection: the episodes before it cannot extend the run.
        for later in allOfPeer[partitionPoint(allOfPeer) { $0.start > incidentEnd }...] {
            // A restart back in (end, later.start] on any side: each side's latest by then, by bisection.
            let restartedBetween = restartingSides.contains { side in
                timeline.latestRestart(of: side, backBy: later.start).map { $0.back > end } ?? false
            }
            if restartedBetween { break }
            end = max(end, later.end)
        }
        return end
    }

    /// This machine, its peer and the portals (any machine, for failures naming no host): whose restarts
    /// count between episodes.
    private func restartingSides(_ incident: Incident, timeline: SiteTimeline, peerMachines: [String]) -> [String] {
        var machines = [incident.machine] + peerMachines + timeline.portals
        if incident.peer == nil { machines += timeline.restartingMachines }
        return Array(Set(machines)).sorted()
    }

    private func restartFact(_ incident: Incident, timeline: SiteTimeline, peerMachines: [String],
                             callCells: [SiteTimeline.FailureCell]) -> Facts.RestartFact? {
        var machines: [(String, String)] = [(incident.machine, "self")]
        machines += peerMachines.filter { $0 != incident.machine }.map { ($0, "peer") }
        machines += timeline.portals.filter { $0 != incident.machine && !peerMachines.contains($0) }.map { ($0, "portal") }
        // Failures that do not name the host they called could be calling any machine of the site.
        if incident.peer == nil {
            let portals = timeline.portals
            machines += timeline.restartingMachines.filter { $0 != incident.machine && !portals.contains($0) }.map { ($0, "site") }
        }
        // The latest restart the machine was back from before the first failure (a minute of slack for
        // clocks and for failures logged while the last services start); on a tie the nearer machine's.
        var found: (SiteTimeline.Restart, String)?
        for (machine, role) in machines {
            guard let candidate = timeline.latestRestart(of: machine, backBy: incident.start + 60_000),
                  incident.start - candidate.back <= options.lookback else { continue }
            if found.map({ $0.0.back < candidate.back }) ?? true { found = (candidate, role) }
        }
        guard let (restart, role) = found else { return nil }
        let lag = max(0, incident.start - restart.back)
        // Failures before the restart, also those of an episode that went on through it.
        let before = callCells.filter { $0.last < restart.first }
        let failedBefore = before.filter { $0.last >= restart.first - options.lookback }.reduce(0) { $0 + $1.count }
        let logsStart = timeline.spans[incident.machine]?.first ?? restart.first
        let previousFailure = before.map(\.last).max()
        let quietFrom = max(previousFailure ?? logsStart, logsStart, restart.first - options.lookback)
        return Facts.RestartFact(restart: restart, role: role, lag: lag, failedBefore: failedBefore,
                                 quietBefore: max(0, restart.first - quietFrom), logsBefore: max(0, restart.first - logsStart))
    }

    // MARK: - Scores

    /// Scores every cause that can apply, in log-odds units, and turns them into probabilities.
    func score(_ incident: inout Incident, table: ScoringTable) {
        let facts = incident.facts
        var scores: [CauseID: Double] = [:]
        let hour = 3_600_000.0
        // Stopped: silent to the end of the logs for longer than the calls were ever silent while failing (a
        // quiet night in a weeks-long condition is not an end).
        let stoppedness = saturating(Double(max(0, facts.tail - facts.usualSilence)), scale: table["stopped.hours"] * hour)
        let persisted = 1 - stoppedness
        let trust = table["text.trust"] * facts.trustShare

        // The four causes of Esri's article all show as "the CA is not trusted".
        let survived = saturating(Double(facts.failuresAfterLaterRestart), scale: table["survived.minutes"] * 60_000)
        // A trust problem — an unknown CA or a self-signed certificate alike — stands until someone fixes it.
        let standing = table["untrusted.persisted"] * persisted
            + table["untrusted.duration"] * saturating(Double(facts.duration), scale: table["untrusted.duration-hours"] * hour)
            + table["untrusted.stopped"] * stoppedness + table["untrusted.survived-restart"] * survived
        scores[.untrustedCA] = table["prior.untrusted-ca"] + trust + standing

        let endpoint = facts.arcgisEndpoint ? 1.0 : 0.0
        let marker = 1 - exp(-2 * Double(facts.selfSignedMarkers))
        scores[.selfSignedCertificate] = table["prior.self-signed-certificate"] + trust + standing
            + table["selfsigned.marker"] * marker + table["selfsigned.arcgis-endpoint"] * endpoint

        // Token errors right before the onset, or before most failure minutes (clusters that go on a while).
        let preceded = facts.failureMinutes > 0 ? facts.tokenPreceded / Double(facts.failureMinutes) : 0
        let lift = facts.tokenLift > 1 ? min(1, log(facts.tokenLift) / log(max(1.01, table["token.lift-full"]))) : 0
        let recurrence = facts.recurrenceGaps > 0 ? Double(facts.recurrenceMatching) / Double(facts.recurrenceGaps) : 0
        if preceded > 0 || recurrence > 0 {
            // Failures recurring at a token lifetime with no token error before them may be any hourly job:
            // without token errors only `token.recurrence-alone` of that weight counts.
            let alone = max(0, min(1, table["token.recurrence-alone"]))
            scores[.tokenExpiry] = table["prior.token-expiry"] + trust + table["token.lift"] * lift * preceded
                + table["token.recurrence"] * recurrence * (alone + (1 - alone) * min(1, preceded))
        }

        if let restart = facts.restart {
            let scale = max(1, table["restart.onset-scale-minutes"]) * 60_000
            let onset = 1 / (1 + exp((Double(restart.lag) - Double(options.restartWindow)) / scale))
            let quiet = saturating(Double(restart.quietBefore), scale: table["restart.quiet-hours"] * hour)
            let failedBefore = min(1, Double(restart.failedBefore) / 3)
            // The restart explains failures only if they are new (the same calls did not fail before it) and
            // began just after it; only then do quiet before and an end while logging speak for it.
            let novel = onset * (1 - failedBefore)
            // How long the same calls went on failing from here (later episodes too, until another restart): a
            // restart tail lasts minutes to an hour or two, and only a short one ending is a restart healing.
            let long = logistic(Double(max(facts.duration, facts.runEnd - incident.start)),
                                center: table["restart.long-duration-hours"] * hour,
                                scale: table["restart.long-duration-hours"] * hour / 4)
            scores[.machineRestart] = table["prior.machine-restart"] + trust
                + novel * (table["restart.onset"] + table["restart.quiet-before"] * quiet
                           + table["restart.stopped"] * stoppedness * (1 - long))
                + table["restart.failed-before"] * failedBefore + table["restart.persisted"] * persisted
                + table["restart.survived-restart"] * survived + table["restart.long-duration"] * long
        }

        let specific: [(CauseID, Evidence)] = [(.expiredCertificate, .expired), (.hostnameMismatch, .hostname),
                                                (.revocationCheckFailed, .revocation), (.clientCertificateRequired, .clientCertificate)]
        for (cause, evidence) in specific {
            guard let share = facts.classShare[evidence] else { continue }
            // An expired or misnamed certificate stands until replaced, as an untrusted one does.
            scores[cause] = table["prior.specific"] + table["text.names-cause"] * share + standing
        }
        // A cause the causes files do not define cannot be reported.
        scores = scores.filter { definitions[$0.key] != nil }
        incident.scores = scores
        let temperature = max(0.05, table["confidence.temperature"])
        let top = scores.values.max() ?? 0
        let weights = scores.mapValues { exp(($0 - top) / temperature) }
        let sum = weights.values.reduce(0, +)
        incident.posterior = weights.mapValues { $0 / sum }
    }

    /// 0 well below `center`, 1/2 at it, 1 well above: a smooth threshold.
    private func logistic(_ value: Double, center: Double, scale: Double) -> Double {
        guard scale > 0 else { return value >= center ? 1 : 0 }
        return 1 / (1 + exp(-(value - center) / scale))
    }

    /// 0 at 0, about 0.63 at `scale`, near 1 at three times `scale`: evidence that grows and saturates
    /// smoothly, so no single minute flips a verdict.
    private func saturating(_ value: Double, scale: Double) -> Double {
        guard scale > 0 else { return value > 0 ? 1 : 0 }
        return 1 - exp(-max(0, value) / scale)
    }
}
