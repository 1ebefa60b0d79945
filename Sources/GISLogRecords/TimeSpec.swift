internal import Glibc
import GISLogSupport

/// Reads `--since` and `--until` values: RFC 3339 times (`2026-11-14T13:00:00Z`, `…+01:00`, or without an
/// offset in the logs' zone), dates (`2026-11-14`, midnight in the logs' zone), spans back from now (`24h`,
/// `7d`, `90m`), and `now`, `today`, `yesterday`.
public enum TimeSpec {
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The current time, or `GISLOG_NOW` (an RFC 3339 time) when set, so tests and replays are repeatable.
    public static func now() -> Int64 {
        if let fixed = environment("GISLOG_NOW"), let value = try? parse(fixed, zone: .utc, now: 0) { return value }
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    /// The longest span back from now (`24h`, `7d`) that `parse` accepts: 100 years.
    public static let maxSpan: Int64 = 36_500 * 86_400_000

    /// Milliseconds since the epoch for `text`.
    public static func parse(_ text: String, zone: LogTimeZone, now: Int64) throws(ParseError) -> Int64 {
        let value = text.trimmingSpaces()
        let lower = value.lowercased()
        let dayMillis: Int64 = 86_400_000
        func midnight(daysBack: Int64) -> Int64 {
            let localNow = now + Int64(zone.offset(atUTC: now)) * 1000
            let localMidnight = (localNow >= 0 ? localNow / dayMillis : (localNow - dayMillis + 1) / dayMillis) * dayMillis
            return zone.utc(fromWallClock: localMidnight - daysBack * dayMillis)
        }
        switch lower {
        case "now": return now
        case "today": return midnight(daysBack: 0)
        case "yesterday": return midnight(daysBack: 1)
        default: break
        }
        if let first = lower.first, first.isNumber, let last = lower.last, last.isLetter,
           let span = DurationText.exactMilliseconds(lower) {
            // Checked before it becomes an integer: `1e20h` must be a message, not an overflow.
            guard span <= Double(maxSpan) else {
                throw ParseError(description: "'\(text)' reaches back more than 100 years; give a span up to 36500d, "
                    + "or a date (2026-11-14)")
            }
            return now - Int64(span)
        }
        var bytes = Array(value.utf8)
        if bytes.count == 10 { bytes += Array("T00:00:00".utf8) }
        if bytes.count == 16 { bytes += Array(":00".utf8) }
        if bytes.count >= 11 && bytes[10] == UInt8(ascii: " ") { bytes[10] = UInt8(ascii: "T") }
        // Split off a trailing `Z` or `±HH:MM`.
        var offset: Int?
        if bytes.last == UInt8(ascii: "Z") || bytes.last == UInt8(ascii: "z") {
            offset = 0
            bytes.removeLast()
        } else if bytes.count >= 25, bytes[bytes.count - 3] == UInt8(ascii: ":"),
                  bytes[bytes.count - 6] == UInt8(ascii: "+") || bytes[bytes.count - 6] == UInt8(ascii: "-") {
            offset = LogTimeZone.parseOffset(String(decoding: bytes[(bytes.count - 6)...], as: UTF8.self))
            bytes.removeLast(6)
        }
        let wall = bytes.withUnsafeBytes { LogTime.parseWallClock($0) }
        guard let wall else {
            throw ParseError(description: "'\(text)' is not a time; expected an RFC 3339 time (2026-11-14T13:00:00Z), "
                + "a date (2026-11-14), a span back from now (24h, 7d), or now, today, yesterday")
        }
        if let offset { return wall - Int64(offset) * 1000 }
        return zone.utc(fromWallClock: wall)
    }
}
