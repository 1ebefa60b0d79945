public import GISLogRecords
public import GISLogSupport

/// Writes RFC 3339 times (`LogTime.appendRFC3339`) for the feeds' lines, where one minute's records come in a
/// row: the text up to the seconds is made once per minute and zone offset, and copied after that (a storm
/// logs a record every second or two, so a cache per second would miss every time).
/// One per worker thread.
public final class TimestampCache {
    private var minute = Int64.min
    private var offset = Int.min
    /// The whole text of the first time written in that minute, and where its seconds start.
    private let last = JSONBytes(capacity: 64)
    private var secondsAt = 0

    public init() {}

    /// Appends the time unquoted, the same bytes as `LogTime.appendRFC3339(utcMillis:offsetSeconds:to:)`.
    public func append(utcMillis: Int64, offsetSeconds: Int, to out: JSONBytes) {
        let local = utcMillis &+ Int64(offsetSeconds) &* 1000
        var (second, milliseconds) = local.quotientAndRemainder(dividingBy: 1000)
        if milliseconds < 0 {
            second -= 1
            milliseconds += 1000
        }
        var (minute, secondOfMinute) = second.quotientAndRemainder(dividingBy: 60)
        if secondOfMinute < 0 {
            minute -= 1
            secondOfMinute += 60
        }
        guard minute == self.minute, offsetSeconds == offset else {
            last.removeAll()
            LogTime.appendRFC3339(utcMillis: utcMillis, offsetSeconds: offsetSeconds, to: last)
            out.append(last.bytes)
            // `ss.mmm`: the seconds are the two digits before the last '.' (the zone that follows has none).
            var dot = last.count - 1
            while dot > 0 && last.bytes[dot] != UInt8(ascii: ".") { dot -= 1 }
            secondsAt = dot - 2
            self.minute = minute
            offset = offsetSeconds
            return
        }
        let all = last.bytes
        out.append(UnsafeRawBufferPointer(rebasing: all[..<secondsAt]))
        let seconds = Int(secondOfMinute), value = Int(milliseconds)
        out.append(UInt8(truncatingIfNeeded: seconds / 10) &+ 0x30)
        out.append(UInt8(truncatingIfNeeded: seconds % 10) &+ 0x30)
        out.append(UInt8(ascii: "."))
        out.append(UInt8(truncatingIfNeeded: value / 100) &+ 0x30)
        out.append(UInt8(truncatingIfNeeded: value / 10 % 10) &+ 0x30)
        out.append(UInt8(truncatingIfNeeded: value % 10) &+ 0x30)
        out.append(UnsafeRawBufferPointer(rebasing: all[(secondsAt + 6)...]))
    }
}
