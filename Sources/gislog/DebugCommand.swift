import ArgumentParser

internal import Glibc
import GISLogRules
import GISLogInput
import GISLogSupport
import GISLogCorrelation

/// Hidden commands for measuring gislog itself (used by scripts/bench).
struct DebugCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug",
        abstract: "Commands for measuring gislog itself.",
        shouldDisplay: false,
        subcommands: [ReadOnly.self, Patterns.self, RuleTiming.self, Feed.self]
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
            try out.finishOrFail("the patterns")
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

        func validate() throws {
            do {
                _ = try OptionValue.count(jobs, option: "--jobs", range: 1...ScanCommand.maxJobs)
            } catch {
                throw ValidationError(error.description)
            }
        }

        func run() throws {
            let discovery = LogDiscovery.discover(paths: paths)
            let bytes = InputBenchmark.readAll(discovery.files, workers: jobs)
            let out = OutputFile.standardOutput()
            out.write("\(discovery.files.count) files, \(bytes) bytes of text\n")
            try out.finishOrFail("the result")
        }
    }

    /// Times what every scan pays at start-up for its rules: reading the rule files' YAML, and the whole
    /// load (YAML, checks, PCRE2 compilation) as `scan` does it.
    struct RuleTiming: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rule-timing", abstract: "Time parsing and loading the rule files.")

        @OptionGroup var rules: RuleOptions

        @Option(help: "Passes to time (the mean is printed).")
        var passes: Int = 200

        func run() throws {
            let sources = try rules.sources()
            let passes = max(1, self.passes)
            // CPU time of this thread: on a busy machine, wall-clock time mostly measures the neighbours.
            let parsing = Self.cpuTime {
                for _ in 0..<passes {
                    for source in sources { _ = try? YAMLParser.parse(source.text) }
                }
            }
            let loading = Self.cpuTime {
                for _ in 0..<passes { _ = try? rules.load() }
            }
            let bytes = sources.reduce(0) { $0 + $1.text.utf8.count }
            let out = OutputFile.standardOutput()
            func perPass(_ seconds: Double) -> String { "\(Int(seconds / Double(passes) * 1e6)) µs" }
            out.write("\(sources.count) rule files, \(bytes) bytes, \(passes) passes; CPU time per pass: "
                      + "YAML \(perPass(parsing)), whole load \(perPass(loading))\n")
            out.flush()
        }

        /// Seconds of CPU time the calling thread spends in `body`.
        static func cpuTime(_ body: () -> Void) -> Double {
            var start = timespec(), end = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start)
            body()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end)
            return Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
        }
    }
}
