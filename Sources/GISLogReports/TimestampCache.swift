public import GISLogRecords
public import GISLogSupport

/// Writes RFC 3339 times (`LogTime.appendRFC3339`) for the feeds' lines, where one second's records come in a
/// row: the text up to the milliseconds is made once per second and zone offset, and copied after that.
/// One per worker thread.
public final class TimestampCache {
    private var second = Int64.min
    private var offset = Int.min
    /// The whole text of the last second written, and where its milliseconds start.
    private let last = JSONBytes(capacity: 64)
    private var millisecondsAt = 0

    public init() {}

    /// Appends the time unquoted, the same bytes as `LogTime.appendRFC3339(utcMillis:offsetSeconds:to:)`.
    public func append(utcMillis: Int64, offsetSeconds: Int, to out: JSONBytes) {
        let local = utcMillis &+ Int64(offsetSeconds) &* 1000
        var (second, milliseconds) = local.quotientAndRemainder(dividingBy: 1000)
        if milliseconds < 0 {
            second -= 1
            milliseconds += 1000
        }
        guard second == self.second, offsetSeconds == offset else {
            last.removeAll()
            LogTime.appendRFC3339(utcMillis: utcMillis, offsetSeconds: offsetSeconds, to: last)
            out.append(last.bytes)
            // The milliseconds are the three digits after the last '.' (the zone that follows has none).
            var dot = last.count - 1
            while dot > 0 && last.bytes[dot] != UInt8(ascii: ".") { dot -= 1 }
            millisecondsAt = dot + 1
            self.second = second
            offset = offsetSeconds
            return
        }
        let all = last.bytes
        out.append(UnsafeRawBufferPointer(rebasing: all[..<millisecondsAt]))
        let value = Int(milliseconds)
        out.append(UInt8(truncatingIfNeeded: value / 100) &+ 0x30)
        out.append(UInt8(truncatingIfNeeded: value / 10 % 10) &+ 0x30)
        out.append(UInt8(truncatingIfNeeded: value % 10) &+ 0x30)
        out.append(UnsafeRawBufferPointer(rebasing: all[(millisecondsAt + 3)...]))
    }
}
