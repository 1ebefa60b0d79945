public import GISLogSupport
/// One endpoint's probe: the verdict, why, against which trust store, and what it presented.
public struct ProbeResult: Sendable, Hashable {
    /// `host:port` as probed (the name sent and checked; `--connect-to` may have sent the bytes elsewhere).
    public var target: String
    public var host: String
    public var port: Int
    public var verdict: ProbeVerdict
    /// Every certificate verdict that applies, the verdict first (empty when trusted or not reached).
    public var problems: [ProbeVerdict]
    public var reason: String
    /// `system (…)` or `ca-file PATH (N certificates)`.
    public var trustStore: String
    /// The trust store as a phrase for sentences.
    public var trustStorePhrase: String
    /// The address the TCP connection reached (`192.0.2.1:443`), when it did.
    public var connectedTo: String?
    /// `TLSv1.3`, when a session was set up.
    public var tlsVersion: String?
    /// OpenSSL's verify problems, as found.
    public var verifyErrors: [VerifyProblem]
    /// As presented by the endpoint, leaf first.
    public var chain: [CertificateInfo]
    public var arcgis: ArcGISInfo?
    /// PEM files written by `--save-chain`.
    public var saved: [String] = []

    public init(target: String, host: String, port: Int, verdict: ProbeVerdict, problems: [ProbeVerdict] = [], reason: String,
                trustStore: String, trustStorePhrase: String, connectedTo: String? = nil, tlsVersion: String? = nil,
                verifyErrors: [VerifyProblem] = [], chain: [CertificateInfo] = [], arcgis: ArcGISInfo? = nil) {
        self.target = target
        self.host = host
        self.port = port
        self.verdict = verdict
        self.problems = problems
        self.reason = reason
        self.trustStore = trustStore
        self.trustStorePhrase = trustStorePhrase
        self.connectedTo = connectedTo
        self.tlsVersion = tlsVersion
        self.verifyErrors = verifyErrors
        self.chain = chain
        self.arcgis = arcgis
    }

    /// The endpoint's own certificate in one line: subject, issuer, validity, SHA-256.
    public var leafSummary: String? {
        chain.first.map { ProbeText.summary($0) }
    }
}

/// The probe's JSON: `{"probes": [...]}` for `gislog probe`, and the same objects in a scan report's causes.
public enum ProbeJSON {
    /// The whole `gislog probe --format json` document.
    public static func document(_ results: [ProbeResult]) -> String {
        var json = JSONWriter(pretty: true)
        json.beginObject()
        json.key("probes")
        json.beginArray()
        for result in results { write(result, into: &json) }
        json.endArray()
        json.endObject()
        return json.output + "\n"
    }

    /// One probe as a JSON object (also a cause's `probe` entries in scan reports).
    public static func write(_ result: ProbeResult, into json: inout JSONWriter) {
        json.beginObject()
        json.field("target", result.target)
        json.field("verdict", result.verdict.rawValue)
        json.field("reason", result.reason)
        json.field("trust_store", result.trustStore)
        json.key("problems"); json.beginArray(); for problem in result.problems { json.value(problem.rawValue) }; json.endArray()
        json.field("connected_to", result.connectedTo)
        json.field("tls_version", result.tlsVersion)
        json.key("verify_errors")
        json.beginArray()
        for error in result.verifyErrors {
            json.beginObject()
            json.field("code", Int(error.code))
            json.field("depth", error.depth)
            json.field("text", error.text)
            json.endObject()
        }
        json.endArray()
        json.key("chain")
        json.beginArray()
        for certificate in result.chain { write(certificate, into: &json) }
        json.endArray()
        json.key("arcgis")
        if let info = result.arcgis {
            json.beginObject()
            json.field("product", info.product)
            json.field("version", info.version)
            json.key("token_based"); if let based = info.tokenBased { json.value(based) } else { json.null() }
            json.key("short_lived_token_minutes")
            if let minutes = info.shortLivedTokenMinutes { json.value(minutes) } else { json.null() }
            json.field("path", info.path)
            json.endObject()
        } else {
            json.null()
        }
        if !result.saved.isEmpty {
            json.key("saved"); json.beginArray(); for path in result.saved { json.value(path) }; json.endArray()
        }
        json.endObject()
    }

    /// One certificate of a chain as a JSON object.
    public static func write(_ certificate: CertificateInfo, into json: inout JSONWriter) {
        json.beginObject()
        json.field("subject", certificate.subject)
        json.field("issuer", certificate.issuer)
        json.field("not_before", certificate.notBefore.map(UTCTime.rfc3339))
        json.field("not_after", certificate.notAfter.map(UTCTime.rfc3339))
        json.field("sha256", certificate.sha256Hex)
        json.field("self_signed", certificate.selfSigned)
        json.key("dns_names"); json.beginArray(); for name in certificate.dnsNames { json.value(name) }; json.endArray()
        json.key("ip_addresses"); json.beginArray(); for address in certificate.ipAddresses { json.value(address) }; json.endArray()
        json.endObject()
    }
}

/// The probe's text for a terminal.
public enum ProbeText {
    /// Every probe, one block each.
    public static func render(_ results: [ProbeResult]) -> String {
        var out = ""
        for (index, result) in results.enumerated() {
            if index > 0 { out += "\n" }
            out += render(result)
        }
        return out
    }

    static func render(_ result: ProbeResult) -> String {
        func safe(_ text: String) -> String { text.terminalSafe() }
        var out = "\(safe(result.target)) — \(result.verdict.rawValue)\n"
        out += wrap(safe(result.reason), indent: "  ")
        out += wrap("trust store: " + safe(result.trustStore), indent: "  ")
        if let connected = result.connectedTo {
            out += "  connected to \(safe(connected))" + (result.tlsVersion.map { ", \(safe($0))" } ?? "") + "\n"
        }
        for error in result.verifyErrors {
            out += "  OpenSSL: \(safe(error.text)) (verify error \(error.code) at depth \(error.depth))\n"
        }
        if !result.chain.isEmpty {
            out += "  chain as presented, leaf first:\n"
            for (depth, certificate) in result.chain.enumerated() {
                out += "  \(depth) subject  \(safe(certificate.subject))" + (certificate.selfSigned ? " (self-signed)" : "") + "\n"
                out += "    issuer   \(safe(certificate.issuer))\n"
                out += "    valid    \(certificate.notBefore.map(UTCTime.rfc3339) ?? "?") … \(certificate.notAfter.map(UTCTime.rfc3339) ?? "?")\n"
                let names = certificate.dnsNames + certificate.ipAddresses
                if !names.isEmpty {
                    out += "    names    " + safe(names.prefix(8).joined(separator: ", "))
                        + (names.count > 8 ? " and \(names.count - 8) more" : "") + "\n"
                }
                out += "    sha256   \(certificate.sha256Hex)\n"
            }
        }
        if let info = result.arcgis {
            var line = "  ArcGIS: \(info.product == "portal" ? "Portal for ArcGIS" : "ArcGIS Server")"
            if let version = info.version { line += " " + safe(version) }
            var details: [String] = []
            if let based = info.tokenBased { details.append(based ? "token-based security" : "no token-based security") }
            if let minutes = info.shortLivedTokenMinutes { details.append("short-lived tokens \(minutes) min") }
            if !details.isEmpty { line += " (" + details.joined(separator: ", ") + ")" }
            out += line + " — \(safe(info.path))\n"
        }
        for path in result.saved { out += "  saved \(safe(path))\n" }
        return out
    }

    /// Words of `text` on lines of at most 100 columns (a longer word gets a line of its own), each line
    /// starting with `indent`.
    static func wrap(_ text: String, indent: String, width: Int = 100) -> String {
        var out = indent, column = indent.count, empty = true
        // Empty words keep runs of spaces as they are (a name may hold two in a row).
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if !empty && !word.isEmpty && column + 1 + word.count > width {
                out += "\n" + indent
                column = indent.count
                empty = true
            }
            if !empty { out += " "; column += 1 }
            out += word
            column += word.count
            empty = false
        }
        return out + "\n"
    }

    /// `subject …, issuer …, valid … to …, SHA-256 …`: one certificate in a sentence.
    public static func summary(_ certificate: CertificateInfo) -> String {
        var text = "subject \(certificate.subject)"
        text += certificate.selfSigned ? " (self-signed)" : ", issuer \(certificate.issuer)"
        if let from = certificate.notBefore, let to = certificate.notAfter {
            text += ", valid \(UTCTime.rfc3339(from)) to \(UTCTime.rfc3339(to))"
        }
        return text + ", SHA-256 \(certificate.sha256Hex)"
    }
}
