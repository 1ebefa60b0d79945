/// Sizes such as `512`, `64K`, `500M`, `8G` (powers of 1024; a trailing `B` or `iB` is allowed).
public enum ByteSize {
    public static func parse(_ text: String) -> Int64? {
        var body = text.trimmingSpaces().uppercased()
        if body.hasSuffix("IB") { body.removeLast(2) } else if body.hasSuffix("B") { body.removeLast() }
        let scales: [Character: Int64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var scale: Int64 = 1
        if let last = body.last, let factor = scales[last] {
            scale = factor
            body.removeLast()
        }
        guard let value = Double(body), value >= 0, value * Double(scale) < 9e18 else { return nil }
        return Int64(value * Double(scale))
    }
}
