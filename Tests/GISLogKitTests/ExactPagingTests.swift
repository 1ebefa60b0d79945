import Foundation
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

/// SplitMix64: a seeded generator, so every run of a test sees the same site.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A `logs/query` site in memory: records newest first; `startTime` inclusive or exclusive, `endTime`
/// inclusive; one millisecond's records in a new order on every answer; `endTime` of an answer is its oldest
/// record's time, as Esri documents.
final class ModelSite {
    /// Each record as JSON text; its time separately.
    private(set) var records: [(time: Int64, json: String)] = []
    let inclusive: Bool
    var answers = 0

    init(inclusive: Bool) { self.inclusive = inclusive }

    /// Adds `count` records in bursts of up to `burst` records sharing one millisecond, from `newest` back;
    /// some bursts hold two records nothing tells apart. Returns the oldest time used.
    @discardableResult
    func add(count: Int, newest: Int64, burst: Int, random: inout SeededGenerator, tag: String) -> Int64 {
        var time = newest
        var made = 0
        while made < count {
            let size = min(Int.random(in: 1...max(1, burst), using: &random), count - made)
            var group: [String] = []
            for index in 0..<size {
                let thread = Int.random(in: 1...4, using: &random)
                group.append("""
                    {"type":"INFO","message":"step \(made + index) of \(tag)","time":\(time),"source":"Rest",\
                    "machine":"GIS0\(thread % 2 + 1).EXAMPLE.COM","user":"","code":\(8000 + thread),"elapsed":"",\
                    "process":"42","thread":"\(thread)","methodName":"","requestID":"\(tag)-\(made + index)"}
                    """)
            }
            if size >= 2 && Int.random(in: 0..<5, using: &random) == 0 { group[1] = group[0] }
            records += group.map { (time, $0) }
            made += size
            time -= Int64.random(in: 1...40, using: &random)
        }
        records.sort { $0.time > $1.time }
        return time
    }

    /// Adds `count` records logged in the one millisecond `time`.
    func addBurst(count: Int, at time: Int64, tag: String) {
        records += (0..<count).map { (time, #"{"time":\#(time),"message":"\#(tag) \#($0)","machine":"M"}"#) }
        records.sort { $0.time > $1.time }
    }

    /// The answer to one `logs/query` form.
    func answer(_ form: [(String, String)]) -> [UInt8] {
        answers += 1
        let field = Dictionary(form, uniquingKeysWith: { $1 })
        let start = field["startTime"].flatMap { Int64($0) }
        let end = field["endTime"].flatMap { Int64($0) } ?? .min
        let size = Int(field["pageSize"] ?? "1000") ?? 1000
        var matching = records.filter { record in
            record.time >= end && start.map { inclusive ? record.time <= $0 : record.time < $0 } ?? true
        }
        var random = SeededGenerator(seed: UInt64(answers))
        var shuffled: [(time: Int64, json: String)] = []
        var index = 0
        while index < matching.count {
            var next = index
            while next < matching.count && matching[next].time == matching[index].time { next += 1 }
            shuffled += matching[index..<next].shuffled(using: &random)
            index = next
        }
        matching = shuffled
        let served = matching.prefix(size)
        let endTime = served.last?.time ?? (end == .min ? 0 : end)
        let body = #"{"hasMore": \#(matching.count > size), "startTime": \#(start ?? records.first?.time ?? 0), "endTime": \#(endTime), "logMessages": [\#(served.map(\.json).joined(separator: ", "))]}"#
        return Array(body.utf8)
    }
}

/// The records of a saved page, as JSON text (the site's own spelling).
func savedRecords(_ body: [UInt8]) -> [String] {
    guard let (_, elements) = logMessageRanges(body) else { return [] }
    return elements.map { String(decoding: body[$0], as: UTF8.self) }
}

/// Runs a pager to its end against a model site; returns every record written.
func drain(_ pager: inout LogQueryPager, _ site: ModelSite) throws -> [String] {
    var written: [String] = []
    while !pager.finished {
        let page = try pager.accept(site.answer(pager.nextForm(token: "t")))
        written += savedRecords(page.body)
        #expect(pager.pages < 10_000, "the paging must end")
    }
    return written
}

func counted(_ records: [String]) -> [String: Int] {
    records.reduce(into: [:]) { $0[$1, default: 0] += 1 }
}

@Suite("Exact paging: every record once, whatever the bounds")
struct ExactPagingTests {
    let base = "https://gis.example.com:6443/arcgis"

    @Test("Bursts across page boundaries are read back exactly", arguments: [true, false], [7, 50, 1_000])
    func everyRecordOnce(inclusive: Bool, pageSize: Int) throws {
        // About 60 pages each (a debug build pages slowly), or 3,000 records.
        let count = min(3_000, pageSize * 60)
        for seed in UInt64(1)...3 {
            let site = ModelSite(inclusive: inclusive)
            var random = SeededGenerator(seed: seed &* 7919 &+ UInt64(pageSize))
            site.add(count: count, newest: 1_763_121_600_000, burst: max(1, pageSize / 3), random: &random, tag: "a")
            var pager = LogQueryPager(site: .server, baseURL: base, oldest: 0, pageSize: pageSize)
            let written = try drain(&pager, site)
            #expect(counted(written) == counted(site.records.map(\.json)), "seed \(seed)")
            #expect(written.count == count)
            #expect(pager.records == count)
            if inclusive { #expect(pager.repeated > 0, "an inclusive site sends every boundary millisecond again") }
        }
    }

    @Test func identicalRecordsOfOneMillisecondAreAllKept() throws {
        let record = #"{"time":5000,"machine":"M","process":"1","thread":"2","code":9000,"source":"Rest","requestID":"","message":"Invalid token."}"#
        let other = record.replacingOccurrences(of: "\"thread\":\"2\"", with: "\"thread\":\"3\"")
        var pager = LogQueryPager(site: .server, baseURL: base, oldest: 0, pageSize: 4)
        // The first page ends part-way through millisecond 5000; the next sends all of it again.
        let first = #"{"hasMore":true,"endTime":5000,"logMessages":[\#(other),\#(record),\#(record),\#(record)]}"#
        let second = #"{"hasMore":false,"endTime":5000,"logMessages":[\#(record),\#(record),\#(other),\#(record),\#(record)]}"#
        #expect(try pager.accept(Array(first.utf8)).fresh == 4)
        let page = try pager.accept(Array(second.utf8))
        #expect(page.fresh == 1, "four copies of the record were logged; three were kept already")
        #expect(savedRecords(page.body) == [record])
        #expect(pager.records == 5)
        #expect(pager.repeated == 4)
    }

    @Test func aMillisecondFullerThanAPageStopsWithAdvice() throws {
        let site = ModelSite(inclusive: true)
        var random = SeededGenerator(seed: 9)
        site.add(count: 30, newest: 10_000, burst: 1, random: &random, tag: "a")
        site.addBurst(count: 25, at: 5_000, tag: "b")
        var pager = LogQueryPager(site: .server, baseURL: base, oldest: 0, pageSize: 20)
        var failure: FetchError?
        do { _ = try drain(&pager, site) } catch let error as FetchError { failure = error }
        #expect(failure?.kind == .noProgress)
        #expect(failure?.description.contains("more records share that millisecond than one page of 20 holds") == true,
                "\(failure?.description ?? "")")
        #expect(failure?.description.contains("larger --page-size") == true)
        #expect(failure?.description.contains("1970-01-01T00:00:05.000Z") == true)

        var full = LogQueryPager(site: .server, baseURL: base, oldest: 0, pageSize: 10_000)
        _ = try full.accept(Array(#"{"hasMore":true,"logMessages":[\#(Array(repeating: #"{"time":7,"message":"x"}"#, count: 10_000).joined(separator: ","))]}"#.utf8))
        let stuck = Array(#"{"hasMore":true,"logMessages":[\#(Array(repeating: #"{"time":7,"message":"x"}"#, count: 10_000).joined(separator: ","))]}"#.utf8)
        do {
            _ = try full.accept(stuck)
            Issue.record("a page that cannot move back must stop the paging")
        } catch {
            #expect(error.description.contains("--level WARNING"), "at the largest page size, say what else to do")
        }
    }

    @Test func recordsOutsideTheAskedTimesAreLeftOut() throws {
        var pager = LogQueryPager(site: .server, baseURL: base, oldest: 1_000)
        let body = #"{"hasMore":false,"logMessages":[{"time":2000,"message":"in"},{"time":999,"message":"too old"}]}"#
        let page = try pager.accept(Array(body.utf8))
        #expect(savedRecords(page.body) == [#"{"time":2000,"message":"in"}"#])
        #expect(pager.outside == 1)
    }

    @Test func aFullPageWithoutHasMoreIsFollowed() throws {
        var pager = LogQueryPager(site: .server, baseURL: base, oldest: 0, pageSize: 2)
        _ = try pager.accept(Array(#"{"logMessages":[{"time":9,"message":"a"},{"time":8,"message":"b"}]}"#.utf8))
        #expect(!pager.finished, "a page cut at the page size may have more behind it")
        #expect(pager.nextForm(token: nil).contains { $0 == ("startTime", "9") })
    }

    @Test("Two incremental runs read every record once, late ones included", arguments: [true, false])
    func twoRuns(inclusive: Bool) throws {
        let site = ModelSite(inclusive: inclusive)
        var random = SeededGenerator(seed: inclusive ? 11 : 12)
        let newest: Int64 = 1_763_121_600_000
        site.add(count: 2_000, newest: newest, burst: 5, random: &random, tag: "first")
        let overlap: Int64 = 300_000
        var first = LogQueryPager(site: .server, baseURL: base, oldest: 0, pageSize: 97, remember: overlap)
        let firstRun = try drain(&first, site)
        let seam = first.seam()
        #expect(seam.newest == newest)
        #expect(seam.from == newest - overlap)

        // Later: newer records, more at the newest millisecond, and some written late, just before it.
        site.add(count: 500, newest: newest + 3_600_000, burst: 4, random: &random, tag: "second")
        site.add(count: 3, newest: newest, burst: 3, random: &random, tag: "same-millisecond")
        site.add(count: 20, newest: newest - 1_000, burst: 2, random: &random, tag: "late")
        var second = LogQueryPager(site: .server, baseURL: base, oldest: seam.from, pageSize: 97, seen: seam.tally,
                                   newestSeen: seam.newest, remember: overlap)
        let secondRun = try drain(&second, site)
        #expect(secondRun.count == 523)
        #expect(counted(firstRun + secondRun) == counted(site.records.map(\.json)))
        #expect(second.repeated > 0, "the overlap is sent again and left out")
    }

    @Test func theSeamIsBounded() throws {
        var pager = LogQueryPager(site: .server, baseURL: base, oldest: 0, remember: 1_000_000)
        let records = (0..<10).map { #"{"time":\#(100 + $0 / 2),"message":"m\#($0)"}"# }.joined(separator: ",")
        _ = try pager.accept(Array(#"{"hasMore":false,"logMessages":[\#(records)]}"#.utf8))
        let seam = pager.seam(limit: 5)
        // Times 100…104, two records each: five keys fit only by leaving out a whole millisecond.
        #expect(seam.from == 103)
        #expect(seam.tally.keyCount == 4)
    }
}

@Suite("Record identity")
struct RecordKeyTests {
    func key(_ json: String) throws -> RecordKey { RecordKey(record: try JSONValue.parse(Array(json.utf8))) }

    @Test func identityFieldsCountAndOthersDoNot() throws {
        let base = try key(#"{"time":5,"machine":"M","process":"1","thread":"2","code":9000,"source":"Rest","requestID":"r","message":"x","user":"a"}"#)
        #expect(base.time == 5)
        #expect(try key(#"{"time":5,"machine":"M","process":"1","thread":"2","code":"9000","source":"Rest","requestID":"r","message":"x","user":"b","elapsed":"3"}"#) == base,
                "a code as a string is the same code; user and elapsed are not part of the identity")
        for changed in [#""time":6"#, #""machine":"N""#, #""process":"9""#, #""thread":"3""#, #""code":9001"#,
                        #""source":"Admin""#, #""requestID":"s""#, #""message":"y""#] {
            let name = changed.split(separator: ":")[0]
            let json = #"{"time":5,"machine":"M","process":"1","thread":"2","code":9000,"source":"Rest","requestID":"r","message":"x"}"#
                .replacingOccurrences(of: #"\#(name):[^,}]+"#, with: changed, options: .regularExpression)
            #expect(try key(json) != base, "\(changed)")
        }
        #expect(try key(#"{"time":5,"message":"ab","source":"c"}"#) != key(#"{"time":5,"message":"a","source":"bc"}"#))
        #expect(try key(#"{"time":5,"requestID":""}"#) != key(#"{"time":5}"#), "an empty field is not a missing one")
    }

    @Test func savedPagesKeepRecordsAsSent() {
        let body = Array(#"{ "hasMore" : true, "note": "[\"]", "logMessages" : [ {"a": "}]"} , {"b": [1, {"c": 2}]},3 ], "endTime": 9 }"#.utf8)
        #expect(savedRecords(body) == [#"{"a": "}]"}"#, #"{"b": [1, {"c": 2}]}"#, "3"])
        let kept = page(body, keeping: [false, true, false]).map { String(decoding: $0, as: UTF8.self) }
        #expect(kept == #"{ "hasMore" : true, "note": "[\"]", "logMessages" : [{"b": [1, {"c": 2}]}], "endTime": 9 }"#)
        #expect(page(body, keeping: [true, true, true]) == body)
        #expect(page(body, keeping: [true]) == nil)
    }
}
