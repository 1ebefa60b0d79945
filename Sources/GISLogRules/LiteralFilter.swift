internal import CGISLogShims
internal import Glibc

/// Finds which of a rule set's texts a record's text contains, in one pass over the text.
///
/// A SEVERE or WARNING record meets about fifty rules, each with a literal (or a pattern prefilter's few
/// texts) to look for before its pattern runs; one search per text costs a pass over the record each. This
/// looks at every 4 bytes once: a 64 Ki-bit table, indexed by a hash of them, says whether some text may
/// start with them, and only then are the texts with that hash compared. Two or three byte texts go through
/// a table of pairs the same way. Up to 128 distinct texts; a caseless text (stored in lower case) is
/// entered under every case of its first bytes and compared with ASCII letters folded. Four bytes rule out
/// far more places than two ("ce" starts half the words of a certificate error, "cert" a few).
// SAFETY: immutable after init (the tables are written only there), so scans from many threads only read.
final class LiteralFilter: @unchecked Sendable {
    /// A set of texts by bit number: bit n of lane n / 64.
    typealias Bits = SIMD2<UInt64>

    /// One text to find.
    struct Text {
        /// The bytes (lower case ASCII letters when `caseless`), kept alive by the caller.
        var bytes: UnsafeRawBufferPointer
        var caseless: Bool
    }

    /// A table of starts: a bit per key says some text may start there; the texts by key, sorted, and where
    /// each key's run of them begins. Plain memory, freed by `free()`: a found key costs two loads, where
    /// a binary search over arrays cost a dozen branches and bounds checks.
    private struct Starts {
        let bits: UnsafeMutablePointer<UInt64>
        /// Index in `entries` of each key's first text (meaningful only where `bits` has the key).
        let first: UnsafeMutablePointer<UInt16>
        let keys: UnsafeMutableBufferPointer<UInt16>
        let entries: UnsafeMutableBufferPointer<(text: Text, bits: Bits)>

        init(_ items: [(key: UInt16, text: Text, bits: Bits)]) {
            bits = .allocate(capacity: 1024)
            bits.initialize(repeating: 0, count: 1024)
            for item in items { bits[Int(item.key >> 6)] |= 1 << (item.key & 63) }
            let sorted = items.sorted { $0.key < $1.key }
            keys = .allocate(capacity: sorted.count)
            _ = keys.initialize(from: sorted.map(\.key))
            entries = .allocate(capacity: sorted.count)
            _ = entries.initialize(from: sorted.map { ($0.text, $0.bits) })
            // No table for no texts (the short texts, usually): `mayStart` never lets a key through then.
            let size = sorted.isEmpty ? 1 : 1 << 16
            first = .allocate(capacity: size)
            first.initialize(repeating: 0, count: size)
            for index in sorted.indices.reversed() { first[Int(sorted[index].key)] = UInt16(index) }
        }

        func free() {
            bits.deallocate()
            first.deallocate()
            keys.deallocate()
            entries.deallocate()
        }

        @inline(__always)
        func mayStart(_ key: UInt16) -> Bool { bits[Int(key >> 6)] & (1 << (key & 63)) != 0 }

        /// The texts under `key` (which `mayStart`) that occur at `offset`.
        func matches(_ key: UInt16, at offset: Int, in text: UnsafeRawBufferPointer) -> Bits {
            var index = Int(first[Int(key)])
            var found = Bits.zero
            let room = text.count - offset
            let start = text.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset
            while index < keys.count && keys[index] == key {
                let (candidate, bits) = entries[index]
                index += 1
                if candidate.bytes.count <= room && LiteralFilter.equal(start, candidate) { found |= bits }
            }
            return found
        }
    }

    /// Texts of four bytes or more, by a hash of their first four.
    private let long: Starts
    /// Texts of two or three bytes, by their first pair (none in the built-in rules).
    private let short: Starts
    private let hasShort: Bool
    /// The distinct texts, by bit number.
    let texts: [Text]
    /// Nibble tables of the long texts' first bytes: where the CPU has AVX2, the hash is computed only at
    /// the positions they let through (a few in a hundred, where it was every one). Nil without long texts.
    private let teddy: UnsafeMutablePointer<gislog_teddy>?

    static let capacity = 128

    /// The set holding only bit `number`.
    static func bit(_ number: Int) -> Bits {
        number < 64 ? Bits(1 << UInt64(number), 0) : Bits(0, 1 << UInt64(number - 64))
    }

    /// - Parameters:
    ///   - texts: the texts to find (at most 128, each at least 2 bytes).
    ///   - vectorised: look for the long texts' starts 32 bytes a step where the CPU can (off only in tests,
    ///     to hold it to the byte-by-byte search).
    init(texts: [Text], vectorised: Bool = true) {
        // Entries are indexed by 16 bits: 128 texts, each under at most 16 cases of its first four bytes.
        precondition(texts.count <= Self.capacity && texts.allSatisfy { $0.bytes.count >= 2 })
        self.texts = texts
        var long: [(key: UInt16, text: Text, bits: Bits)] = [], short: [(key: UInt16, text: Text, bits: Bits)] = []
        for (number, text) in texts.enumerated() {
            let width = min(4, text.bytes.count)
            // Every case of the first bytes of a caseless text: a scan reads the bytes as they are.
            var heads: [[UInt8]] = [[]]
            for byte in text.bytes.prefix(width) {
                heads = heads.flatMap { head in Self.cases(of: byte, in: text).map { head + [$0] } }
            }
            for head in heads {
                if width == 4 {
                    long.append((Self.hash(UInt32(head[0]) | UInt32(head[1]) << 8 | UInt32(head[2]) << 16 | UInt32(head[3]) << 24),
                                 text, Self.bit(number)))
                } else {
                    short.append((UInt16(head[0]) | UInt16(head[1]) << 8, text, Self.bit(number)))
                }
            }
        }
        self.long = Starts(long)
        self.short = Starts(short)
        hasShort = !short.isEmpty
        let longTexts = texts.filter { $0.bytes.count >= 4 }
        teddy = vectorised && !longTexts.isEmpty ? Self.nibbleTables(longTexts) : nil
    }

    /// The bytes a scan may meet for `byte` of `text`: both cases of a letter of a caseless text (stored in
    /// lower case), else the byte itself.
    private static func cases(of byte: UInt8, in text: Text) -> [UInt8] {
        text.caseless && byte >= 0x61 && byte <= 0x7A ? [byte, byte - 0x20] : [byte]
    }

    /// Eight buckets of texts, neighbours in the order of their first bytes sharing one (so a bucket's
    /// tables stay narrow), and each bucket's bytes entered in the tables of their position.
    private static func nibbleTables(_ texts: [Text]) -> UnsafeMutablePointer<gislog_teddy> {
        let width = Int(GISLOG_TEDDY_BYTES)
        func folded(_ text: Text) -> [UInt8] {
            text.bytes.prefix(width).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        }
        let ordered = texts.sorted { folded($0).lexicographicallyPrecedes(folded($1)) }
        var tables = gislog_teddy()
        tables.minimum = texts.map(\.bytes.count).min()!
        withUnsafeMutableBytes(of: &tables.low) { low in
            withUnsafeMutableBytes(of: &tables.high) { high in
                for (index, text) in ordered.enumerated() {
                    let bucket = UInt8(1) << (index * 8 / ordered.count)
                    for (position, byte) in text.bytes.prefix(width).enumerated() {
                        for variant in Self.cases(of: byte, in: text) {
                            low[position * 16 + Int(variant & 0x0F)] |= bucket
                            high[position * 16 + Int(variant >> 4)] |= bucket
                        }
                    }
                }
            }
        }
        let stored = UnsafeMutablePointer<gislog_teddy>.allocate(capacity: 1)
        stored.initialize(to: tables)
        return stored
    }

    deinit {
        long.free()
        short.free()
        teddy?.deallocate()
    }

    @inline(__always)
    private static func hash(_ word: UInt32) -> UInt16 { UInt16(truncatingIfNeeded: (word &* 0x9E37_79B1) >> 16) }

    /// The texts that occur in `text`.
    func scan(_ text: UnsafeRawBufferPointer) -> Bits {
        guard let base = text.baseAddress, text.count >= 2 else { return .zero }
        var found = Bits.zero
        var i = 0
        if text.count >= 4 {
            if let teddy {
                // Only where some long text may start; a few hundred positions per call, on the stack.
                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 256) { positions in
                    let bytes = base.assumingMemoryBound(to: UInt8.self)
                    while i < text.count {
                        var scanned = 0
                        let count = gislog_teddy_candidates(teddy, bytes + i, text.count - i, positions.baseAddress!,
                                                            positions.count, &scanned)
                        for index in 0..<count {
                            let at = i &+ Int(positions[index])
                            let key = Self.hash(base.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian)
                            if long.mayStart(key) { found |= long.matches(key, at: at, in: text) }
                        }
                        guard scanned > 0 else { break }  // no AVX2: the loop below searches the rest
                        i &+= scanned
                    }
                }
            }
            let last = text.count - 4
            while i <= last {
                let key = Self.hash(base.loadUnaligned(fromByteOffset: i, as: UInt32.self).littleEndian)
                if long.mayStart(key) { found |= long.matches(key, at: i, in: text) }
                i &+= 1
            }
        }
        if hasShort {
            let bytes = base.assumingMemoryBound(to: UInt8.self)
            for offset in 0..<(text.count - 1) {
                let pair = UInt16(bytes[offset]) | UInt16(bytes[offset &+ 1]) << 8
                if short.mayStart(pair) { found |= short.matches(pair, at: offset, in: text) }
            }
        }
        return found
    }

    /// Whether `candidate` occurs at `start` (ASCII capitals read as small letters when it is caseless).
    @inline(__always)
    fileprivate static func equal(_ start: UnsafePointer<UInt8>, _ candidate: Text) -> Bool {
        let want = candidate.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        if !candidate.caseless { return memcmp(start, want, candidate.bytes.count) == 0 }
        for index in 0..<candidate.bytes.count {
            var byte = start[index]
            if byte >= 0x41 && byte <= 0x5A { byte |= 0x20 }
            if byte != want[index] { return false }
        }
        return true
    }
}
