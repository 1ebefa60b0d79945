import ArgumentParser
import GISLogKit
internal import Glibc

/// Hidden commands for measuring gislog itself (used by scripts/bench).
struct DebugCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug",
        abstract: "Commands for measuring gislog itself.",
        shouldDisplay: false,
        subcommands: [ReadOnly.self]
    )

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
