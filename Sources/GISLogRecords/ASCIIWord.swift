/// Four ASCII characters as the `UInt32` that a native-endian load of them from memory gives, so a parser
/// can compare a short name with one load instead of a byte loop. Folded at compile time for literals.
@inline(__always)
func asciiWord(_ a: Unicode.Scalar, _ b: Unicode.Scalar, _ c: Unicode.Scalar, _ d: Unicode.Scalar) -> UInt32 {
    UInt32(littleEndian: UInt32(a.value) | UInt32(b.value) << 8 | UInt32(c.value) << 16 | UInt32(d.value) << 24)
}
