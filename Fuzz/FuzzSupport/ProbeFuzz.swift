import GISLogProbe
import GISLogSupport
extension _FuzzEntryPoints {
    /// The certificate-to-JSON path of a probe: bytes parsed as a DER certificate (by OpenSSL, when it can
    /// be loaded) and described; and the same bytes as raw name values of every string type and as
    /// subjectAltName entries. Every JSON document written must parse back, and every description must be
    /// printable text.
    public static func describeCertificate(_ bytes: [UInt8]) {
        var infos: [CertificateInfo] = []
        if let certificate = X509Certificate(der: bytes) { infos.append(certificate.info) }
        // The decoders alone, on the bytes as names of each type (OpenSSL would refuse most of them whole);
        // the first 4 KiB are plenty, and keep the fuzzer fast on big certificates.
        let bytes = Array(bytes.prefix(4096))
        let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
        let attributes = [Int32(12), 18, 19, 20, 22, 26, 28, 30, 4, 16].enumerated().map { index, type in
            NameAttribute(type: index % 3 == 0 ? "CN" : "1.2.3.\(index)", stringType: type,
                          value: Array(index % 2 == 0 ? bytes[..<split] : bytes[split...]), rdn: Int32(index / 2))
        }
        infos.append(CertificateInfo(
            subject: DistinguishedName.format(attributes), issuer: DistinguishedName.format(attributes.reversed()),
            commonName: DistinguishedName.commonName(attributes), notBefore: bytes.count > 8 ? Int64(bitPattern: UInt64(bytes[0]) << 40) : nil,
            notAfter: bytes.first.map { Int64($0) * 86_400 * 366 }, sha256: bytes.prefix(32).map { $0 }, selfSigned: bytes.count % 2 == 0,
            dnsNames: [AltName.dns(bytes)], ipAddresses: [AltName.ip(Array(bytes.prefix(16))), AltName.ip(Array(bytes.prefix(4)))],
            der: bytes))
        for info in infos {
            for text in [info.subject, info.issuer, info.commonName ?? ""] + info.dnsNames + info.ipAddresses {
                precondition(!text.unicodeScalars.contains { $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) },
                             "a description holds a control character")
            }
            var json = JSONWriter()
            ProbeJSON.write(info, into: &json)
            precondition((try? JSONValue.parse(Array(json.output.utf8))) != nil, "certificate JSON does not parse")
            let pem = info.pem
            let body = pem.split(separator: "\n").dropFirst().dropLast().joined()
            precondition(Base64.decode(body) == info.der, "PEM does not round-trip")
        }
    }
}
