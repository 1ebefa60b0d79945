internal import CGISLogShims
internal import Glibc

/// A growable byte buffer that JSON text is written into directly, for output built once per event (the
/// NDJSON feed): no `String` per value, escaping done on bytes eight at a time.
///
/// Escaping matches `JSONWriter.appendString` byte for byte (quotes, backslashes, control characters,
/// U+007F, U+2028 and U+2029), for text that is valid UTF-8; `isValidUTF8` tells which text is.
/// Owns its memory. Not thread-safe: one per thread.
public final class JSONBytes {
    // Unchecked: these are touched several times per value written, and the run-time exclusivity check
    // of a class's stored property costs more than the write itself. No method of this class calls out
    // while it holds one of them, so no access can overlap another. Visible to inlined code: the feed
    // writes a dozen pieces per line from another module, and a call per piece cost more than the copy.
    @usableFromInline @exclusivity(unchecked) var storage: UnsafeMutableRawPointer
    @usableFromInline @exclusivity(unchecked) var used = 0
    @usableFromInline @exclusivity(unchecked) var room: Int

    /// The start of the memory (valid until the next write).
    public var base: UnsafeMutableRawPointer { storage }
    /// Bytes written.
    public var count: Int { used }
    /// Bytes the memory holds.
    public var capacity: Int { room }

    public init(capacity: Int = 64 << 10) {
        room = max(64, capacity)
        storage = .allocate(byteCount: room, alignment: 16)
    }

    deinit { storage.deallocate() }

    /// The bytes written so far (valid until the next write).
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage, count: used) }

    public var isEmpty: Bool { used == 0 }

    /// Forgets the content, keeping the memory.
    public func removeAll() { used = 0 }

    /// Drops everything after the first `length` bytes.
    public func truncate(to length: Int) {
        precondition(length >= 0 && length <= used)
        used = length
    }

    /// Makes room for `extra` more bytes.
    @inlinable @inline(__always)
    public func reserve(_ extra: Int) {
        if used + extra > room { grow(used + extra) }
    }

    @usableFromInline
    func grow(_ needed: Int) {
        var size = room
        while size < needed { size *= 2 }
        let bigger = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        bigger.copyMemory(from: storage, byteCount: used)
        storage.deallocate()
        storage = bigger
        room = size
    }

    /// Gives memory back after a very long value, so one huge record does not keep a worker's buffer big.
    public func shrink(to size: Int) {
        guard room > size, used <= size else { return }
        let smaller = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        smaller.copyMemory(from: storage, byteCount: used)
        storage.deallocate()
        storage = smaller
        room = size
    }

    @inlinable @inline(__always)
    public func append(_ byte: UInt8) {
        reserve(1)
        storage.storeBytes(of: byte, toByteOffset: used, as: UInt8.self)
        used += 1
    }

    @inlinable @inline(__always)
    public func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (storage + used).copyMemory(from: source, byteCount: bytes.count)
        used += bytes.count
    }

    public func append(_ bytes: [UInt8]) { bytes.withUnsafeBytes { append($0) } }

    /// Text known when gislog is built (keys, punctuation).
    @inlinable @inline(__always)
    public func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Text as it is, without quotes or escaping (for text that needs none, such as numbers).
    public func appendRaw(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// A number as `String(value)` writes it.
    @inlinable @inline(__always)
    public func appendDecimal(_ value: Int) { appendPadded(value, width: 0) }

    @inlinable @inline(__always)
    public func appendDecimal(_ value: Int64) { appendDecimal(Int(value)) }

    /// `String(value)`, left-padded with zeros to `width` characters (a minus sign counts as one, as when
    /// padding the string).
    @inlinable
    public func appendPadded(_ value: Int, width: Int) {
        reserve(max(width, 20))
        // Digits backwards into a small stack buffer, then copied in order.
        var digits = (UInt64(0), UInt64(0), UInt64(0))
        let length = withUnsafeMutableBytes(of: &digits) { scratch -> Int in
            var magnitude = value.magnitude
            var index = scratch.count
            // Two digits a division (offsets and line numbers have six or more).
            let pairs = Self.digitPairs.utf8Start
            while magnitude >= 10 {
                let pair = Int(magnitude % 100) &* 2
                magnitude /= 100
                index -= 2
                scratch[index] = pairs[pair]
                scratch[index + 1] = pairs[pair + 1]
            }
            // An odd count of digits leaves one; a value of two digits (or none left after pairs) needs none,
            // but zero itself is written as one digit.
            if magnitude > 0 || index == scratch.count {
                index -= 1
                scratch[index] = UInt8(truncatingIfNeeded: magnitude) + 0x30
            }
            if value < 0 {
                index -= 1
                scratch[index] = UInt8(ascii: "-")
            }
            return scratch.count - index
        }
        var padding = width - length
        while padding > 0 {
            storage.storeBytes(of: UInt8(ascii: "0"), toByteOffset: used, as: UInt8.self)
            used += 1
            padding -= 1
        }
        withUnsafeBytes(of: &digits) { scratch in
            (storage + used).copyMemory(from: scratch.baseAddress! + scratch.count - length, byteCount: length)
            used += length
        }
    }

    @usableFromInline static let digitPairs: StaticString = """
        00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        40414243444546474849505152535455565758596061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """

    /// `text` as a JSON string literal, escaped as `JSONWriter.appendString` escapes it.
    public func appendString(_ text: String) {
        var text = text
        text.withUTF8 { appendString(UnsafeRawBufferPointer($0)) }
    }

    /// Valid UTF-8 as a JSON string literal, escaped as `JSONWriter.appendString` escapes the same text.
    /// Bytes that are not valid UTF-8 are copied as they are: check with `isValidUTF8` first.
    public func appendString(_ text: UnsafeRawBufferPointer) {
        let length = text.count
        reserve(length + 2)
        storage.storeBytes(of: UInt8(ascii: "\""), toByteOffset: used, as: UInt8.self)
        used += 1
        guard let source = text.baseAddress, length > 0 else {
            append(UInt8(ascii: "\""))
            return
        }
        var index = 0, plain = 0
        while index < length {
            // Eight bytes at a time while none needs a look.
            while index + 8 <= length, !Self.needsLook(source.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                index += 8
            }
            let stop = min(index + 8, length)
            while index < stop {
                let byte = source.load(fromByteOffset: index, as: UInt8.self)
                let escape: StaticString
                var width = 1
                switch byte {
                case 0x22: escape = "\\\""
                case 0x5C: escape = "\\\\"
                case 0x0A: escape = "\\n"
                case 0x0D: escape = "\\r"
                case 0x09: escape = "\\t"
                case 0x00..<0x20, 0x7F: escape = ""
                case 0xE2:
                    // U+2028 and U+2029 (E2 80 A8, E2 80 A9) break JavaScript readers of JSON lines.
                    guard index + 2 < length, source.load(fromByteOffset: index + 1, as: UInt8.self) == 0x80 else {
                        index += 1
                        continue
                    }
                    let last = source.load(fromByteOffset: index + 2, as: UInt8.self)
                    guard last == 0xA8 || last == 0xA9 else {
                        index += 1
                        continue
                    }
                    escape = last == 0xA8 ? "\\u2028" : "\\u2029"
                    width = 3
                default:
                    index += 1
                    continue
                }
                if index > plain { append(UnsafeRawBufferPointer(start: source + plain, count: index - plain)) }
                if escape.utf8CodeUnitCount == 0 { appendUnicodeEscape(byte) } else { append(escape) }
                index += width
                plain = index
            }
        }
        if length > plain { append(UnsafeRawBufferPointer(start: source + plain, count: length - plain)) }
        append(UInt8(ascii: "\""))
    }

    /// `\u00XX` with lowercase hex digits, as `JSONWriter` writes control characters.
    private func appendUnicodeEscape(_ byte: UInt8) {
        let hex: StaticString = "0123456789abcdef"
        reserve(6)
        append("\\u00")
        let digits = hex.utf8Start
        append(digits[Int(byte >> 4)])
        append(digits[Int(byte & 0xF)])
    }

    /// Whether any of eight bytes needs a closer look: below 0x20, `"`, `\`, 0x7F, or 0xE2 (the lead byte
    /// of U+2028 and U+2029). Word tricks that say "some byte is"; exact as a yes/no.
    @inline(__always)
    static func needsLook(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZero(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & highs }
        let below = (word &- ones &* 0x20) & ~word & highs
        return below | hasZero(word ^ (ones &* 0x22)) | hasZero(word ^ (ones &* 0x5C)) | hasZero(word ^ (ones &* 0x7F))
            | hasZero(word ^ (ones &* 0xE2)) != 0
    }

    /// Whether `bytes` are well-formed UTF-8 (what `String(validating:)` accepts: no overlong forms, no
    /// surrogates, nothing above U+10FFFF).
    public static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return true }
        let count = bytes.count
        var index = gislog_first_non_ascii(base.assumingMemoryBound(to: UInt8.self), count)
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            @inline(__always) func continuation(_ offset: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
                index + offset < count && bytes[index + offset] >= low && bytes[index + offset] <= high
            }
            switch lead {
            case 0xC2...0xDF:
                guard continuation(1) else { return false }
                index += 2
            case 0xE0:
                guard continuation(1, 0xA0), continuation(2) else { return false }
                index += 3
            case 0xE1...0xEC, 0xEE...0xEF:
                guard continuation(1), continuation(2) else { return false }
                index += 3
            case 0xED:
                guard continuation(1, 0x80, 0x9F), continuation(2) else { return false }
                index += 3
            case 0xF0:
                guard continuation(1, 0x90), continuation(2), continuation(3) else { return false }
                index += 4
            case 0xF1...0xF3:
                guard continuation(1), continuation(2), continuation(3) else { return false }
                index += 4
            case 0xF4:
                guard continuation(1, 0x80, 0x8F), continuation(2), continuation(3) else { return false }
                index += 4
            default:
                return false
            }
        }
        return true
    }

    /// Whether `bytes` hold `byte`.
    public static func contains(_ bytes: UnsafeRawBufferPointer, _ byte: UInt8) -> Bool {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return false }
        return memchr(base, Int32(byte), bytes.count) != nil
    }
}
