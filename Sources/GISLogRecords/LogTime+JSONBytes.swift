public import GISLogSupport

extension LogTime {
    /// `rfc3339(utcMillis:offsetSeconds:)` written straight into a byte buffer (no `String`), unquoted.
    public static func appendRFC3339(utcMillis: Int64, offsetSeconds: Int, to out: JSONBytes) {
        let local = utcMillis + Int64(offsetSeconds) * 1000
        var (days, msOfDay) = local.quotientAndRemainder(dividingBy: 86_400_000)
        if msOfDay < 0 {
            days -= 1
            msOfDay += 86_400_000
        }
        let (year, month, day) = civilFromDays(Int(days))
        let ms = Int(msOfDay)
        out.appendPadded(year, width: 4); out.append(UInt8(ascii: "-"))
        out.appendPadded(month, width: 2); out.append(UInt8(ascii: "-"))
        out.appendPadded(day, width: 2); out.append(UInt8(ascii: "T"))
        out.appendPadded(ms / 3_600_000, width: 2); out.append(UInt8(ascii: ":"))
        out.appendPadded(ms / 60_000 % 60, width: 2); out.append(UInt8(ascii: ":"))
        out.appendPadded(ms / 1000 % 60, width: 2); out.append(UInt8(ascii: "."))
        out.appendPadded(ms % 1000, width: 3)
        if offsetSeconds == 0 {
            out.append(UInt8(ascii: "Z"))
        } else {
            out.append(offsetSeconds < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            let magnitude = abs(offsetSeconds) / 60
            out.appendPadded(magnitude / 60, width: 2); out.append(UInt8(ascii: ":"))
            out.appendPadded(magnitude % 60, width: 2)
        }
    }
}

extension LogTimeZone {
    /// `format(utcMillis:)` as a JSON string, written straight into a byte buffer.
    public func appendFormatted(utcMillis: Int64, to out: JSONBytes) {
        out.append(UInt8(ascii: "\""))
        LogTime.appendRFC3339(utcMillis: utcMillis, offsetSeconds: offset(atUTC: utcMillis), to: out)
        out.append(UInt8(ascii: "\""))
    }
}
