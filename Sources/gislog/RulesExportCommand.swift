import ArgumentParser

internal import Glibc
import GISLogCorrelation
import GISLogSupport
import GISLogRules

/// Export formats of `gislog rules export`.
enum RuleExportFormat: String, ExpressibleByArgument, CaseIterable {
    case sigma
}

extension RulesCommand {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write the rules as Sigma rules for a SIEM, on the field names of 'scan --format ndjson --records all'.",
            discussion: """
                One Sigma rule (specification 2.x) per gislog rule, --rules files included: name is the gislog \
                rule id, id a UUID derived from it (the same on every export), the detection the rule's level, \
                code, source and product gates and its pattern (message|re). Also Sigma correlation rules for \
                what a SIEM can see of two causes: a restart, then certificate failures on the same host within \
                --restart-window; a token error, then a certificate failure within --token-window.

                A rule whose pattern has no exact form in Sigma's regular expressions (a lookahead, a \
                backreference, ...) is not exported: it is named with the reason on stderr and in \
                not-exported.txt in the folder. Exit codes: 0 every rule exported, 1 some left out, 2 could not run.

                Example:
                  gislog rules export --format sigma --output sigma/
                  gislog rules export --format sigma --rules site-rules.yaml --output sigma/
                """)

        @Option(help: "Export format (sigma).")
        var format: RuleExportFormat = .sigma

        @Option(name: .shortAndLong, help: ArgumentHelp("The folder to write the rules into (made if missing).", valueName: "dir"),
                completion: .directory)
        var output: String

        @Option(help: ArgumentHelp("The restart window of the restart correlation.", valueName: "duration"))
        var restartWindow: String = "15m"

        @Option(help: ArgumentHelp("The token window of the token correlation.", valueName: "duration"))
        var tokenWindow: String = "2m"

        @OptionGroup var rules: RuleOptions

        func run() throws {
            var options = CorrelationOptions()
            for (text, flag, path) in [(restartWindow, "restart-window", \CorrelationOptions.restartWindow),
                                       (tokenWindow, "token-window", \CorrelationOptions.tokenWindow)] {
                guard let value = DurationText.milliseconds(text), value > 0 else {
                    throw CommandFailure("--\(flag): '\(text)' is not a duration; write e.g. 90s, 15m or 2h")
                }
                options[keyPath: path] = value
            }
            let set = try rules.load()
            var names = Set<String>()
            let (exported, refused) = SigmaExport.export(set.rules.map(\.rule), names: &names)
            let correlations = SigmaCorrelationExport.files(exported: exported, causes: set.causes, options: options, names: &names)
            do {
                try makeDirectories(output)
            } catch {
                throw CommandFailure("--output: cannot make the folder \(output): \(error)")
            }
            var listing = "# gislog rules that have no Sigma form, with the reason (gislog rules export --format sigma).\n"
            listing += refused.isEmpty ? "# none: every rule was exported.\n" : refused.map { $0.line + "\n" }.joined()
            for file in exported.map(\.file) + correlations.files + [SigmaFile(name: "not-exported.txt", text: listing)] {
                do {
                    try AtomicFile.write(file.text, to: output + "/" + file.name)
                } catch {
                    throw CommandFailure("--output: \(error)")
                }
            }
            let err = OutputFile.standardError()
            for refusal in refused { err.write("gislog: " + refusal.line + "\n") }
            err.flush()
            let out = OutputFile.standardOutput()
            out.write("exported \(exported.count) of \(set.rules.count) rules to \(output)"
                      + (correlations.files.isEmpty ? "" : ", with the correlations in " + correlations.files.map(\.name).joined(separator: ", "))
                      + (refused.isEmpty ? "" : "; \(refused.count) not exported (listed in \(output)/not-exported.txt)") + "\n")
            out.flush()
            if !refused.isEmpty { throw ExitCode(1) }
        }
    }
}

/// `mkdir -p`: every missing folder of `path`.
private func makeDirectories(_ path: String) throws {
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
        current += "/" + part
        var info = stat()
        if stat(current, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else { throw CommandFailure("\(current) is not a folder") }
            continue
        }
        if mkdir(current, 0o755) != 0 && errno != EEXIST {
            throw CommandFailure(String(cString: strerror(errno)))
        }
    }
}
