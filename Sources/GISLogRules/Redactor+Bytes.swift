extension Redactor {
    /// Whether `redact` could change this text (valid UTF-8, as the string would hold it). `false` is a
    /// promise that it would not, so the NDJSON feed can write the bytes as they are; `true` only means
    /// "run the patterns".
    ///
    /// Every pattern needs a `:` or `=` that follows, after optional spaces and a quote, a key word ending
    /// in `token`, `password`, `passwd`, `pwd`, `secret`, `apikey`, `api_key` or `authorization`, matched
    /// without case. The patterns match without case in UTF mode, where `ſ` (U+017F) matches `s` and the
    /// Kelvin sign matches `k`: a byte above 0x7F where a key word's letter should be counts as a maybe.
    package static func mayHoldSecret(_ text: UnsafeRawBufferPointer) -> Bool {
        guard let base = text.baseAddress else { return false }
        let count = text.count
        let ones: UInt64 = 0x0101_0101_0101_0101, lows: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        // The high bit of each byte of `value` that is zero, exactly (no borrow from one byte to the next).
        @inline(__always) func zeroBytes(_ value: UInt64) -> UInt64 { ~(((value & lows) &+ lows) | value | lows) }
        var index = 0
        // Eight bytes at a time; each `:` or `=` among them is looked at by its place in the word.
        while index + 8 <= count {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            var separators = zeroBytes(word ^ (ones &* 0x3A)) | zeroBytes(word ^ (ones &* 0x3D))
            while separators != 0 {
                if keyWordEnds(base, before: index + separators.trailingZeroBitCount / 8) { return true }
                separators &= separators &- 1
            }
            index += 8
        }
        while index < count {
            let byte = base.load(fromByteOffset: index, as: UInt8.self)
            if byte == UInt8(ascii: ":") || byte == UInt8(ascii: "=") {
                if keyWordEnds(base, before: index) { return true }
            }
            index += 1
        }
        return false
    }

    /// Whether a key word (or a byte that might stand for one of its letters) ends just before `end`, after
    /// skipping whitespace (PCRE2's `\s` without UCP: space, tab, LF, VT, FF, CR) and one `"` backwards.
    @inline(__always)
    private static func keyWordEnds(_ base: UnsafeRawPointer, before end: Int) -> Bool {
        var last = end - 1
        while last >= 0 {
            let byte = base.load(fromByteOffset: last, as: UInt8.self)
            guard byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) else { break }
            last -= 1
        }
        if last >= 0 && base.load(fromByteOffset: last, as: UInt8.self) == UInt8(ascii: "\"") { last -= 1 }
        guard last >= 0 else { return false }
        // Most `:` and `=` follow no key word: their last letter rules out all but a few.
        let final = base.load(fromByteOffset: last, as: UInt8.self)
        if final >= 0x80 { return true }
        switch final | 0x20 {
        case UInt8(ascii: "n"): return ends(base, last, "token") || ends(base, last, "authorization")
        case UInt8(ascii: "d"): return ends(base, last, "password") || ends(base, last, "passwd") || ends(base, last, "pwd")
        case UInt8(ascii: "t"): return ends(base, last, "secret")
        case UInt8(ascii: "y"): return ends(base, last, "apikey") || ends(base, last, "api_key")
        default: return false
        }
    }

    /// Whether `word` (lower case) ends at `last`, compared without ASCII case; a byte above 0x7F where a
    /// letter should be counts as a match (it may be a letter's Unicode case variant).
    @inline(__always)
    private static func ends(_ base: UnsafeRawPointer, _ last: Int, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard last + 1 >= count else { return false }
        let letters = word.utf8Start
        for offset in 0..<count {
            let byte = base.load(fromByteOffset: last - offset, as: UInt8.self)
            if byte >= 0x80 { return true }
            let letter = letters[count - 1 - offset]
            let folded = letter >= UInt8(ascii: "a") && letter <= UInt8(ascii: "z") ? byte | 0x20 : byte
            guard folded == letter else { return false }
        }
        return true
    }
}
