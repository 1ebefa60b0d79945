import ArgumentParser
import GISLogCorrelation
import GISLogRules
import GISLogSupport


/// Flags for the correlation's windows and thresholds. Durations: `90s`, `15m`, `2h`, or minutes.
struct CorrelationFlags: ParsableArguments {
    @Option(help: ArgumentHelp("Failures starting this long after a restart can be caused by it.", valueName: "duration"))
    var restartWindow: String = "15m"

    @Option(help: ArgumentHelp("Failures caused by a restart end within this time after it.", valueName: "duration"))
    var fadeWindow: String = "30m"

    @Option(help: ArgumentHelp("How far before a restart to look for failures that would disprove it.", valueName: "duration"))
    var lookback: String = "12h"

    @Option(help: ArgumentHelp("A token error this long before a failure counts toward token expiry.", valueName: "duration"))
    var tokenWindow: String = "2m"

    @Option(help: ArgumentHelp("Failures further apart than this are separate episodes.", valueName: "duration"))
    var episodeGap: String = "30m"

    @Option(help: ArgumentHelp("Events of one rule and machine closer than this are one burst.", valueName: "duration"))
    var burstGap: String = "10m"

    @Option(help: ArgumentHelp("Report causes at or above this confidence (0 to 1).", valueName: "number"))
    var minConfidence: Double = 0.3

    @Option(help: ArgumentHelp(
        "The site's ArcGIS Enterprise version (10.8.1, 11.3); it chooses the steps that differ by version.",
        discussion: "Without it, a --probe reads the version from the peers' rest/info; otherwise steps that differ by "
            + "version are printed for each version range, marked.",
        valueName: "version"))
    var arcgisVersion: String?

    /// The longest window any of the duration options takes.
    static let maxWindow: Int64 = 30 * 86_400_000

    func validate() throws { _ = try options() }

    func options() throws -> CorrelationOptions {
        var options = CorrelationOptions()
        func duration(_ text: String, _ flag: String) throws -> Int64 {
            do {
                return try OptionValue.duration(text, option: "--" + flag, range: 0...Self.maxWindow)
            } catch {
                throw ValidationError(error.description)
            }
        }
        options.restartWindow = try duration(restartWindow, "restart-window")
        options.fadeWindow = try duration(fadeWindow, "fade-window")
        options.lookback = try duration(lookback, "lookback")
        options.tokenWindow = try duration(tokenWindow, "token-window")
        options.episodeGap = try duration(episodeGap, "episode-gap")
        options.burstGap = try duration(burstGap, "burst-gap")
        do {
            options.minimumConfidence = try OptionValue.fraction(minConfidence, option: "--min-confidence", range: 0...1)
        } catch {
            throw ValidationError(error.description)
        }
        if let arcgisVersion {
            guard let version = ArcGISVersion(arcgisVersion) else {
                throw ValidationError("--arcgis-version: expected a release such as 10.8.1 or 11.3, got '\(arcgisVersion)'")
            }
            options.arcgisVersion = SiteVersion(version: version, source: "--arcgis-version")
        }
        return options
    }
}
