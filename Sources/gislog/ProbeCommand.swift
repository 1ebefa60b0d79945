import ArgumentParser
import GISLogProbe
import GISLogSupport


/// Output formats of `gislog probe`.
enum ProbeFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

/// How probes connect and what they trust: shared by `gislog probe` and `gislog scan --probe`.
struct ProbeNetworkOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Verify against the CA certificates in this PEM file instead of the system's (curl's --cacert), e.g. the roots exported from the failing machine or from Portal.",
        valueName: "pem"), completion: .file())
    var caFile: String?

    @Option(help: ArgumentHelp(
        "Connect to ADDR:PORT for HOST:PORT, still sending and checking the name HOST (curl's meaning; repeatable).",
        valueName: "host:port:addr:port"))
    var connectTo: [String] = []

    @Option(help: ArgumentHelp("Time allowed for each connection and each answer (default 10s): 500ms, 5s, 1m.",
                               valueName: "duration"))
    var timeout: String?

    /// Whether any of these options was given (they mean nothing to a scan without --probe).
    var isSet: Bool { caFile != nil || !connectTo.isEmpty || timeout != nil }

    /// The prober: OpenSSL loaded, the trust store read. Fails (exit 2) before anything is probed.
    func prober() throws -> Prober {
        try Self.prober(caFile: caFile, timeout: timeout, connectTo: connectTo)
    }

    static func prober(caFile: String?, timeout: String?, connectTo: [String]) throws -> Prober {
        let text = timeout ?? "10s"
        guard let milliseconds = DurationText.milliseconds(text), milliseconds >= 1, milliseconds <= 600_000 else {
            throw CommandFailure("--timeout: '\(text)' is not a duration between 1ms and 10m; write e.g. 5s or 500ms")
        }
        do {
            let rules = try connectTo.map { text throws(ProbeError) in try ConnectTo.parse(text) }
            return try Prober(caFile: caFile, timeout: Int(milliseconds), connectTo: rules)
        } catch {
            throw CommandFailure(error.description)
        }
    }
}

struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Check TLS endpoints: is their certificate trusted, and if not, why (self-signed, unknown CA, missing intermediate, expired, wrong name).",
        discussion: """
            Connects to each target, handshakes with its name (SNI), verifies the certificate chain it \
            presents against the trust store with OpenSSL, and reads ArcGIS's rest/info when the endpoint is \
            an ArcGIS Server or Portal. Sends no credentials, follows no redirects.

            The trust store is the system's, or --ca-file: the machine running gislog may trust what the \
            failing ArcGIS machine does not, so the output always names it.

            Verdicts: trusted, untrusted-ca, self-signed-certificate, expired-certificate, hostname-mismatch, \
            incomplete-chain, unreachable, not-tls.

            Exit codes: 0 every target trusted, 1 any target not trusted, 2 could not run.

            Examples:
              gislog probe portal.example.org gis-server01:6443
              gislog probe --ca-file portal-roots.pem --save-chain certs/ https://portal.example.org/arcgis
              gislog probe --connect-to portal.example.org:443:10.0.0.5:443 --format json portal.example.org
            """
    )

    @Argument(help: "host[:port] (port 443 by default) or an https:// URL.")
    var targets: [String]

    @Option(help: "Output format: text or json.")
    var format: ProbeFormat = .text

    @OptionGroup var network: ProbeNetworkOptions

    @Option(help: ArgumentHelp("Write each certificate presented as PEM into this folder, named by host and subject.",
                               valueName: "dir"), completion: .directory)
    var saveChain: String?

    func run() throws {
        let parsed: [ProbeTarget]
        do {
            parsed = try targets.map { text throws(ProbeError) in try ProbeTarget.parse(text) }
        } catch {
            throw CommandFailure(error.description)
        }
        let prober = try network.prober()
        var results = prober.probe(parsed)
        if let saveChain {
            for index in results.indices {
                do { try ChainSaver.save(&results[index], to: saveChain) } catch { throw CommandFailure(error.description) }
            }
        }
        let out = OutputFile.standardOutput()
        out.write(format == .json ? ProbeJSON.document(results) : ProbeText.render(results))
        out.flush()
        throw ExitCode(results.allSatisfy { $0.verdict == .trusted } ? 0 : 1)
    }
}
