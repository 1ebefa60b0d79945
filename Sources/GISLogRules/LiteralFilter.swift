internal import Glibc

/// Finds which of a rule set's required literals a record's text contains, in one pass over the text.
///
/// A SEVERE or WARNING record meets thirty-odd rules, each with a literal to look for before its pattern
/// runs; one search per rule costs a library call each. This looks at every pair of adjacent bytes once:
/// a 64 Ki-bit table says whether some literal starts with the pair, and only then are the literals
/// starting with it compared. Up to 64 distinct literals of two or more bytes; other rules keep their own
/// search.
// SAFETY: immutable after init (the table is written only there), so scans from many threads only read.
final class LiteralFilter: @unchecked Sendable {
    /// Bit `pair` is set when a literal starts with the two bytes `pair & 0xFF`, `pair >> 8`.
    private let starts: UnsafeMutablePointer<UInt64>
    /// The literals sorted by their first pair, with that pair and their bit in a scan's answer.
    private let pairs: [UInt16]
    private let entries: [(bytes: UnsafeRawBufferPointer, bit: UInt64)]
    /// The distinct literals, by bit number.
    let literals: [UnsafeRawBufferPointer]

    static let capacity = 64

    /// - Parameter literals: the literals to find (at most 64, each at least 2 bytes, kept alive by the
    ///   caller for the filter's lifetime).
    init(literals: [UnsafeRawBufferPointer]) {
        precondition(literals.count <= Self.capacity && literals.allSatisfy { $0.count >= 2 })
        self.literals = literals
        starts = .allocate(capacity: 1024)
        starts.initialize(repeating: 0, count: 1024)
        var sorted: [(pair: UInt16, bytes: UnsafeRawBufferPointer, bit: UInt64)] = []
        for (number, literal) in literals.enumerated() {
            let pair = UInt16(literal[0]) | UInt16(literal[1]) << 8
            starts[Int(pair >> 6)] |= 1 << (pair & 63)
            sorted.append((pair, literal, 1 << UInt64(number)))
        }
        sorted.sort { $0.pair < $1.pair }
        pairs = sorted.map(\.pair)
        entries = sorted.map { ($0.bytes, $0.bit) }
    }

    deinit { starts.deallocate() }

    /// The bits of the literals that occur in `text`.
    func scan(_ text: UnsafeRawBufferPointer) -> UInt64 {
        guard text.count >= 2, let base = text.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        var found: UInt64 = 0
        let last = text.count - 1
        var i = 0
        while i < last {
            let pair = UInt16(base[i]) | UInt16(base[i &+ 1]) << 8
            if starts[Int(pair >> 6)] & (1 << (pair & 63)) != 0 {
                found |= matches(at: i, pair: pair, in: text)
            }
            i &+= 1
        }
        return found
    }

    /// The literals starting with `pair` that occur at `offset`.
    private func matches(at offset: Int, pair: UInt16, in text: UnsafeRawBufferPointer) -> UInt64 {
        var low = 0, high = pairs.count
        while low < high {
            let middle = (low + high) / 2
            if pairs[middle] < pair { low = middle + 1 } else { high = middle }
        }
        var found: UInt64 = 0
        let room = text.count - offset
        while low < pairs.count && pairs[low] == pair {
            let (bytes, bit) = entries[low]
            if bytes.count <= room && memcmp(text.baseAddress! + offset, bytes.baseAddress!, bytes.count) == 0 { found |= bit }
            low += 1
        }
        return found
    }
}
