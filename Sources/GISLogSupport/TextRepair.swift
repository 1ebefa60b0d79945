internal import CGISLogShims

/// Turns log bytes into display strings without ever failing.
///
/// Logs are UTF-8 in principle, but Windows servers sometimes write Windows-1252 bytes. Valid UTF-8 is kept
/// as it is; every byte that is not part of a valid UTF-8 sequence is read as Windows-1252 instead, so
/// `caf\xE9` shows as `café` rather than `caf\u{FFFD}`.
public enum TextRepair {
    /// Decodes bytes for display (see the type's note on invalid UTF-8).
    public static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return "" }
        let ascii = gislog_first_non_ascii(base.assumingMemoryBound(to: UInt8.self), bytes.count)
        if ascii == bytes.count || String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self) != nil {
            return String(decoding: bytes, as: UTF8.self)
        }
        return repairing(bytes)
    }

    /// Like `string(_:)`, and also decodes the five XML entities and numeric character references.
    public static func xmlString(_ bytes: UnsafeRawBufferPointer) -> String {
        let text = string(bytes)
        return text.utf8.contains(UInt8(ascii: "&")) ? decodeEntities(text) : text
    }

    /// Drops leading and trailing ASCII whitespace (spaces, tabs, CR, LF).
    public static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0, end = bytes.count
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    @inline(__always)
    package static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private static func repairing(_ bytes: UnsafeRawBufferPointer) -> String {
        var scalars = String.UnicodeScalarView()
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                scalars.append(Unicode.Scalar(lead))
                index += 1
                continue
            }
            if let (scalar, length) = decodeUTF8(bytes, at: index) {
                scalars.append(scalar)
                index += length
            } else {
                scalars.append(windows1252(lead))
                index += 1
            }
        }
        return String(scalars)
    }

    /// One well-formed UTF-8 sequence at `index`, or nil.
    private static func decodeUTF8(_ bytes: UnsafeRawBufferPointer, at index: Int) -> (Unicode.Scalar, Int)? {
        let lead = bytes[index]
        let length: Int
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; value = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; value = UInt32(lead & 0x07)
        default: return nil
        }
        guard index + length <= bytes.count else { return nil }
        for offset in 1..<length {
            let byte = bytes[index + offset]
            guard byte & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        // Reject overlong forms and surrogates; Unicode.Scalar rejects the rest.
        let minimum: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }

    /// Windows-1252 for a byte ≥ 0x80 (the 0x80–0x9F block differs from Latin-1).
    static func windows1252(_ byte: UInt8) -> Unicode.Scalar {
        let table: [UInt32] = [
            0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
            0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
            0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
            0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
        ]
        if byte >= 0x80 && byte < 0xA0 { return Unicode.Scalar(table[Int(byte - 0x80)])! }
        return Unicode.Scalar(byte)
    }

    /// Decodes `&lt; &gt; &amp; &quot; &apos;` and `&#NN;` / `&#xHH;`; anything else is left as written.
    public static func decodeEntities(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            output += rest[..<amp]
            let afterAmp = rest.index(after: amp)
            guard let semicolon = rest[afterAmp...].prefix(12).firstIndex(of: ";") else {
                output += "&"
                rest = rest[afterAmp...]
                continue
            }
            let name = rest[afterAmp..<semicolon]
            var replacement: String?
            switch name {
            case "lt": replacement = "<"
            case "gt": replacement = ">"
            case "amp": replacement = "&"
            case "quot": replacement = "\""
            case "apos": replacement = "'"
            default:
                if name.hasPrefix("#x") || name.hasPrefix("#X"), let value = UInt32(name.dropFirst(2), radix: 16),
                   let scalar = Unicode.Scalar(value) {
                    replacement = String(scalar)
                } else if name.hasPrefix("#"), let value = UInt32(name.dropFirst()), let scalar = Unicode.Scalar(value) {
                    replacement = String(scalar)
                }
            }
            if let replacement {
                output += replacement
                rest = rest[rest.index(after: semicolon)...]
            } else {
                output += "&"
                rest = rest[afterAmp...]
            }
        }
        output += rest
        return output
    }
}
