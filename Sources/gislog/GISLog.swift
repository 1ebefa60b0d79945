import ArgumentParser
import GISLogKit
internal import Glibc

/// The `gislog` command: a thin shell that maps flags onto GISLogKit and picks the exit code.
@main
struct GISLog: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "gislog",
        abstract: "Find why ArcGIS Enterprise publishing and federation fail: certificates, tokens, restarts.",
        discussion: """
            gislog reads ArcGIS Server, Portal for ArcGIS and Data Store logs (plain or gzipped, whole \
            folders at once) and reports what it read.

            Examples:
              gislog scan /arcgis/arcgisserver/logs /arcgis/arcgisportal/logs
              gislog scan --timezone America/Chicago logs-copy/
              gislog scan --format json Samples/basic > coverage.json

            Exit codes: 0 nothing found, 1 causes found, 2 could not run.
            """,
        version: version,
        subcommands: [ScanCommand.self, RulesCommand.self, DebugCommand.self],
        defaultSubcommand: nil
    )

    /// Runs the command and maps every failure onto exit code 2 ("could not run"), as the README promises;
    /// swift-argument-parser alone would use 64 for usage errors.
    static func main() {
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
                out.flush()
                Glibc.exit(0)
            }
            let err = OutputFile.standardError()
            err.write("gislog: " + message + "\n")
            err.flush()
            Glibc.exit(2)
        }
    }
}
