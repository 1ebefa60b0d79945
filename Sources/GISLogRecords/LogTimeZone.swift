internal import Glibc
import GISLogInput
import GISLogSupport

/// The zone in which a site wrote its log times. ArcGIS records carry no offset, so gislog needs one.
///
/// `--timezone` takes an IANA name (`America/Los_Angeles`, read from the system's tz database), a fixed
/// offset (`+02:00`, `-0700`, `Z`, `UTC`), or `local` (the zone of the machine gislog runs on). Zones are
/// immutable and shared by all scan threads.
public struct LogTimeZone: Sendable, Hashable, CustomStringConvertible {
    /// What the user named, for headers and messages.
    public let name: String
    private let rules: Rules

    private enum Rules: Sendable, Hashable {
        case fixed(seconds: Int)
        /// Transition instants (epoch seconds, ascending) and the offset in force from each one; `initial`
        /// applies before the first transition.
        case table(transitions: [Int64], offsets: [Int32], initial: Int32)
    }

    /// Coordinated Universal Time.
    public static let utc = LogTimeZone(name: "UTC", rules: .fixed(seconds: 0))

    private init(name: String, rules: Rules) {
        self.name = name
        self.rules = rules
    }

    /// A zone at a fixed offset from UTC.
    public static func fixed(seconds: Int) -> LogTimeZone {
        LogTimeZone(name: formatOffset(seconds), rules: .fixed(seconds: seconds))
    }

    public var description: String { name }

    /// Why a zone name was refused.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Resolves a `--timezone` value.
    ///
    /// - Parameter zoneDirectory: where the tz database lives (`TZDIR`, else `/usr/share/zoneinfo`).
    /// - Throws: `ParseError` naming what was expected, when the value is neither an offset nor a known zone.
    public static func named(_ value: String, zoneDirectory: String? = nil) throws(ParseError) -> LogTimeZone {
        let directory = zoneDirectory ?? environment("TZDIR") ?? "/usr/share/zoneinfo"
        switch value {
        case "Z", "z", "UTC", "utc", "GMT", "Etc/UTC":
            return .utc
        case "local", "":
            return local(zoneDirectory: directory)
        default:
            break
        }
        if let seconds = parseOffset(value) {
            return .fixed(seconds: seconds)
        }
        guard !value.hasPrefix("/"), !value.contains(".."),
              value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else {
            throw ParseError(description: "'\(value)' is not a time zone; expected an IANA name such as "
                + "America/New_York, an offset such as -05:00, or 'local'")
        }
        guard let zone = load(path: directory + "/" + value, name: value) else {
            throw ParseError(description: "unknown time zone '\(value)' (nothing readable at \(directory)/\(value)); "
                + "expected an IANA name such as Europe/Berlin, an offset such as +01:00, or 'local' "
                + "(install the tzdata package if no names work)")
        }
        return zone
    }

    /// The zone of the machine gislog runs on: `TZ` if set, else `/etc/localtime`, else UTC.
    public static func local(zoneDirectory: String = "/usr/share/zoneinfo") -> LogTimeZone {
        if let tz = environment("TZ"), !tz.isEmpty {
            let name = tz.hasPrefix(":") ? String(tz.dropFirst()) : tz
            if let zone = try? named(name, zoneDirectory: zoneDirectory), name != "local" { return zone }
        }
        return load(path: "/etc/localtime", name: localZoneName() ?? "local") ?? .utc
    }

    /// The offset when it is the same at every instant (a fixed zone), else nil.
    public var fixedOffset: Int? {
        if case .fixed(let seconds) = rules { return seconds }
        return nil
    }

    /// The offset from UTC, in seconds, at an instant.
    public func offset(atUTC millis: Int64) -> Int {
        switch rules {
        case .fixed(let seconds):
            return seconds
        case .table(let transitions, let offsets, let initial):
            let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
            // Last transition at or before `seconds`.
            var low = 0, high = transitions.count
            while low < high {
                let mid = (low + high) / 2
                if transitions[mid] <= seconds { low = mid + 1 } else { high = mid }
            }
            return Int(low == 0 ? initial : offsets[low - 1])
        }
    }

    /// The instant at which the clocks of this zone showed `wallClock` (milliseconds read as if UTC).
    ///
    /// In a DST gap the earlier offset is used; in an overlap, the first of the two instants.
    public func utc(fromWallClock wallClock: Int64) -> Int64 {
        switch rules {
        case .fixed(let seconds):
            return wallClock - Int64(seconds) * 1000
        case .table:
            let guess = offset(atUTC: wallClock)
            let firstTry = offset(atUTC: wallClock - Int64(guess) * 1000)
            let secondTry = offset(atUTC: wallClock - Int64(firstTry) * 1000)
            return wallClock - Int64(max(firstTry, secondTry)) * 1000
        }
    }

    /// RFC 3339 with this zone's offset at that instant.
    public func format(utcMillis: Int64) -> String {
        LogTime.rfc3339(utcMillis: utcMillis, offsetSeconds: offset(atUTC: utcMillis))
    }

    // MARK: - Parsing

    /// `+HH:MM`, `-HHMM`, `+HH`, `UTC+02:00`.
    static func parseOffset(_ text: String) -> Int? {
        var body = Substring(text)
        for prefix in ["UTC", "GMT"] where body.hasPrefix(prefix) { body = body.dropFirst(3) }
        guard let sign = body.first, sign == "+" || sign == "-" else { return nil }
        let digits = body.dropFirst().filter { $0 != ":" }
        guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
              digits.count == 2 || digits.count == 4,
              body.dropFirst().count == digits.count || body.dropFirst().count == 5
        else { return nil }
        let hours = Int(digits.prefix(2))!
        let minutes = digits.count == 4 ? Int(digits.suffix(2))! : 0
        guard hours <= 18, minutes < 60 else { return nil }
        let seconds = hours * 3600 + minutes * 60
        return sign == "-" ? -seconds : seconds
    }

    static func formatOffset(_ seconds: Int) -> String {
        if seconds == 0 { return "UTC" }
        let magnitude = abs(seconds) / 60
        let hours = magnitude / 60, minutes = magnitude % 60
        return (seconds < 0 ? "-" : "+") + (hours < 10 ? "0" : "") + String(hours) + ":"
            + (minutes < 10 ? "0" : "") + String(minutes)
    }

    /// Reads a TZif file (RFC 8536), version 1 or the 64-bit data of versions 2+.
    ///
    /// Times after the last listed transition keep the last offset; the tz database lists transitions to
    /// 2037, past any log this tool will read.
    static func load(path: String, name: String) -> LogTimeZone? {
        guard let source = try? FileSource(path: path) else { return nil }
        var data = [UInt8](repeating: 0, count: 1 << 17)
        let count = (try? data.withUnsafeMutableBytes { try source.readFully(into: $0) }) ?? 0
        data.removeSubrange(count...)
        return parseTZif(data, name: name)
    }

    static func parseTZif(_ data: [UInt8], name: String) -> LogTimeZone? {
        func u32(_ at: Int) -> Int? {
            guard at + 4 <= data.count else { return nil }
            return Int(data[at]) << 24 | Int(data[at + 1]) << 16 | Int(data[at + 2]) << 8 | Int(data[at + 3])
        }
        func header(_ at: Int) -> (version: UInt8, counts: [Int])? {
            guard at + 44 <= data.count, data[at] == 0x54, data[at + 1] == 0x5A, data[at + 2] == 0x69,
                  data[at + 3] == 0x66 else { return nil }
            var counts: [Int] = []
            for i in 0..<6 { guard let c = u32(at + 20 + i * 4) else { return nil }; counts.append(c) }
            return (data[at + 4], counts)
        }
        guard let first = header(0) else { return nil }
        // counts: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
        func blockSize(_ c: [Int], timeSize: Int) -> Int {
            c[3] * timeSize + c[3] + c[4] * 6 + c[5] + c[2] * (timeSize + 4) + c[1] + c[0]
        }
        var start = 44, counts = first.counts, timeSize = 4
        if first.version >= 0x32 {
            let second = 44 + blockSize(first.counts, timeSize: 4)
            guard let h = header(second) else { return nil }
            start = second + 44
            counts = h.counts
            timeSize = 8
        }
        let timeCount = counts[3], typeCount = counts[4]
        guard typeCount > 0, start + blockSize(counts, timeSize: timeSize) <= data.count else { return nil }
        var transitions: [Int64] = []
        transitions.reserveCapacity(timeCount)
        for i in 0..<timeCount {
            let at = start + i * timeSize
            var value: Int64 = 0
            for b in 0..<timeSize { value = value << 8 | Int64(data[at + b]) }
            if timeSize == 4 { value = Int64(Int32(truncatingIfNeeded: value)) }
            transitions.append(value)
        }
        let indexStart = start + timeCount * timeSize
        let typeStart = indexStart + timeCount
        func typeOffset(_ index: Int) -> Int32? {
            guard index < typeCount, let raw = u32(typeStart + index * 6) else { return nil }
            return Int32(truncatingIfNeeded: raw)
        }
        var offsets: [Int32] = []
        offsets.reserveCapacity(timeCount)
        for i in 0..<timeCount {
            guard let offset = typeOffset(Int(data[indexStart + i])) else { return nil }
            offsets.append(offset)
        }
        // Before the first transition: the first standard-time type (RFC 8536 §3.2), else type 0.
        var initial = typeOffset(0) ?? 0
        for i in 0..<typeCount where data[typeStart + i * 6 + 4] == 0 {
            initial = typeOffset(i) ?? initial
            break
        }
        if timeCount == 0 { return LogTimeZone(name: name, rules: .fixed(seconds: Int(initial))) }
        return LogTimeZone(name: name, rules: .table(transitions: transitions, offsets: offsets, initial: initial))
    }

    /// The IANA name behind `/etc/localtime` when it is a link into the tz database.
    private static func localZoneName() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/etc/localtime", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        let target = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let range = target.firstRange(of: "zoneinfo/") else { return nil }
        return String(target[range.upperBound...])
    }
}
