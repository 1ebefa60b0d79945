internal import Glibc
import GISLogSupport

/// `--save-chain DIR`: each certificate an endpoint presented, as a PEM file named by host and subject,
/// ready for Portal's importRootOrIntermediate (the unknown root too, when the endpoint sends it).
public enum ChainSaver {
    /// Writes the chain of `result` into `directory` (created when missing) and lists the files in `result.saved`.
    public static func save(_ result: inout ProbeResult, to directory: String) throws(ProbeError) {
        guard !result.chain.isEmpty else { return }
        try makeDirectory(directory)
        for (depth, certificate) in result.chain.enumerated() {
            let path = (directory.hasSuffix("/") ? directory : directory + "/")
                + fileName(host: result.host, port: result.port, depth: depth, certificate: certificate)
            do {
                try AtomicFile.write(certificate.pem, to: path)
            } catch {
                throw ProbeError(kind: .output, description: "--save-chain \(directory): \(error.description)")
            }
            result.saved.append(path)
        }
    }

    /// `portal.example.org_443-0-portal.example.org.pem`: host, port, depth in the chain (0 = the endpoint's
    /// own) and the subject's common name (else the whole subject), reduced to letters, digits, `.`, `-`, `_`.
    public static func fileName(host: String, port: Int, depth: Int, certificate: CertificateInfo) -> String {
        let subject = certificate.commonName.flatMap { $0.isEmpty ? nil : $0 } ?? certificate.subject
        return "\(clean(host, limit: 80))_\(port)-\(depth)-\(clean(subject.isEmpty ? "no-subject" : subject, limit: 80)).pem"
    }

    static func clean(_ text: String, limit: Int) -> String {
        var out = ""
        var lastWasReplaced = false
        for scalar in text.unicodeScalars {
            // A dot only after something else: no "..", no hidden file.
            let dot = scalar == "." && !(out.isEmpty || out.hasSuffix(".") || out.hasSuffix("_"))
            let keep = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || dot || scalar == "-" || scalar == "_")
            if keep {
                out.unicodeScalars.append(scalar)
                lastWasReplaced = false
            } else if !lastWasReplaced {
                out += "_"
                lastWasReplaced = true
            }
            if out.utf8.count >= limit { break }
        }
        return out.isEmpty ? "_" : out
    }

    private static func makeDirectory(_ directory: String) throws(ProbeError) {
        var path = ""
        for (index, part) in directory.split(separator: "/", omittingEmptySubsequences: false).enumerated() {
            path = index == 0 ? String(part) : path + "/" + part
            if path.isEmpty || path.hasSuffix("/") { continue }
            if mkdir(path, 0o755) != 0 && errno != EEXIST {
                throw ProbeError(kind: .output, description: """
                    --save-chain \(directory): cannot create \(path): \(systemErrorText(errno)). Pick a folder you can write to.
                    """)
            }
        }
    }
}
