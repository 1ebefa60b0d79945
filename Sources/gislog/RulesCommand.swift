import ArgumentParser
import GISLogRules
import GISLogSupport
import GISLogReports


struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List, check and test detection rules.",
        discussion: """
            Rules are YAML files: each rule has an id, a title, a category (certificate, token, restart, \
            federation, publishing, connectivity) and a PCRE2 pattern whose named groups become event fields. \
            The built-in pack is compiled into gislog; --rules adds files and replaces built-in rules by id.

            Examples:
              gislog rules list
              gislog rules check my-rules.yaml
              gislog rules test --no-default-rules my-rules/
            """,
        subcommands: [List.self, Check.self, Test.self, Export.self]
    )

    // Every command gives its name: one left to be derived from the type's name costs every run of gislog,
    // whatever its command, a demangling of that name (about a million instructions each).
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the rules: id, category, level and title, and where each comes from.",
            discussion: "Example:\n  gislog rules list --rules local-rules/")

        @OptionGroup var rules: RuleOptions

        func run() throws {
            let set = try rules.load()
            let out = OutputFile.standardOutput()
            let idWidth = min(40, set.rules.map(\.rule.id.count).max() ?? 2)
            out.write(pad("ID", idWidth) + "  " + pad("CATEGORY", 12) + "  " + pad("LEVEL", 13) + "  TITLE\n")
            for compiled in set.rules {
                let rule = compiled.rule
                out.write(pad(rule.id, idWidth) + "  " + pad(rule.category.rawValue, 12) + "  "
                          + pad(rule.severity.rawValue, 13) + "  " + rule.title + "\n")
                out.write(String(repeating: " ", count: idWidth + 2) + "from " + rule.origin.file + ":\(rule.origin.line)"
                          + gates(rule) + "\n")
            }
            out.write("\n\(set.rules.count) rules\n")
            try out.finishOrFail("the rule list")
        }

        private func gates(_ rule: Rule) -> String {
            var parts: [String] = []
            if !rule.logLevels.isEmpty { parts.append("levels " + rule.logLevels.sorted(by: >).map(\.name).joined(separator: ",")) }
            if !rule.codes.isEmpty { parts.append("codes " + rule.codes.sorted().map(String.init).joined(separator: ",")) }
            if !rule.sources.isEmpty { parts.append("sources " + rule.sources.joined(separator: ",")) }
            if !rule.products.isEmpty { parts.append("products " + rule.products.map(\.rawValue).sorted().joined(separator: ",")) }
            return parts.isEmpty ? "" : " (" + parts.joined(separator: "; ") + ")"
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate rule files: YAML, keys, categories, patterns and samples. Exit 0 if all is well, 2 if not.",
            discussion: """
                Without paths, checks the built-in pack (and any --rules). With paths, checks those files \
                together with the built-in pack, so duplicate ids are found too.

                Example:
                  gislog rules check my-rules.yaml
                """)

        @OptionGroup var rules: RuleOptions

        @Argument(help: "Rule files or folders to check.", completion: .file(extensions: ["yaml", "yml"]))
        var paths: [String] = []

        func run() throws {
            let sources = try rules.sources(extra: paths)
            do {
                let set = try RulePack.load(sources)
                let out = OutputFile.standardOutput()
                out.write("ok: \(set.rules.count) rules in \(sources.count) file\(sources.count == 1 ? "" : "s")\n")
                try out.finishOrFail("the result")
            } catch let error as RuleLoadError {
                throw RuleFailure(error)
            }
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Run every rule's samples and report each rule as PASS or FAIL with the reason.",
            discussion: """
                A 'match' sample must match and yield the fields it lists; a 'no_match' sample must not match. \
                A sample written as a whole <Msg ...> record also goes through the rule's level, code and source \
                gates. Exit 0 when every sample behaves, 1 when one does not, 2 when the rules cannot be read.

                Example:
                  gislog rules test --no-default-rules my-rules/
                """)

        @OptionGroup var rules: RuleOptions

        @Argument(help: "Rule files or folders to test (with the built-in pack unless --no-default-rules).",
                  completion: .file(extensions: ["yaml", "yml"]))
        var paths: [String] = []

        @Flag(name: .shortAndLong, help: "Show every sample, not only failures.")
        var verbose = false

        func run() throws {
            let set: RuleSet
            do {
                set = try RulePack.load(try rules.sources(extra: paths), checkSamples: .none)
            } catch let error as RuleLoadError {
                throw RuleFailure(error)
            }
            let out = OutputFile.standardOutput()
            var failedRules = 0, samples = 0, noSamples: [String] = []
            for compiled in set.rules {
                let results = RuleSampleTester.run(compiled)
                samples += results.count
                let failures = results.filter { $0.failure != nil }
                if results.isEmpty { noSamples.append(compiled.rule.id) }
                out.write((failures.isEmpty ? "PASS " : "FAIL ") + compiled.rule.id + " (\(results.count) sample\(results.count == 1 ? "" : "s"))\n")
                for result in results where verbose || result.failure != nil {
                    let kind = result.expectedMatch ? "match" : "no_match"
                    out.write("     \(compiled.rule.origin.file):\(result.sample.line): \(kind): "
                              + (result.failure ?? "ok") + "\n")
                    if result.failure != nil {
                        out.write("       sample: " + Format.terminalSafe(Format.clip(result.sample.text, 200)) + "\n")
                    }
                }
                if !failures.isEmpty { failedRules += 1 }
            }
            out.write("\n\(set.rules.count - failedRules) passed, \(failedRules) failed (\(samples) samples)\n")
            if !noSamples.isEmpty {
                out.write("rules without samples: " + noSamples.joined(separator: ", ") + "\n")
            }
            try out.finishOrFail("the test results")
            if failedRules > 0 { throw ExitCode(1) }
        }
    }
}

private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}
