/// What a probe shows of one certificate an endpoint presented. Every text field comes from bytes the
/// endpoint chose: names are decoded by their ASN.1 string type, and whatever does not decode (invalid
/// UTF-8, odd-length BMP strings, control characters) is written as RFC 4514 `\XX` escapes, so every field
/// is plain, printable text.
public struct CertificateInfo: Sendable, Hashable {
    /// RFC 4514, most specific first: `CN=portal.example.org,O=Example,C=US`.
    public var subject: String
    public var issuer: String
    /// The subject's (last) common name, if any, as decoded for `subject`.
    public var commonName: String?
    /// Seconds since 1970, UTC; nil when the field could not be read.
    public var notBefore: Int64?
    public var notAfter: Int64?
    /// SHA-256 of the DER encoding (the fingerprint admin consoles show).
    public var sha256: [UInt8]
    /// The certificate names itself as its issuer (a self-signed certificate or a root).
    public var selfSigned: Bool
    /// subjectAltName DNS names and IP addresses, in the certificate's order.
    public var dnsNames: [String]
    public var ipAddresses: [String]
    /// The certificate as sent (DER).
    public var der: [UInt8]

    public init(subject: String, issuer: String, commonName: String?, notBefore: Int64?, notAfter: Int64?,
                sha256: [UInt8], selfSigned: Bool, dnsNames: [String], ipAddresses: [String], der: [UInt8]) {
        self.subject = subject
        self.issuer = issuer
        self.commonName = commonName
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.sha256 = sha256
        self.selfSigned = selfSigned
        self.dnsNames = dnsNames
        self.ipAddresses = ipAddresses
        self.der = der
    }

    /// Lower-case hex, no separators.
    public var sha256Hex: String { Hex.encode(sha256) }

    /// `-----BEGIN CERTIFICATE-----` … with 64-column base64, as Portal's importRootOrIntermediate,
    /// keytool and the Windows certificate import take it.
    public var pem: String {
        let encoded = Base64.encode(der)
        var out = "-----BEGIN CERTIFICATE-----\n"
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 64, limitedBy: encoded.endIndex) ?? encoded.endIndex
            out += encoded[index..<end] + "\n"
            index = end
        }
        return out + "-----END CERTIFICATE-----\n"
    }

    /// The names the certificate is valid for: its DNS names and IP addresses, else its common name.
    public var names: [String] {
        let alternatives = dnsNames + ipAddresses
        return alternatives.isEmpty ? commonName.map { [$0] } ?? [] : alternatives
    }
}

/// One attribute of a distinguished name as the certificate encodes it.
public struct NameAttribute: Sendable, Hashable {
    /// Short name (`CN`, `O`) or dotted OID.
    public var type: String
    /// The ASN.1 universal tag of the value's string type (12 UTF8String, 19 PrintableString, 30 BMPString, …).
    public var stringType: Int32
    public var value: [UInt8]
    /// Attributes with the same index form one (multi-valued) RDN.
    public var rdn: Int32

    public init(type: String, stringType: Int32, value: [UInt8], rdn: Int32) {
        self.type = type
        self.stringType = stringType
        self.value = value
        self.rdn = rdn
    }
}

/// RFC 4514 text of distinguished names, from attributes in encoding order.
public enum DistinguishedName {
    /// `CN=a+UID=b,O=Example,C=US`: RDNs most specific first, multi-valued ones joined by `+`.
    public static func format(_ attributes: [NameAttribute]) -> String {
        var groups: [[NameAttribute]] = []
        for attribute in attributes {
            if let last = groups.last?.last, last.rdn == attribute.rdn {
                groups[groups.count - 1].append(attribute)
            } else {
                groups.append([attribute])
            }
        }
        return groups.reversed().map { group in
            group.map { attributeType($0.type) + "=" + value($0.value, stringType: $0.stringType) }.joined(separator: "+")
        }.joined(separator: ",")
    }

    /// The last common name, decoded and escaped like `format`'s values.
    public static func commonName(_ attributes: [NameAttribute]) -> String? {
        attributes.last { $0.type == "CN" }.map { value($0.value, stringType: $0.stringType) }
    }

    /// An attribute type as text: letters, digits, `-` and `.` only (anything else is not a name OpenSSL gives).
    static func attributeType(_ type: String) -> String {
        let clean = type.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == ".") }
        return clean && !type.isEmpty && type.utf8.count <= 64 ? type : "?"
    }

    /// The ASN.1 string types a name can hold.
    enum StringType: Int32 {
        case utf8 = 12, numeric = 18, printable = 19, t61 = 20, videotex = 21, ia5 = 22, graphic = 25, visible = 26
        case general = 27, universal = 28, bmp = 30
    }

    /// A value decoded by its string type and escaped for RFC 4514; bytes that do not decode are `\XX`.
    /// Values of a type that is not a string are `#` and the hex of their content.
    public static func value(_ bytes: [UInt8], stringType: Int32) -> String {
        var out = Escaper()
        switch StringType(rawValue: stringType) {
        case .utf8?:
            UTF8Reader.decode(bytes) { scalar, raw in
                if let scalar { out.append(scalar) } else { out.appendByte(raw) }
            }
        case .bmp?:
            var index = 0
            while index + 1 < bytes.count {
                let unit = UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
                if (0xD800..<0xDC00).contains(unit), index + 3 < bytes.count {
                    let low = UInt16(bytes[index + 2]) << 8 | UInt16(bytes[index + 3])
                    if (0xDC00..<0xE000).contains(low),
                       let scalar = Unicode.Scalar(0x10000 + (UInt32(unit - 0xD800) << 10) + UInt32(low - 0xDC00)) {
                        out.append(scalar)
                        index += 4
                        continue
                    }
                }
                if let scalar = Unicode.Scalar(unit) { out.append(scalar) } else { out.appendByte(bytes[index]); out.appendByte(bytes[index + 1]) }
                index += 2
            }
            if index < bytes.count { out.appendByte(bytes[index]) }
        case .universal?:
            var index = 0
            while index + 3 < bytes.count {
                let value = bytes[index..<index + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                if let scalar = Unicode.Scalar(value) { out.append(scalar) } else { bytes[index..<index + 4].forEach { out.appendByte($0) } }
                index += 4
            }
            while index < bytes.count { out.appendByte(bytes[index]); index += 1 }
        case .t61?:
            // Treated as Latin-1, as OpenSSL and browsers do: T.61 proper is almost never what is in there.
            for byte in bytes { out.append(Unicode.Scalar(byte)) }
        case .numeric?, .printable?, .videotex?, .ia5?, .graphic?, .visible?, .general?:
            for byte in bytes { if byte < 0x80 { out.append(Unicode.Scalar(byte)) } else { out.appendByte(byte) } }
        case nil:
            return "#" + Hex.encode(bytes)
        }
        return out.finish()
    }

    /// RFC 4514 escaping while the value is built: specials get a backslash, a leading `#` or space and a
    /// trailing space too; control characters, NUL and bytes that did not decode become `\XX`.
    struct Escaper {
        private var text = ""
        /// Characters (or escaped bytes) so far: the first one has rules of its own.
        private var index = 0
        /// A space that may turn out to be the last character.
        private var pendingSpace = false

        mutating func append(_ scalar: Unicode.Scalar) {
            flushSpace()
            defer { index += 1 }
            switch scalar.value {
            case 0x20:
                if index == 0 { text += "\\ " } else { pendingSpace = true }
            case 0x23 where index == 0: text += "\\#"
            case 0x22, 0x2B, 0x2C, 0x3B, 0x3C, 0x3E, 0x5C: text += "\\" + String(Character(scalar))
            case 0x00..<0x20, 0x7F..<0xA0, 0x2028, 0x2029, 0xFEFF, 0x200B...0x200F, 0x202A...0x202E, 0x2066...0x2069:
                // Invisible or direction-changing characters: shown as their UTF-8 bytes, so a name cannot
                // hide what it says (RFC 4514 allows escaping any character this way).
                for byte in String(Character(scalar)).utf8 { text += "\\" + Hex.byte(byte, upper: true) }
            default: text.unicodeScalars.append(scalar)
            }
        }

        mutating func appendByte(_ byte: UInt8) {
            flushSpace()
            text += "\\" + Hex.byte(byte, upper: true)
            index += 1
        }

        private mutating func flushSpace() {
            if pendingSpace { text += " "; pendingSpace = false }
        }

        mutating func finish() -> String {
            if pendingSpace { text += "\\ " }
            return text
        }
    }
}

/// Decodes UTF-8 strictly (no overlong forms, surrogates or values past U+10FFFF), handing each scalar,
/// or each byte that does not start a valid sequence, to `body`.
enum UTF8Reader {
    static func decode(_ bytes: [UInt8], _ body: (Unicode.Scalar?, UInt8) -> Void) {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length: Int, minimum: UInt32, initial: UInt32
            switch lead {
            case 0x00..<0x80: body(Unicode.Scalar(lead), lead); index += 1; continue
            case 0xC2..<0xE0: length = 2; minimum = 0x80; initial = UInt32(lead & 0x1F)
            case 0xE0..<0xF0: length = 3; minimum = 0x800; initial = UInt32(lead & 0x0F)
            case 0xF0..<0xF5: length = 4; minimum = 0x10000; initial = UInt32(lead & 0x07)
            default: body(nil, lead); index += 1; continue
            }
            var value = initial
            var valid = index + length <= bytes.count
            if valid {
                for offset in 1..<length {
                    let byte = bytes[index + offset]
                    guard byte & 0xC0 == 0x80 else { valid = false; break }
                    value = value << 6 | UInt32(byte & 0x3F)
                }
            }
            if valid, value >= minimum, let scalar = Unicode.Scalar(value) {
                body(scalar, lead)
                index += length
            } else {
                body(nil, lead)
                index += 1
            }
        }
    }
}

/// Text of names from subjectAltName entries.
package enum AltName {
    /// A DNS name (an IA5String): printable ASCII as is, anything else as `\XX`.
    package static func dns(_ bytes: [UInt8]) -> String {
        var out = ""
        for byte in bytes {
            if byte > 0x20 && byte < 0x7F && byte != 0x5C { out.unicodeScalars.append(Unicode.Scalar(byte)) } else { out += "\\" + Hex.byte(byte, upper: true) }
        }
        return out
    }

    /// An IP address: dotted IPv4, RFC 5952 IPv6, or `#hex` for any other length.
    package static func ip(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        guard bytes.count == 16 else { return "#" + Hex.encode(bytes) }
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        // The longest run of at least two zero groups becomes "::" (the first such run on a tie).
        var best = (start: -1, length: 0), run = (start: -1, length: 0)
        for (index, group) in groups.enumerated() {
            if group == 0 {
                run = run.start < 0 ? (index, 1) : (run.start, run.length + 1)
                if run.length > best.length { best = run }
            } else {
                run = (-1, 0)
            }
        }
        let text = groups.map { String($0, radix: 16) }
        guard best.length >= 2 else { return text.joined(separator: ":") }
        return text[..<best.start].joined(separator: ":") + "::" + text[(best.start + best.length)...].joined(separator: ":")
    }
}

enum Hex {
    private static let lower = Array("0123456789abcdef".utf8), upper = Array("0123456789ABCDEF".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes { out.append(lower[Int(byte >> 4)]); out.append(lower[Int(byte & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func byte(_ byte: UInt8, upper useUpper: Bool = false) -> String {
        let digits = useUpper ? upper : lower
        return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
    }
}

package enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let count = min(3, bytes.count - index)
            var chunk: UInt32 = 0
            for offset in 0..<3 { chunk = chunk << 8 | UInt32(offset < count ? bytes[index + offset] : 0) }
            for position in 0..<4 {
                out.append(position <= count ? alphabet[Int(chunk >> UInt32(18 - 6 * position) & 63)] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes standard base64, ignoring whitespace; nil on any other character or a bad length.
    package static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var values: [UInt8] = []
        var padding = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(byte - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(byte - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"): values.append(62)
            case UInt8(ascii: "/"): values.append(63)
            case UInt8(ascii: "="): padding += 1; values.append(0)
            case 0x20, 0x09, 0x0A, 0x0D: continue
            default: return nil
            }
        }
        guard values.count % 4 == 0, padding <= 2 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(values.count / 4 * 3)
        for start in stride(from: 0, to: values.count, by: 4) {
            let chunk = values[start..<start + 4].reduce(UInt32(0)) { $0 << 6 | UInt32($1) }
            out += [UInt8(chunk >> 16 & 0xFF), UInt8(chunk >> 8 & 0xFF), UInt8(chunk & 0xFF)]
        }
        return Array(out.dropLast(padding))
    }
}

/// RFC 3339 UTC times from seconds since 1970 (no Foundation).
enum UTCTime {
    static func rfc3339(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shifted = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shifted + 2) / 5 + 1
        let month = shifted < 10 ? shifted + 3 : shifted - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(abs(value))
            return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(rest / 3600, 2)):\(pad(rest / 60 % 60, 2)):\(pad(rest % 60, 2))Z"
    }

    /// The date alone, for sentences.
    static func date(_ seconds: Int64) -> String { String(rfc3339(seconds).prefix(10)) }
}
