import GISLogRules
import GISLogSupport

/// The reasons a report gives for a cause: true statements about the one incident whose confidence it
/// shows, worded from the measured facts (the scorer never writes text).
extension Correlator {
    func reasons(for cause: CauseID, in incident: Incident, timeline: SiteTimeline) -> [String] {
        let facts = incident.facts
        let machine = incident.machine
        let calling = incident.peer.map { " calling \($0.display)" } ?? ""
        var lines: [String] = []
        switch cause {
        case .untrustedCA, .selfSignedCertificate, .tokenExpiry, .machineRestart:
            let unknown = incident.failures(.unknownCA), generic = incident.failures(.untrusted)
            if unknown > 0 {
                lines.append(share(unknown, of: incident.count, on: machine + calling)
                             + " the certificate authority is unknown (WinINet 12045, Java PKIX path building, or alike)")
            } else if generic > 0 {
                lines.append(share(generic, of: incident.count, on: machine + calling) + " the certificate could not be trusted")
            }
        default:
            break
        }
        switch cause {
        case .untrustedCA:
            lines += persistence(facts, machine: machine, count: incident.count)
            lines += survivedRestart(facts)
        case .selfSignedCertificate:
            if facts.selfSignedMarkers > 0 {
                let example = facts.selfSignedExample
                lines.append("\(plural(facts.selfSignedMarkers, "record")) \(facts.selfSignedMarkers == 1 ? "names" : "name") "
                             + "a self-signed certificate" + (example.map { " (e.g. \(clock($0.time)) on \($0.machine))" } ?? ""))
            } else {
                lines.append("no record names a self-signed certificate")
            }
            if facts.arcgisEndpoint, let peer = incident.peer {
                lines.append("the failing calls go to \(peer.display), an ArcGIS machine or port where the default "
                             + "self-signed certificate lives")
            }
        case .tokenExpiry:
            if facts.tokenPreceded >= 0.005 {
                let share = Int((facts.tokenPreceded / Double(max(1, facts.failureMinutes)) * 100).rounded())
                let base = Int((facts.tokenBaseRate * 100).rounded())
                let window = DurationText.describe(options.tokenWindow)
                let minutes = facts.failureMinutes == 1 ? "the failure minute" : "the \(facts.failureMinutes) failure minutes"
                let of = "of \(machine)\(calling)"
                if facts.tokenLift >= 2 {
                    lines.append("token errors within \(window) (or a few minutes more) before \(share)% of \(minutes) \(of) "
                                 + "(or at the onset of their cluster), \(formatRatio(facts.tokenLift))× their rate elsewhere in "
                                 + "these logs (\(base)% of minutes)")
                } else {
                    lines.append("token errors within \(window) (or a few minutes more) before \(share)% of \(minutes) \(of) — but "
                                 + "they come before \(base)% of all minutes of these logs, so they say little")
                }
            }
            if let period = facts.recurrencePeriod {
                lines.append("failures of \(machine)\(calling) came back every \(DurationText.describe(period)) or so "
                             + "(\(facts.recurrenceMatching) of \(facts.recurrenceGaps) gaps), the lifetime of a token")
            } else if facts.recurrenceGaps == 0 {
                lines.append("the failures did not recur at a token lifetime")
            }
        case .machineRestart:
            if let restart = facts.restart {
                let whose = switch restart.role {
                case "self": ""
                case "peer": " (the machine it calls)"
                case "portal": " (the portal)"
                default: " (a machine of the site; the failures do not name the host they called)"
                }
                lines.append("a restart of \(restart.restart.machine)\(whose) at \(clock(restart.restart.back)), "
                             + "\(DurationText.describe(restart.lag)) before the first failure")
                if restart.failedBefore > 0 {
                    lines.append("but \(machine)\(calling) had failed \(plural(restart.failedBefore, "time")) in the "
                                 + "\(DurationText.describe(options.lookback)) before that restart")
                } else if restart.quietBefore >= 3_600_000 {
                    lines.append("no failures of \(machine)\(calling) in the \(DurationText.describe(restart.quietBefore)) of logs before it")
                } else {
                    lines.append("only \(DurationText.describe(restart.quietBefore)) of logs without failures before the restart, "
                                 + "too little to be sure the failures were new")
                }
                lines += persistence(facts, machine: machine, count: incident.count)
                lines += survivedRestart(facts).map { "but " + $0 }
            }
        case .expiredCertificate, .hostnameMismatch, .revocationCheckFailed, .clientCertificateRequired:
            let (evidence, phrase): (Evidence, String) = switch cause {
            case .expiredCertificate: (.expired, "the certificate has expired or is not valid yet (WinINet 12037, PKIX validity)")
            case .hostnameMismatch: (.hostname, "the certificate does not name the host called (WinINet 12038, no matching subject name)")
            case .revocationCheckFailed: (.revocation, "revocation could not be checked or the certificate is revoked (WinINet 12057, 12170)")
            default: (.clientCertificate, "the other side asks for a client certificate (WinINet 12044)")
            }
            lines.append(share(incident.failures(evidence), of: incident.count, on: machine + calling) + " " + phrase)
        }
        return lines
    }

    /// How the failures ended: on their own while the machine kept logging, or not at all.
    private func persistence(_ facts: Facts, machine: String, count: Int) -> [String] {
        let what = count == 1 ? "a single failure" : facts.duration < 60_000 ? "\(count) failures within a minute"
            : "failures went on for \(DurationText.describe(facts.duration))"
        let still = facts.tail < 30 * 60_000
        if facts.lastFailure > facts.incidentEnd {
            return ["\(what); the same calls failed again later, the last time at \(clock(facts.lastFailure))"
                    + (still ? ", near the end of \(machine)'s logs"
                       : ", then none while \(machine) kept logging for \(DurationText.describe(facts.tail))")]
        }
        return [still ? "\(what); the same calls still failed at the end of \(machine)'s logs"
                : "\(what), then none while \(machine) kept logging for \(DurationText.describe(facts.tail))"]
    }

    /// "14 of 14 failures on X say", "the only failure on X says".
    private func share(_ part: Int, of total: Int, on subject: String) -> String {
        if total == 1 { return "the only failure on \(subject) says" }
        if part == total { return total == 2 ? "both failures on \(subject) say" : "all \(total) failures on \(subject) say" }
        return "\(part) of \(total) failures on \(subject) say"
    }

    private func survivedRestart(_ facts: Facts) -> [String] {
        guard let restart = facts.laterRestart, facts.failuresAfterLaterRestart >= 5 * 60_000 else { return [] }
        return ["failures went on for \(DurationText.describe(facts.failuresAfterLaterRestart)) after \(restart.machine) "
                + "restarted at \(clock(restart.back)): a restart did not clear them"]
    }

    /// Why a cause was ranked below another one for the same incident: the top cause's first distinctive reason.
    func lostBecause(_ cause: CauseID, to winner: CauseID, in incident: Incident, timeline: SiteTimeline) -> String {
        let winning = reasons(for: winner, in: incident, timeline: timeline)
        let own = Set(reasons(for: cause, in: incident, timeline: timeline))
        let decisive = winning.first { !own.contains($0) } ?? winning.first ?? ""
        return "ranked below \(winner.rawValue) for \(incident.machine): " + decisive
    }

    private func formatRatio(_ value: Double) -> String {
        value >= 10 ? String(Int(value.rounded())) : String(Double(Int(value * 10)) / 10)
    }
}
