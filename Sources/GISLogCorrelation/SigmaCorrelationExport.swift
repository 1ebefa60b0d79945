public import GISLogRules

/// Sigma correlation rules for the causes whose core signal a SIEM can see on its own: a machine restart
/// followed by certificate failures on the same host within `--restart-window` (machine-restart), and a
/// token error followed by a certificate failure on the same host within `--token-window` (token-expiry).
///
/// gislog's own ranking weighs more than this (failures on a peer of the restarted machine, quiet before,
/// failures that fade, token lifetimes); the correlations carry only the part Sigma can express. Each
/// correlation refers to an "any of" rule per kind of event, built from the exported rules.
public enum SigmaCorrelationExport {
    /// Names of the "any of" rules and the correlations (outside the rule id space of the pack by their prefix).
    public static let anyCertificateFailure = "gislog.any-certificate-failure"
    public static let anyMachineRestart = "gislog.any-machine-restart"
    public static let anyTokenError = "gislog.any-token-error"
    public static let restartThenFailures = "gislog.restart-then-certificate-failures"
    public static let tokenErrorThenFailure = "gislog.token-error-then-certificate-failure"

    /// The "any of" rules and the correlations, for the rules that were exported.
    /// - Returns: the files, and for each "any of" rule the gislog rule ids it stands for.
    public static func files(exported: [SigmaExport.Exported], causes: [CauseDefinition], options: CorrelationOptions,
                             names: inout Set<String>) -> (files: [SigmaFile], members: [String: [String]]) {
        let ids = Set(exported.map(\.rule.id))
        let reserved = [anyCertificateFailure, anyMachineRestart, anyTokenError, restartThenFailures, tokenErrorThenFailure]
        guard reserved.allSatisfy({ !ids.contains($0) }) else { return ([], [:]) }
        // Bound by the evidence the rule files declare, as the diagnosis is.
        let failures = exported.filter { $0.rule.evidence?.isFailure ?? false }
        let restarts = exported.filter { $0.rule.evidence == .machineStart || $0.rule.evidence == .machineStop }
        let tokens = exported.filter { $0.rule.category == .token }
        var files: [SigmaFile] = []
        var members: [String: [String]] = [:]
        guard !failures.isEmpty else { return ([], [:]) }
        files.append(SigmaExport.anyOf(
            name: anyCertificateFailure, title: "ArcGIS certificate failure (any gislog certificate rule)",
            description: "A record that any of the gislog rules for certificate failures matches; the events the correlations count.",
            level: .medium, members: failures, taken: &names))
        members[anyCertificateFailure] = failures.map(\.rule.id)
        if !restarts.isEmpty {
            files.append(SigmaExport.anyOf(
                name: anyMachineRestart, title: "ArcGIS machine restart (any gislog restart rule)",
                description: "A record that says an ArcGIS Server or Portal machine (not only a service instance) stopped or started.",
                level: .low, members: restarts, taken: &names))
            members[anyMachineRestart] = restarts.map(\.rule.id)
            files.append(SigmaExport.correlation(
                name: restartThenFailures, title: "ArcGIS certificate failures right after a restart of the same machine",
                description: "A machine restart, then a certificate failure on the same host within the restart window "
                    + "(gislog's --restart-window): the core signal of the machine-restart cause. Failures that keep "
                    + "coming long after the restart point to another cause.",
                type: "temporal", rules: [anyMachineRestart, anyCertificateFailure], groupBy: ["host.name"],
                timespan: options.restartWindow, level: .high, taken: &names))
        }
        if !tokens.isEmpty {
            files.append(SigmaExport.anyOf(
                name: anyTokenError, title: "ArcGIS token error (any gislog token rule)",
                description: "A record that says a token was invalid, expired, missing or could not be made.",
                level: .medium, members: tokens, taken: &names))
            members[anyTokenError] = tokens.map(\.rule.id)
            files.append(SigmaExport.correlation(
                name: tokenErrorThenFailure, title: "ArcGIS certificate failure right after a token error on the same machine",
                description: "A token error, then a certificate failure on the same host within the token window "
                    + "(gislog's --token-window): the core signal of the token-expiry cause.",
                type: "temporal", rules: [anyTokenError, anyCertificateFailure], groupBy: ["host.name"],
                timespan: options.tokenWindow, level: .high, taken: &names))
        }
        // One file, rules before the correlations that name them: pySigma converts a collection in load
        // order, and a folder's files load in no fixed order.
        let text = files.map(\.text).joined(separator: "---\n")
        return ([SigmaFile(name: "arcgis_gislog_correlations.yml", text: text)], members)
    }
}
