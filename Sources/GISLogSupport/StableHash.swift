/// FNV-1a, 64 bits, as 16 hex digits: a stable, dependency-free hash for finding ids and file identities.
/// (Swift's `Hasher` is seeded per process, so it cannot name anything that must match across runs.)
package func stableHash<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
    stableHashText(stableHashValue(bytes))
}

/// `stableHash` as its number (what a table of 100,000 files keeps: a number, not a string each).
package func stableHashValue<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> UInt64 {
    var hasher = StableHasher()
    // Contiguous bytes (arrays, their slices: a file's head) in a plain loop; the generic iterator costs
    // a call per byte where the caller is not specialised.
    let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
        for byte in buffer { hasher.add(byte) }
    }
    if done == nil {
        for byte in bytes { hasher.add(byte) }
    }
    return hasher.value
}

/// FNV-1a a byte at a time: `value` after each byte is `stableHashValue` of the bytes so far (what a search
/// over every prefix of a file's head needs).
package struct StableHasher {
    package private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    package init() {}

    @inline(__always)
    package mutating func add(_ byte: UInt8) {
        value ^= UInt64(byte)
        value = value &* 0x0000_0100_0000_01B3
    }
}

/// A `stableHashValue` as `stableHash` writes it: 16 hex digits.
package func stableHashText(_ hash: UInt64) -> String {
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}
