/// Parses durations such as `90s`, `15m`, `2h`, `1d`, `500ms`, or a bare number of minutes.
public enum DurationText {
    public static func milliseconds(_ text: String) -> Int64? {
        // Out of Int64's range is not a duration either (converting it would trap).
        guard let exact = exactMilliseconds(text), exact >= 0, exact < 9.2e18 else { return nil }
        return Int64(exact)
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
