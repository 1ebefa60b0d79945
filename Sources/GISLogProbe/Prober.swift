internal import Glibc
internal import Synchronization
import GISLogSupport

/// Probes TLS endpoints: connects (through `--connect-to` rules), handshakes with SNI, verifies the chain
/// sent against one trust store with OpenSSL, and reads ArcGIS's `rest/info`. It sends a TLS ClientHello
/// and, for `rest/info`, an anonymous `GET` — never a credential, a cookie or a token — and follows no
/// redirect. Every step has the same time limit.
public struct Prober: Sendable {
    let context: TLSContext
    /// Milliseconds allowed for each connection (resolving, connecting and the handshake together) and for
    /// each `rest/info` answer.
    public var timeout: Int
    public var connectTo: [ConnectTo]
    /// Whether to ask `rest/info` once the TLS session is up.
    public var readsArcGISInfo = true

    /// - Parameter caFile: a PEM bundle to verify against instead of the system's CA certificates.
    public init(caFile: String?, timeout: Int, connectTo: [ConnectTo] = []) throws(ProbeError) {
        context = try TLSContext(caFile: caFile)
        self.timeout = max(1, timeout)
        self.connectTo = connectTo
    }

    /// How the report names the trust store used.
    public var trustStore: String { context.trustStore }

    /// Probes each target, `parallel` at a time, in their order.
    public func probe(_ targets: [ProbeTarget], parallel: Int = 4) -> [ProbeResult] {
        let results = PThreadLocked<[ProbeResult?]>(Array(repeating: nil, count: targets.count))
        let next = Atomic<Int>(0)
        let work: @Sendable () -> Void = { [self] in
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < targets.count else { return }
                let result = probe(targets[index])
                results.withLock { $0[index] = result }
            }
        }
        // POSIX threads, not Dispatch's pool: each waits on the network, not on a core.
        var threads: [pthread_t] = []
        for _ in 1..<max(1, min(parallel, targets.count)) {
            let box = Unmanaged.passRetained(WorkBox(work)).toOpaque()
            var thread = pthread_t()
            if pthread_create(&thread, nil, { raw in
                Unmanaged<WorkBox>.fromOpaque(raw!).takeRetainedValue().body()
                return nil
            }, box) == 0 {
                threads.append(thread)
            } else {
                Unmanaged<WorkBox>.fromOpaque(box).release()
            }
        }
        work()
        for thread in threads { pthread_join(thread, nil) }
        return results.withLock { $0.map { $0! } }
    }

    private final class WorkBox: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// Probes one endpoint. Never throws: whatever happens is the verdict.
    public func probe(_ target: ProbeTarget) -> ProbeResult {
        let route = ConnectTo.route(target, rules: connectTo)
        let through = route.address == target.host && route.port == target.port
            ? "" : " (through \(ProbeTarget.display(host: route.address, port: route.port)))"
        var result = ProbeResult(target: target.display, host: target.host, port: target.port, verdict: .unreachable,
                                 reason: "", trustStore: context.trustStore, trustStorePhrase: context.trustStorePhrase)
        guard let session = TLSSession(context: context) else {
            result.reason = "out of memory"
            return result
        }
        let status = session.connect(address: route.address, port: route.port, serverName: target.host, timeout: timeout)
        result.connectedTo = session.peer.isEmpty ? nil : session.peer
        let seconds = Self.seconds(timeout)
        switch status {
        case .noAddress, .refused, .failed:
            result.reason = "cannot connect to \(target.display)\(through): \(session.message)"
            return result
        case .timeout:
            result.reason = "\(target.display)\(through): \(session.message) (\(seconds))"
            return result
        case .notTLS:
            let chain = session.chain.map(\.info)
            if !chain.isEmpty, let problems = session.verify(host: target.host), !problems.isEmpty {
                judge(&result, problems: problems, chain: chain)
                result.reason += "; then the handshake failed (OpenSSL: \(session.message))"
            } else {
                result.verdict = .notTLS
                result.chain = chain
                result.reason = Self.notTLSReason(session.message, target: target.display + through)
            }
            return result
        case .connected:
            result.tlsVersion = session.protocolVersion.isEmpty ? nil : session.protocolVersion
            let chain = session.chain.map(\.info)
            guard let problems = session.verify(host: target.host) else {
                result.verdict = .notTLS
                result.reason = "\(target.display)\(through) set up a TLS session without sending a certificate"
                return result
            }
            judge(&result, problems: problems, chain: chain)
            if readsArcGISInfo { result.arcgis = arcGISInfo(target, route: route, first: session) }
            return result
        }
    }

    private func judge(_ result: inout ProbeResult, problems: [VerifyProblem], chain: [CertificateInfo]) {
        let judged = VerdictJudge.judge(problems: problems, chain: chain, host: result.host, store: context.trustStorePhrase)
        result.verdict = judged.verdict
        result.problems = judged.problems
        result.reason = judged.reason
        result.verifyErrors = problems
        result.chain = chain
    }

    static func seconds(_ milliseconds: Int) -> String {
        milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }

    /// Why there is no TLS session, in words, from OpenSSL's reason.
    static func notTLSReason(_ message: String, target: String) -> String {
        let lower = message.lowercased()
        if lower.contains("alert") {
            return "\(target) speaks TLS but refused the handshake (OpenSSL: \(message)): no protocol version or cipher "
                + "in common, or it requires a client certificate"
        }
        if lower.contains("closed") || lower.contains("unexpected eof") || lower.contains("reset") {
            return "\(target) accepted the connection and closed it without a TLS answer (\(message))"
        }
        if lower.contains("wrong version number") || lower.contains("packet length too long") || lower.contains("http request")
            || lower.contains("record layer") {
            return "\(target) answered, but not with TLS (OpenSSL: \(message)): plain HTTP or another protocol on this port?"
        }
        return "no TLS session with \(target): \(message)"
    }

    // MARK: - rest/info

    /// The first `rest/info` that answers as ArcGIS, one anonymous request per connection (the first on the
    /// probe's own). Stops at the first connection or answer that fails: the endpoint has had its chance.
    private func arcGISInfo(_ target: ProbeTarget, route: (address: String, port: Int), first: TLSSession) -> ArcGISInfo? {
        var session: TLSSession? = first
        for path in target.infoPaths.prefix(3) {
            if session == nil {
                guard let next = TLSSession(context: context),
                      next.connect(address: route.address, port: route.port, serverName: target.host, timeout: timeout) == .connected
                else { return nil }
                session = next
            }
            guard let answer = get(path, target: target, on: session!) else { return nil }
            session = nil
            if let info = ArcGISInfo.parse(response: answer, path: path) { return info }
        }
        return nil
    }

    /// The largest `rest/info` answer read (a real one is a few hundred bytes).
    static let maximumAnswerBytes = 1 << 20

    /// `GET path` with `Connection: close`; nil when the endpoint does not answer in HTTP within the time.
    func get(_ path: String, target: ProbeTarget, on session: TLSSession) -> HTTPAnswer? {
        let hostName = target.host.contains(":") ? "[\(target.host)]" : target.host
        let hostHeader = target.port == 443 ? hostName : "\(hostName):\(target.port)"
        let request = "GET \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nUser-Agent: gislog-probe\r\n"
            + "Accept: application/json\r\nConnection: close\r\n\r\n"
        guard case .done = session.write(Array(request.utf8), timeout: timeout) else { return nil }
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(timeout)
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let left = clock.now.duration(to: deadline)
            let milliseconds = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000
            guard milliseconds > 0 else { return nil }
            switch session.read(into: &chunk, timeout: Int(milliseconds)) {
            case .done(let count):
                received += chunk[..<count]
                if received.count > Self.maximumAnswerBytes { return nil }
                switch HTTPAnswer.parse(received, ended: false) {
                case .complete(let answer): return answer
                case .invalid: return nil
                case .incomplete: continue
                }
            case .end:
                if case .complete(let answer) = HTTPAnswer.parse(received, ended: true) { return answer }
                return nil
            case .failed, .timeout:
                return nil
            }
        }
    }
}
