import Testing
@testable import GISLogSupport
@testable import GISLogInput
@testable import GISLogRecords
@testable import GISLogRules
@testable import GISLogCorrelation
@testable import GISLogReports
@testable import GISLogFetch
@testable import GISLogProbe
@testable import GISLogKit

@Suite("Times and zones")
struct TimeTests {
    private func wall(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { LogTime.parseWallClock(UnsafeRawBufferPointer($0)) }
    }

    @Test func wallClockShapes() {
        #expect(wall("2022-05-22T08:17:00,672") == utc(2022, 5, 22, 8, 17, 0, 672))
        #expect(wall("2022-05-22T08:17:00,65") == utc(2022, 5, 22, 8, 17, 0, 65))
        #expect(wall("2022-05-22T08:17:00,5") == utc(2022, 5, 22, 8, 17, 0, 5))
        #expect(wall("2009-10-31T14:36:05") == utc(2009, 10, 31, 14, 36, 5))
        #expect(wall("2022-05-22T08:17:00.123456") == utc(2022, 5, 22, 8, 17, 0, 123))
        #expect(wall("2024-02-29T23:59:59,999") == utc(2024, 2, 29, 23, 59, 59, 999))
        #expect(wall("1969-12-31T23:59:59,0") == -1000)
        #expect(wall("2022-13-01T00:00:00") == nil)
        #expect(wall("2022-05-22T25:00:00") == nil)
        #expect(wall("2022-05-22T08:17:00,") == nil)
        #expect(wall("2022-05-22T08:17:00,12345678901") == nil)
        #expect(wall("2022/05/22T08:17:00") == nil)
        #expect(wall("short") == nil)
    }

    @Test func civilRoundTrip() {
        for days in stride(from: -800_000, through: 800_000, by: 997) {
            let (y, m, d) = LogTime.civilFromDays(days)
            #expect(LogTime.daysFromCivil(year: y, month: m, day: d) == days)
        }
    }

    @Test func rfc3339() {
        #expect(LogTime.rfc3339(utcMillis: utc(2022, 5, 22, 8, 17, 0, 65), offsetSeconds: 0) == "2022-05-22T08:17:00.065Z")
        #expect(LogTime.rfc3339(utcMillis: utc(2022, 5, 22, 8, 17, 0, 5), offsetSeconds: -7 * 3600)
                == "2022-05-22T01:17:00.005-07:00")
        #expect(LogTime.rfc3339(utcMillis: utc(2022, 1, 1, 0, 0, 0), offsetSeconds: 5 * 3600 + 1800)
                == "2022-01-01T05:30:00.000+05:30")
        #expect(LogTime.rfc3339(utcMillis: -1, offsetSeconds: 0) == "1969-12-31T23:59:59.999Z")
    }

    @Test("fixed offsets", arguments: [
        ("+02:00", 7200), ("-05:00", -18000), ("-0700", -25200), ("+05:30", 19800), ("UTC+01:00", 3600), ("+09", 32400),
    ])
    func offsets(text: String, seconds: Int) throws {
        let zone = try LogTimeZone.named(text)
        #expect(zone.offset(atUTC: 0) == seconds)
        #expect(zone.utc(fromWallClock: 1_000_000) == 1_000_000 - Int64(seconds) * 1000)
    }

    @Test("refused zones name what was expected", arguments: ["+25:00", "Mars/Olympus", "../etc/passwd", "12:00", "+1:00"])
    func refused(text: String) {
        #expect(throws: LogTimeZone.ParseError.self) { try LogTimeZone.named(text) }
        do {
            _ = try LogTimeZone.named(text)
        } catch {
            #expect(error.description.contains("expected"))
        }
    }

    @Test(.enabled(if: (try? LogTimeZone.named("America/New_York")) != nil, "needs the tz database (tzdata)"))
    func ianaZoneFollowsDaylightSaving() throws {
        let zone = try LogTimeZone.named("America/New_York")
        #expect(zone.offset(atUTC: utc(2026, 1, 15, 12, 0, 0)) == -5 * 3600)
        #expect(zone.offset(atUTC: utc(2026, 7, 15, 12, 0, 0)) == -4 * 3600)
        // Wall clock 2026-03-08 01:30 EST, then 03:30 EDT (02:xx does not exist that night).
        #expect(zone.utc(fromWallClock: utc(2026, 3, 8, 1, 30, 0)) == utc(2026, 3, 8, 6, 30, 0))
        #expect(zone.utc(fromWallClock: utc(2026, 3, 8, 3, 30, 0)) == utc(2026, 3, 8, 7, 30, 0))
        // 01:30 on 2026-11-01 happens twice; the first (EDT) is chosen.
        #expect(zone.utc(fromWallClock: utc(2026, 11, 1, 1, 30, 0)) == utc(2026, 11, 1, 5, 30, 0))
        #expect(zone.format(utcMillis: utc(2026, 7, 15, 16, 0, 0)) == "2026-07-15T12:00:00.000-04:00")
    }

    /// The reader's clock reuses the previous record's minute; every answer must equal a full parse.
    @Test(.enabled(if: (try? LogTimeZone.named("America/New_York")) != nil, "needs the tz database (tzdata)"))
    func cachedMinutesGiveTheSameInstantsAsFullParses() throws {
        let zone = try LogTimeZone.named("America/New_York")
        var clock = RecordClock(zone: zone)
        let times = [
            "2026-03-08T01:59:58,1", "2026-03-08T01:59:59,999", "2026-03-08T03:00:00,5",  // across the spring gap
            "2026-03-08T03:00:00,65", "2026-03-08T03:00:59", "2026-03-08T03:00:61", "2026-03-08T03:00:60,0",
            "2026-03-08T03:00:1x", "2026-03-08T03:00:10,", "2026-03-08T03:00:10.1234567",
            "2026-11-01T01:30:00,0", "2026-11-01T01:30:07,7", "2026-11-01T01:31:00,0",  // the repeated hour
            "2026-11-01T01:31", "2026-11-01T01:31:05;5", "2026-11-01T01:31:05,5",
            "2026-03-08T01:59:59,0", "2026-03-08T01:59:60,5", "2026-11-01T00:59:59", "2026-11-01T00:59:60",  // leap seconds
        ]
        for text in times {
            var bytes = text
            let cached = bytes.withUTF8 { clock.instant(UnsafeRawBufferPointer($0)) }
            let full = wall(text).map { zone.utc(fromWallClock: $0) }
            #expect(cached == full, "\(text)")
        }
        #expect(wall("2026-03-08T03:00:61") == nil)
        #expect(wall("2026-03-08T03:00:60,0") == utc(2026, 3, 8, 3, 1, 0))
    }

    @Test(.enabled(if: (try? LogTimeZone.named("Europe/Berlin")) != nil, "needs the tz database (tzdata)"))
    func recordsAreReadInTheGivenZone() throws {
        let zone = try LogTimeZone.named("Europe/Berlin")
        let text = #"<Msg time="2026-01-10T12:00:00,0" type="INFO" code="1">w</Msg>"# + "\n"
            + #"<Msg time="2026-07-10T12:00:00,0" type="INFO" code="1">s</Msg>"#
        let (records, _) = read(text: text, zone: zone)
        #expect(records.map(\.time) == [utc(2026, 1, 10, 11, 0, 0), utc(2026, 7, 10, 10, 0, 0)])
    }
}

@Suite("Text and JSON")
struct TextTests {
    @Test func jsonEscapesEverythingDangerous() {
        var out = ""
        JSONWriter.appendString("q\" b\\ n\n r\r t\t nul\u{0} esc\u{1B}[2J del\u{7F} ls\u{2028} </Msg> é", to: &out)
        #expect(out == #""q\" b\\ n\n r\r t\t nul\u0000 esc\u001b[2J del\u007f ls\u2028 </Msg> é""#)
    }

    @Test func jsonWriterNesting() {
        var json = JSONWriter()
        json.beginObject()
        json.field("a", 1)
        json.key("b"); json.beginArray(); json.value("x"); json.null(); json.value(true); json.endArray()
        json.key("c"); json.beginObject(); json.endObject()
        json.field("d", nil as String?)
        json.endObject()
        #expect(json.output == #"{"a":1,"b":["x",null,true],"c":{},"d":null}"#)
    }

    @Test func terminalSafeRemovesControlSequences() {
        let hostile = "title\u{1B}]0;pwned\u{7}\r\u{1B}[2Kgone"
        let safe = Format.terminalSafe(hostile)
        #expect(!safe.unicodeScalars.contains { $0.value < 0x20 })
        #expect(safe.contains("pwned"))
    }

    @Test func formats() {
        #expect(Format.count(1_234_567) == "1,234,567")
        #expect(Format.count(12) == "12")
        #expect(Format.bytes(512) == "512 B")
        #expect(Format.bytes(273_642) == "273.6 KB")
        #expect(Format.bytes(200_000_000) == "200.0 MB")
    }
}

@Suite("--since and --until")
struct TimeSpecTests {
    let now = utc(2026, 11, 29, 10, 30, 0)

    @Test func forms() throws {
        #expect(try TimeSpec.parse("2026-11-14T13:00:00Z", zone: .utc, now: now) == utc(2026, 11, 14, 13, 0, 0))
        #expect(try TimeSpec.parse("2026-11-14T13:00:00+01:00", zone: .utc, now: now) == utc(2026, 11, 14, 12, 0, 0))
        #expect(try TimeSpec.parse("2026-11-14T13:00:00.250-05:00", zone: .utc, now: now) == utc(2026, 11, 14, 18, 0, 0, 250))
        #expect(try TimeSpec.parse("2026-11-14 13:00", zone: .fixed(seconds: 3600), now: now) == utc(2026, 11, 14, 12, 0, 0))
        #expect(try TimeSpec.parse("2026-11-14", zone: .fixed(seconds: -18000), now: now) == utc(2026, 11, 14, 5, 0, 0))
        #expect(try TimeSpec.parse("24h", zone: .utc, now: now) == now - 86_400_000)
        #expect(try TimeSpec.parse("7d", zone: .utc, now: now) == now - 7 * 86_400_000)
        #expect(try TimeSpec.parse("now", zone: .utc, now: now) == now)
        #expect(try TimeSpec.parse("today", zone: .utc, now: now) == utc(2026, 11, 29, 0, 0, 0))
        #expect(try TimeSpec.parse("yesterday", zone: .utc, now: now) == utc(2026, 11, 28, 0, 0, 0))
        // Midnight in the logs' zone, not UTC: 10:30 UTC is 05:30 at -05:00, still the 29th.
        #expect(try TimeSpec.parse("yesterday", zone: .fixed(seconds: -18000), now: now) == utc(2026, 11, 28, 5, 0, 0))
    }

    @Test("refused with the forms it takes", arguments: ["soon", "2026-13-01", "yesterday-ish", "12:00", ""])
    func refused(text: String) {
        do {
            _ = try TimeSpec.parse(text, zone: .utc, now: now)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.contains("RFC 3339"))
        }
    }
}
