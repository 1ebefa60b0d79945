import ArgumentParser
import GISLogRules


/// `--rules` and `--no-default-rules`, shared by `scan` and `rules`.
struct RuleOptions: ParsableArguments {
    @Option(name: .customLong("rules"), help: ArgumentHelp(
        "A rule file or folder of rule files to add (repeatable); its rules replace built-in rules with the same id.",
        valueName: "path"), completion: .file(extensions: ["yaml", "yml"]))
    var rulePaths: [String] = []

    @Flag(help: "Do not load the rule pack built into gislog.")
    var noDefaultRules = false

    /// The rule files to load, built-in first.
    func sources(extra: [String] = []) throws -> [RuleSource] {
        do {
            // The causes file is not a rule: it stays loaded with --no-default-rules.
            let builtin = noDefaultRules ? RulePack.builtinSources.filter { $0.name == RulePack.builtinCausesName } : RulePack.builtinSources
            return builtin + (try RulePack.sources(paths: rulePaths + extra))
        } catch {
            throw RuleFailure(error)
        }
    }

    /// Loads and checks the rules (the built-in pack's samples are left to its tests and `rules check`);
    /// a bad rule file stops the command with exit code 2.
    func load(extra: [String] = []) throws -> RuleSet {
        do {
            return try RulePack.load(try sources(extra: extra), checkSamples: .localOnly)
        } catch let error as RuleLoadError {
            throw RuleFailure(error)
        }
    }
}

/// A rule set that could not be loaded: printed one problem per line, exit code 2.
struct RuleFailure: Error, CustomStringConvertible {
    let error: RuleLoadError
    init(_ error: RuleLoadError) { self.error = error }

    var description: String {
        "the rules could not be loaded (\(error.issues.count) problem\(error.issues.count == 1 ? "" : "s")); nothing was scanned:\n"
            + error.description
    }
}

/// A failure found while running (not a usage mistake): printed as it is, without the usage text; exit 2.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
