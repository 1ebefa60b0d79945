/// Calendar arithmetic and the ArcGIS timestamp format, without Foundation.
///
/// ArcGIS writes `YYYY-MM-DDTHH:MM:SS,<ms>` with no zone, and the part after the comma is an integer count of
/// milliseconds that is **not** zero-padded: `,65` is 65 ms and `,5` is 5 ms. ArcGIS 10.0 wrote no
/// milliseconds at all. Times are kept as milliseconds since the Unix epoch.
public enum LogTime {
    /// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date for a count of days since 1970-01-01 (`civil_from_days`).
    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Parses an ArcGIS timestamp into wall-clock milliseconds (the wall-clock time read as if it were UTC).
    ///
    /// Accepts `YYYY-MM-DDTHH:MM:SS`, optionally followed by `,` or `.` and 1–9 digits. With 1–3 digits
    /// the digits are an integer count of milliseconds (ArcGIS's own, unpadded); with more (a tool that
    /// wrote a true fraction) they are read as a decimal fraction. Returns `nil` for anything else.
    public static func parseWallClock(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        guard bytes.count >= 19, let within = millisecondsIntoMinute(bytes) else { return nil }
        @inline(__always) func number(_ start: Int, _ length: Int) -> Int? {
            var value = 0
            for i in start..<(start + length) {
                let digit = Int(bytes[i]) &- 48
                guard digit >= 0 && digit <= 9 else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
              bytes[13] == UInt8(ascii: ":"),
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let minutes = Int64(days) * 1440 + Int64(hour * 60 + minute)
        return minutes * 60_000 + within
    }

    /// The part of a timestamp after its minute, `:SS` and the optional fraction (bytes 16 on), as
    /// milliseconds; nil when it is malformed. Split out so that a reader can reuse the minute of the
    /// previous record and parse only this.
    @inline(__always)
    static func millisecondsIntoMinute(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        let count = bytes.count
        guard count >= 19, bytes[16] == UInt8(ascii: ":") else { return nil }
        let tens = Int(bytes[17]) &- 48, ones = Int(bytes[18]) &- 48
        guard tens >= 0 && tens <= 9, ones >= 0 && ones <= 9 else { return nil }
        let second = tens * 10 + ones
        guard second < 61 else { return nil }
        var millis = 0
        if count > 19 {
            guard bytes[19] == UInt8(ascii: ",") || bytes[19] == UInt8(ascii: ".") else { return nil }
            let digits = count - 20
            guard digits >= 1, digits <= 9 else { return nil }
            var value = 0
            for i in 20..<count {
                let digit = Int(bytes[i]) &- 48
                guard digit >= 0 && digit <= 9 else { return nil }
                value = value * 10 + digit
            }
            if digits <= 3 {
                millis = value
            } else {
                for _ in 3..<digits { value /= 10 }
                millis = value
            }
        }
        return Int64(second * 1000 + millis)
    }

    /// Formats an instant as RFC 3339 with milliseconds and the given offset: `2022-05-22T08:17:00.672-07:00`.
    public static func rfc3339(utcMillis: Int64, offsetSeconds: Int) -> String {
        let local = utcMillis + Int64(offsetSeconds) * 1000
        var (days, msOfDay) = local.quotientAndRemainder(dividingBy: 86_400_000)
        if msOfDay < 0 {
            days -= 1
            msOfDay += 86_400_000
        }
        let (year, month, day) = civilFromDays(Int(days))
        let ms = Int(msOfDay)
        var text = ""
        text.reserveCapacity(29)
        func pad(_ value: Int, _ width: Int) {
            let digits = String(value)
            if digits.count < width { text += String(repeating: "0", count: width - digits.count) }
            text += digits
        }
        pad(year, 4); text += "-"; pad(month, 2); text += "-"; pad(day, 2); text += "T"
        pad(ms / 3_600_000, 2); text += ":"; pad(ms / 60_000 % 60, 2); text += ":"; pad(ms / 1000 % 60, 2)
        text += "."; pad(ms % 1000, 3)
        if offsetSeconds == 0 {
            text += "Z"
        } else {
            text += offsetSeconds < 0 ? "-" : "+"
            let magnitude = abs(offsetSeconds) / 60
            pad(magnitude / 60, 2); text += ":"; pad(magnitude % 60, 2)
        }
        return text
    }
}
