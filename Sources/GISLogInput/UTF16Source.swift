/// Transcodes a UTF-16 file (Windows tools sometimes save logs that way) to UTF-8 as it streams.
///
/// Unpaired surrogates become U+FFFD; a trailing odd byte is dropped. The byte-order mark, if any, must
/// already have been consumed by the caller.
final class UTF16Source: ByteSource {
    private let upstream: any ByteSource
    private let bigEndian: Bool
    private var raw: [UInt8]
    private var rawStart = 0
    private var rawEnd = 0
    private var pendingHighSurrogate: UInt16?
    private var ended = false

    var storedBytesRead: Int64 { upstream.storedBytesRead }

    init(upstream: any ByteSource, bigEndian: Bool, chunkSize: Int = 64 << 10) {
        self.upstream = upstream
        self.bigEndian = bigEndian
        raw = [UInt8](repeating: 0, count: chunkSize)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        var written = 0
        let out = buffer.bindMemory(to: UInt8.self)
        // Each code unit yields at most 3 bytes (a surrogate pair 4 bytes for 2 units).
        while written + 4 <= out.count {
            if rawEnd - rawStart < 2 {
                if ended { break }
                // Keep a dangling odd byte, read more after it.
                let leftover = rawEnd - rawStart
                if leftover == 1 { raw[0] = raw[rawStart] }
                rawStart = 0
                rawEnd = leftover
                var outcome: Result<Int, InputError> = .success(0)
                raw.withUnsafeMutableBytes { bytes in
                    outcome = Result { () throws(InputError) in
                        try upstream.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[leftover...]))
                    }
                }
                let count = try outcome.get()
                if count == 0 { ended = true; continue }
                rawEnd += count
                continue
            }
            let a = UInt16(raw[rawStart]), b = UInt16(raw[rawStart + 1])
            rawStart += 2
            let unit = bigEndian ? (a << 8 | b) : (b << 8 | a)
            var scalar: UInt32
            if let high = pendingHighSurrogate {
                pendingHighSurrogate = nil
                if (0xDC00...0xDFFF).contains(unit) {
                    scalar = 0x10000 + ((UInt32(high) - 0xD800) << 10) + (UInt32(unit) - 0xDC00)
                } else {
                    written += encode(0xFFFD, into: out, at: written)
                    if (0xD800...0xDBFF).contains(unit) { pendingHighSurrogate = unit; continue }
                    scalar = UInt32(unit)
                }
            } else if (0xD800...0xDBFF).contains(unit) {
                pendingHighSurrogate = unit
                continue
            } else if (0xDC00...0xDFFF).contains(unit) {
                scalar = 0xFFFD
            } else {
                scalar = UInt32(unit)
            }
            written += encode(scalar, into: out, at: written)
        }
        if ended, written + 3 <= out.count, pendingHighSurrogate != nil {
            pendingHighSurrogate = nil
            written += encode(0xFFFD, into: out, at: written)
        }
        return written
    }

    private func encode(_ scalar: UInt32, into out: UnsafeMutableBufferPointer<UInt8>, at index: Int) -> Int {
        switch scalar {
        case 0..<0x80:
            out[index] = UInt8(scalar)
            return 1
        case 0x80..<0x800:
            out[index] = UInt8(0xC0 | (scalar >> 6))
            out[index + 1] = UInt8(0x80 | (scalar & 0x3F))
            return 2
        case 0x800..<0x10000:
            out[index] = UInt8(0xE0 | (scalar >> 12))
            out[index + 1] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
            out[index + 2] = UInt8(0x80 | (scalar & 0x3F))
            return 3
        default:
            out[index] = UInt8(0xF0 | (scalar >> 18))
            out[index + 1] = UInt8(0x80 | ((scalar >> 12) & 0x3F))
            out[index + 2] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
            out[index + 3] = UInt8(0x80 | (scalar & 0x3F))
            return 4
        }
    }
}
