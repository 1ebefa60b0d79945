/// What a probe concluded about an endpoint. Where a verdict is also a cause id, it is the same word.
public enum ProbeVerdict: String, Sendable, Hashable, CaseIterable {
    case trusted
    /// The chain sent ends at a CA the trust store does not hold.
    case untrustedCA = "untrusted-ca"
    /// The endpoint's certificate is its own issuer, and the store does not hold it.
    case selfSignedCertificate = "self-signed-certificate"
    /// A certificate of the chain has expired or is not yet valid.
    case expiredCertificate = "expired-certificate"
    /// The certificate does not name the host asked for.
    case hostnameMismatch = "hostname-mismatch"
    /// The endpoint did not send its certificate's issuer, and the store does not hold it.
    case incompleteChain = "incomplete-chain"
    /// No TCP connection, no address, or no answer in time.
    case unreachable
    /// A TCP connection, but no TLS session.
    case notTLS = "not-tls"

    /// Whether the verdict comes from the certificates (a TLS session was set up).
    public var isCertificateVerdict: Bool { self != .unreachable && self != .notTLS }
}

/// Turns OpenSSL's verify problems into a verdict and a sentence.
public enum VerdictJudge {
    /// The verdict, every certificate verdict that applies (most fundamental first), and why.
    /// - Parameters:
    ///   - problems: OpenSSL's verify problems for the chain (empty: it verified).
    ///   - chain: the certificates as sent, leaf first.
    ///   - host: the name asked for.
    ///   - store: the trust store as a phrase ("the CA certificates in roots.pem").
    public static func judge(problems: [VerifyProblem], chain: [CertificateInfo], host: String,
                             store: String) -> (verdict: ProbeVerdict, problems: [ProbeVerdict], reason: String) {
        var found: [ProbeVerdict: VerifyProblem] = [:]
        var other: VerifyProblem?
        for problem in problems {
            let verdict: ProbeVerdict?
            switch problem.code {
            case 18: verdict = .selfSignedCertificate
            case 20 where problem.depth == 0, 21: verdict = .incompleteChain
            case 2, 19, 20, 27, 28: verdict = .untrustedCA
            case 9, 10, 13, 14: verdict = .expiredCertificate
            case 62, 64: verdict = .hostnameMismatch
            default: verdict = nil
            }
            if let verdict { if found[verdict] == nil { found[verdict] = problem } } else if other == nil { other = problem }
        }
        let order: [ProbeVerdict] = [.selfSignedCertificate, .incompleteChain, .untrustedCA, .expiredCertificate, .hostnameMismatch]
        var all = order.filter { found[$0] != nil }
        if let other, found[.untrustedCA] == nil, found[.incompleteChain] == nil, found[.selfSignedCertificate] == nil {
            all.insert(.untrustedCA, at: all.firstIndex(of: .expiredCertificate) ?? all.count)
            found[.untrustedCA] = other
        }
        guard let verdict = all.first else {
            let leaf = chain.first
            let until = leaf?.notAfter.map { ", valid until \(UTCTime.date($0))" } ?? ""
            return (.trusted, [], "the chain verifies against \(store) and the certificate names \(host)\(until)")
        }
        var sentences = all.map { sentence($0, problem: found[$0]!, chain: chain, host: host, store: store) }
        if all.count > 1 { sentences[1] = "also: " + sentences[1] }
        return (verdict, all, sentences.joined(separator: "; "))
    }

    private static func sentence(_ verdict: ProbeVerdict, problem: VerifyProblem, chain: [CertificateInfo], host: String,
                                 store: String) -> String {
        let leaf = chain.first
        let certificate = problem.depth < chain.count ? chain[problem.depth] : leaf
        switch verdict {
        case .selfSignedCertificate:
            return "\(host) presents a self-signed certificate (\(leaf?.subject ?? "?"), its own issuer) that \(store) does not hold"
        case .incompleteChain:
            return "\(host) sent its certificate without the certificate of its issuer (\(leaf?.issuer ?? "?")), and \(store) "
                + "does not hold it: the endpoint is missing an intermediate certificate"
        case .untrustedCA:
            switch problem.code {
            case 19:
                return "the chain \(host) sends ends at the root \(certificate?.subject ?? "?"), which \(store) does not hold"
            case 2, 20:
                return "the chain \(host) sends ends at \(certificate?.subject ?? "?"), issued by \(certificate?.issuer ?? "?"), "
                    + "a CA that \(store) does not hold"
            default:
                return "the chain \(host) sends does not verify against \(store): \(problem.text) "
                    + "(OpenSSL verify error \(problem.code) at depth \(problem.depth))"
            }
        case .expiredCertificate:
            let which = problem.depth == 0 ? "the certificate of \(host)" : "the CA certificate \(certificate?.subject ?? "?")"
            switch problem.code {
            case 9: return "\(which) is not valid before \(certificate?.notBefore.map(UTCTime.rfc3339) ?? "?")"
            case 10: return "\(which) expired on \(certificate?.notAfter.map(UTCTime.rfc3339) ?? "?")"
            default: return "\(which) has unreadable validity dates (\(problem.text))"
            }
        case .hostnameMismatch:
            let names = leaf?.names ?? []
            let shown = names.prefix(5).joined(separator: ", ") + (names.count > 5 ? " and \(names.count - 5) more" : "")
            return "the certificate is for \(names.isEmpty ? "no name" : shown), not \(host)"
        case .trusted, .unreachable, .notTLS:
            return problem.text
        }
    }
}
