/// Reads numeric option values (durations, sizes) and checks them against the range the option allows, so
/// that no value a user can type reaches arithmetic that could overflow: every failure is a message that
/// names the option, the value and what is allowed.
public enum OptionValue {
    /// A value that cannot be used.
    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// A duration (`90s`, `15m`, `2h`, `7d`, `250ms`; a plain number is minutes) in milliseconds, within
    /// `range`.
    /// - Parameter option: the option's name with its dashes, for the message.
    public static func duration(_ text: String, option: String, range: ClosedRange<Int64>) throws(Invalid) -> Int64 {
        guard let exact = DurationText.exactMilliseconds(text) else {
            throw Invalid(description: "\(option): '\(text)' is not a duration; write e.g. 250ms, 90s, 15m, 2h or 7d "
                          + "(a plain number is minutes)")
        }
        guard exact >= Double(range.lowerBound), exact <= Double(range.upperBound) else {
            throw Invalid(description: "\(option): '\(text)' is out of range; give a duration from "
                          + "\(describeDuration(range.lowerBound)) to \(describeDuration(range.upperBound))")
        }
        return Int64(exact)
    }

    /// A size (`512`, `64K`, `500M`, `8G`, `1T`; powers of 1024) in bytes, within `range`.
    public static func size(_ text: String, option: String, range: ClosedRange<Int64>) throws(Invalid) -> Int64 {
        guard let exact = ByteSize.exactBytes(text) else {
            throw Invalid(description: "\(option): '\(text)' is not a size; write e.g. 500M, 8G or 64G")
        }
        // A fraction of a byte rounds down; what is left must still be in range.
        guard exact.rounded(.down) >= Double(range.lowerBound), exact <= Double(range.upperBound) else {
            throw Invalid(description: "\(option): '\(text)' is out of range; give a size from "
                          + "\(describeSize(range.lowerBound)) to \(describeSize(range.upperBound))")
        }
        return Int64(exact)
    }

    /// A whole number within `range`.
    public static func count(_ value: Int, option: String, range: ClosedRange<Int>) throws(Invalid) -> Int {
        guard range.contains(value) else {
            throw Invalid(description: "\(option): \(value) is out of range; give a number from \(range.lowerBound) "
                          + "to \(range.upperBound)")
        }
        return value
    }

    /// A fraction such as a confidence, within `range` (NaN is never in range).
    public static func fraction(_ value: Double, option: String, range: ClosedRange<Double>) throws(Invalid) -> Double {
        guard range.contains(value) else {
            throw Invalid(description: "\(option): \(value) is out of range; give a number from \(range.lowerBound) "
                          + "to \(range.upperBound)")
        }
        return value
    }

    /// A limit in the unit it is easiest to read in: `30d`, `24h`, `0`.
    static func describeDuration(_ millis: Int64) -> String {
        if millis == 0 { return "0" }
        for (unit, scale) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        where millis % scale == 0 {
            return "\(millis / scale)\(unit)"
        }
        return "\(millis)ms"
    }

    static func describeSize(_ bytes: Int64) -> String {
        for (unit, scale) in [("T", Int64(1) << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)]
        where bytes >= scale && bytes % scale == 0 {
            return "\(bytes / scale)\(unit)"
        }
        return "\(bytes)"
    }
}

extension DurationText {
    /// The milliseconds `text` stands for, as a floating-point number so that any value can be compared with
    /// a limit before it becomes an integer; nil when it is not a duration (negative values included, so
    /// that they can be reported as out of range).
    public static func exactMilliseconds(_ text: String) -> Double? {
        let trimmed = text.trimmingSpaces().lowercased()
        let units: [(String, Double)] = [("min", 60_000), ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000),
                                         ("d", 86_400_000)]
        var number = Substring(trimmed), scale = 60_000.0  // a plain number is minutes
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            number = trimmed.dropLast(suffix.count)
            scale = factor
            break
        }
        // `Double` also reads `nan`, `inf` and hex; only plain decimal numbers are durations.
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.e".contains($0)) }),
              let value = Double(number), !value.isNaN
        else { return nil }
        return value * scale
    }
}

extension ByteSize {
    /// The bytes `text` stands for (`512`, `64K`, `500M`, `8G`, `1T`, with an optional `B` or `iB`), as a
    /// floating-point number so that any value can be compared with a limit; nil when it is not a size.
    public static func exactBytes(_ text: String) -> Double? {
        var body = text.trimmingSpaces().uppercased()
        if body.hasSuffix("IB") { body.removeLast(2) } else if body.hasSuffix("B") { body.removeLast() }
        let scales: [Character: Double] = ["K": 1024, "M": 1_048_576, "G": 1_073_741_824, "T": 1_099_511_627_776]
        var scale = 1.0
        if let last = body.last, let factor = scales[last] {
            scale = factor
            body.removeLast()
        }
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.E".contains($0)) }),
              let value = Double(body), !value.isNaN
        else { return nil }
        return value * scale
    }
}
