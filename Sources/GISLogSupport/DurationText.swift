/// Parses durations such as `90s`, `15m`, `2h`, `1d`, `500ms`, or a bare number of minutes.
public enum DurationText {
    public static func milliseconds(_ text: String) -> Int64? {
        let trimmed = text.trimmingSpaces().lowercased()
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("min", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, scale) in units.sorted(by: { $0.0.count > $1.0.count }) where trimmed.hasSuffix(suffix) {
            guard let value = Double(trimmed.dropLast(suffix.count)), value >= 0, value.isFinite else { return nil }
            return Int64(value * Double(scale))
        }
        guard let minutes = Double(trimmed), minutes >= 0, minutes.isFinite else { return nil }
        return Int64(minutes * 60_000)
    }

    /// `2 min`, `1 h 5 min`, `45 s`, for explanations.
    public static func describe(_ millis: Int64) -> String {
        let seconds = abs(millis) / 1000
        if seconds < 90 { return "\(seconds) s" }
        let minutes = (seconds + 30) / 60
        if minutes < 90 { return "\(minutes) min" }
        let hours = minutes / 60, rest = minutes % 60
        if hours < 48 { return rest == 0 ? "\(hours) h" : "\(hours) h \(rest) min" }
        return "\(hours / 24) days"
    }
}
