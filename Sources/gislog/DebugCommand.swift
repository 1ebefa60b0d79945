import ArgumentParser

internal import Glibc
import GISLogRules
import GISLogInput
import GISLogSupport

/// Hidden commands for measuring gislog itself (used by scripts/bench).
struct DebugCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug",
        abstract: "Commands for measuring gislog itself.",
        shouldDisplay: false,
        subcommands: [ReadOnly.self, Patterns.self, Feed.self]
    )

    /// Prints the rule pack as one PCRE2 alternation, so that `rg -P` can look for the same things in a
    /// benchmark. Named groups become plain groups (names may repeat across rules); a rule whose pattern
    /// also matches empty text (it relies on its code gate) is written as its `code="…"` attribute instead.
    struct Patterns: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "patterns", abstract: "Print the rules' patterns joined into one alternation.")

        @OptionGroup var rules: RuleOptions

        func run() throws {
            let set = try rules.load()
            let matcher = PCRE2Matcher(maxCaptures: set.maxCaptures)
            var parts: [String] = []
            for compiled in set.rules {
                let empty = [UInt8]()
                let matchesEmpty = empty.withUnsafeBytes { matcher.matches(compiled.pattern, $0) } != .noMatch
                if matchesEmpty {
                    parts.append("code=\"(?:" + compiled.rule.codes.sorted().map(String.init).joined(separator: "|") + ")\"")
                } else {
                    parts.append("(?:" + Self.unnamed(compiled.rule.pattern) + ")")
                }
            }
            let out = OutputFile.standardOutput()
            out.write(parts.joined(separator: "|") + "\n")
            out.flush()
        }

        /// `(?<name>` → `(?:` (and the `(?P<name>` spelling).
        static func unnamed(_ pattern: String) -> String {
            var result = ""
            var rest = Substring(pattern)
            while let open = rest.firstRange(of: "(?<") ?? rest.firstRange(of: "(?P<") {
                let after = rest[open.upperBound...]
                // Lookbehind `(?<=`/`(?<!` is not a name.
                if let first = after.first, first == "=" || first == "!" {
                    result += rest[..<open.upperBound]
                    rest = after
                    continue
                }
                guard let close = after.firstIndex(of: ">") else { break }
                result += rest[..<open.lowerBound] + "(?:"
                rest = after[after.index(after: close)...]
            }
            return result + rest
        }
    }

    /// Streams every file through the input layer (files, gzip, UTF-16) without parsing records: the
    /// baseline that `scan` is compared with.
    struct ReadOnly: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "read",
            abstract: "Read and decompress files without parsing them; print the bytes read.")

        @Argument(help: "Files or folders.")
        var paths: [String]

        @Option(name: .customLong("jobs"), help: "Files read in parallel.")
        var jobs: Int = 1

        func run() throws {
            let discovery = LogDiscovery.discover(paths: paths)
            let bytes = InputBenchmark.readAll(discovery.files, workers: jobs)
            let out = OutputFile.standardOutput()
            out.write("\(discovery.files.count) files, \(bytes) bytes of text\n")
            out.flush()
        }
    }
}
