import ArgumentParser

internal import Glibc
import GISLogSupport

/// The `gislog` command: a thin shell that maps flags onto GISLogKit and picks the exit code.
@main
struct GISLog: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "gislog",
        abstract: "Find why ArcGIS Enterprise publishing and federation fail: certificates, tokens, restarts.",
        discussion: """
            gislog reads ArcGIS Server, Portal for ArcGIS and Data Store logs (plain or gzipped, whole \
            folders at once), finds certificate, token, restart, federation and publishing events with \
            PCRE2 rule files, correlates them on log time, and ranks the likely causes with the steps to fix \
            them, your own hosts filled in.

            Examples:
              gislog scan /arcgis/arcgisserver/logs /arcgis/arcgisportal/logs
              gislog scan --timezone America/Chicago --format html -o report.html logs/
              gislog scan --state site.state --quiet-if-clean --format markdown logs/
              gislog scan --format ndjson logs/ >> events.ndjson
              gislog fetch --server https://gis:6443/arcgis --user admin --out logs/
              gislog scan --probe logs/             (then check the failing peers' certificates live)
              gislog probe --save-chain certs/ portal.example.org
              gislog rules test my-rules.yaml

            Shell completions: gislog --generate-completion-script bash|zsh|fish
            Exit codes: 0 nothing found, 1 causes found, 2 could not run.
            """,
        version: version,
        subcommands: [ScanCommand.self, FetchCommand.self, ProbeCommand.self, RulesCommand.self, DebugCommand.self],
        defaultSubcommand: nil
    )

    /// Runs the command and maps every failure onto exit code 2 ("could not run"), as the README promises;
    /// swift-argument-parser alone would use 64 for usage errors.
    static func main() {
        // A file-size limit (ulimit -f) or a reader that went away (`| head`) must be a failed write with a
        // message and exit 2 — so a wrapper knows the report did not arrive — not a process killed by a signal.
        signal(SIGXFSZ, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Glibc.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                let out = OutputFile.standardOutput()
                out.write(message + "\n")
                do {
                    try out.finish()
                } catch {
                    let err = OutputFile.standardError()
                    err.write("gislog: cannot write to standard output: \(error)\n")
                    err.flush()
                    Glibc.exit(2)
                }
                Glibc.exit(0)
            }
            let err = OutputFile.standardError()
            err.write("gislog: " + message + "\n")
            err.flush()
            Glibc.exit(2)
        }
    }
}
