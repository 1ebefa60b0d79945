internal import CTLS
internal import Glibc
import GISLogSupport

/// Why a probe could not run at all (as opposed to an endpoint's verdict).
public struct ProbeError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case missingLibrary, caFile, usage, output }
    public let kind: Kind
    public let description: String

    public init(kind: Kind, description: String) {
        self.kind = kind
        self.description = description
    }
}

/// One OpenSSL certificate (a reference the C side handed out), freed in `deinit`.
package final class X509Certificate {
    private let pointer: OpaquePointer

    /// Takes over one reference.
    init(owning pointer: OpaquePointer) { self.pointer = pointer }

    /// Parses DER (nil when OpenSSL cannot load or the bytes are not a certificate).
    package convenience init?(der: [UInt8]) {
        guard gislog_tls_load() == nil,
              let pointer = der.withUnsafeBufferPointer({ gislog_x509_from_der($0.baseAddress, $0.count) }) else { return nil }
        self.init(owning: pointer)
    }

    deinit { gislog_x509_free(pointer) }

    /// Every field the probe reports, decoded from the certificate's own bytes.
    package var info: CertificateInfo {
        let subject = attributes(issuer: false), issuer = attributes(issuer: true)
        var notBefore: Int64 = 0, notAfter: Int64 = 0
        let read = gislog_x509_validity(pointer, &notBefore, &notAfter)
        var digest = [UInt8](repeating: 0, count: 32)
        if gislog_x509_sha256(pointer, &digest) != 1 { digest = [] }
        let names = AltNames()
        withExtendedLifetime(names) {
            _ = gislog_x509_alt_names(pointer, { context, kind, data, length in
                guard let context, let data, length >= 0 else { return }
                let names = Unmanaged<AltNames>.fromOpaque(context).takeUnretainedValue()
                let bytes = Array(UnsafeBufferPointer(start: data, count: Int(length)))
                if kind == Int32(GISLOG_ALT_DNS.rawValue) { names.dns.append(AltName.dns(bytes)) } else { names.ips.append(AltName.ip(bytes)) }
            }, Unmanaged.passUnretained(names).toOpaque())
        }
        return CertificateInfo(
            subject: DistinguishedName.format(subject), issuer: DistinguishedName.format(issuer),
            commonName: DistinguishedName.commonName(subject),
            notBefore: read & 1 != 0 ? notBefore : nil, notAfter: read & 2 != 0 ? notAfter : nil,
            sha256: digest, selfSigned: gislog_x509_self_signed(pointer) == 1,
            dnsNames: names.dns, ipAddresses: names.ips, der: der)
    }

    private var der: [UInt8] {
        let length = gislog_x509_der(pointer, nil, 0)
        guard length > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: Int(length))
        guard gislog_x509_der(pointer, &bytes, length) == length else { return [] }
        return bytes
    }

    private func attributes(issuer: Bool) -> [NameAttribute] {
        let which: Int32 = issuer ? 1 : 0
        var attributes: [NameAttribute] = []
        var type = [CChar](repeating: 0, count: 96)
        for index in 0..<max(0, gislog_x509_name_count(pointer, which)) {
            var stringType: Int32 = 0, length: Int32 = 0, rdn: Int32 = 0
            var data: UnsafePointer<UInt8>?
            guard gislog_x509_name_entry(pointer, which, index, &type, type.count, &stringType, &data, &length, &rdn) == 1 else { continue }
            let value = data.map { Array(UnsafeBufferPointer(start: $0, count: max(0, Int(length)))) } ?? []
            let name = String(decoding: type.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            attributes.append(NameAttribute(type: name, stringType: stringType, value: value, rdn: rdn))
        }
        return attributes
    }
}

/// Collects subjectAltName entries from the C callback; a class so the callback reaches it through one pointer.
private final class AltNames {
    var dns: [String] = []
    var ips: [String] = []
}

/// The client settings and the trust store every probe of one run shares, freed in `deinit`.
// SAFETY: @unchecked Sendable: OpenSSL's SSL_CTX and its X509_STORE may be used from several threads at
// once to make sessions and verify chains, and nothing changes them after `init`.
final class TLSContext: @unchecked Sendable {
    fileprivate let pointer: OpaquePointer
    /// How the report names the trust store: `system (…)` or `ca-file PATH (N certificates)`.
    let trustStore: String
    /// The same, as a phrase for sentences.
    let trustStorePhrase: String

    /// - Parameter caFile: a PEM bundle to trust instead of the system's CA certificates (curl's `--cacert`).
    init(caFile: String?) throws(ProbeError) {
        if let failure = gislog_tls_load() {
            throw ProbeError(kind: .missingLibrary, description: """
                probing needs OpenSSL 3 (libssl.so.3), which could not be loaded here (\(String(cString: failure))). \
                On Debian or Ubuntu: apt-get install libssl3; on Red Hat, Rocky or Alma 9: dnf install openssl-libs.
                """)
        }
        if let caFile, access(caFile, R_OK) != 0 {
            throw ProbeError(kind: .caFile, description: """
                --ca-file \(caFile): cannot read it (\(systemErrorText(errno))). Give a PEM file of CA certificates.
                """)
        }
        var message = [CChar](repeating: 0, count: 512)
        guard let pointer = gislog_tls_context_new(caFile, &message, message.count) else {
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw ProbeError(kind: .caFile, description: caFile.map { """
                --ca-file \($0): no CA certificate could be read from it (OpenSSL: \(reason)). Give a PEM file \
                of CA certificates (-----BEGIN CERTIFICATE----- blocks), e.g. the roots exported from Portal's trust store.
                """ } ?? "OpenSSL could not start (\(reason))")
        }
        self.pointer = pointer
        if let caFile {
            let count = Int(gislog_tls_context_certificates(pointer))
            trustStore = "ca-file \(caFile) (\(count) certificate\(count == 1 ? "" : "s"))"
            trustStorePhrase = "the trust store \(caFile) (--ca-file)"
        } else {
            let file = String(cString: gislog_tls_default_ca_file()), folder = String(cString: gislog_tls_default_ca_dir())
            trustStore = "system (OpenSSL's default CA certificates on the machine running gislog: \(file), \(folder))"
            trustStorePhrase = "the system trust store of the machine running gislog"
        }
    }

    deinit { gislog_tls_context_free(pointer) }
}

/// One OpenSSL verify problem: its code, the depth in the chain (0 = the endpoint's own certificate) and
/// OpenSSL's words for it.
public struct VerifyProblem: Sendable, Hashable {
    public var code: Int32
    public var depth: Int
    public var text: String

    public init(code: Int32, depth: Int, text: String) {
        self.code = code
        self.depth = depth
        self.text = text
    }
}

/// One TLS connection (socket and OpenSSL session), closed in `deinit`. Not for two threads at once.
final class TLSSession {
    private let pointer: OpaquePointer
    /// Kept alive for as long as the session uses it.
    private let context: TLSContext

    init?(context: TLSContext) {
        guard let pointer = gislog_tls_session_new(context.pointer) else { return nil }
        self.pointer = pointer
        self.context = context
    }

    deinit { gislog_tls_session_free(pointer) }

    enum Status: Int32 {
        case connected = 0, noAddress = 1, refused = 2, timeout = 3, notTLS = 4, failed = 5
    }

    /// Connects to `address`:`port` and handshakes, naming `serverName` (SNI), within `timeout` milliseconds.
    func connect(address: String, port: Int, serverName: String, timeout: Int) -> Status {
        let code = gislog_tls_session_connect(pointer, address, Int32(port), serverName, Int32(clamping: timeout))
        return Status(rawValue: code) ?? .failed
    }

    var message: String { String(cString: gislog_tls_session_message(pointer)) }
    var peer: String { String(cString: gislog_tls_session_peer(pointer)) }
    var protocolVersion: String { String(cString: gislog_tls_session_protocol(pointer)) }

    /// The certificates sent, leaf first.
    var chain: [X509Certificate] {
        (0..<max(0, gislog_tls_session_chain_count(pointer))).compactMap { index in
            gislog_tls_session_chain_certificate(pointer, index).map { X509Certificate(owning: $0) }
        }
    }

    /// Every problem OpenSSL finds verifying the chain for `host`; nil when no certificate was sent.
    func verify(host: String) -> [VerifyProblem]? {
        var codes = [Int32](repeating: 0, count: 32), depths = [Int32](repeating: 0, count: 32)
        let count = gislog_tls_session_verify(pointer, host, &codes, &depths, 32)
        guard count >= 0 else { return nil }
        return (0..<Int(count)).map { index in
            VerifyProblem(code: codes[index], depth: Int(depths[index]),
                          text: String(cString: gislog_tls_verify_error_text(codes[index])))
        }
    }

    enum IOResult { case done(Int), end, failed(String), timeout }

    func write(_ bytes: [UInt8], timeout: Int) -> IOResult {
        let result = bytes.withUnsafeBytes { gislog_tls_session_write(pointer, $0.baseAddress, $0.count, Int32(clamping: timeout)) }
        switch result {
        case -2: return .timeout
        case ..<0: return .failed(message)
        default: return .done(result)
        }
    }

    func read(into buffer: inout [UInt8], timeout: Int) -> IOResult {
        let result = buffer.withUnsafeMutableBytes { gislog_tls_session_read(pointer, $0.baseAddress, $0.count, Int32(clamping: timeout)) }
        switch result {
        case -2: return .timeout
        case ..<0: return .failed(message)
        case 0: return .end
        default: return .done(result)
        }
    }
}
