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

@Suite("Option values are range-checked")
struct OptionValueTests {
    @Test(arguments: ["1e20h", "184467440737095516160m", "-1h", "1e400", "31d", "9223372036854775807ms"])
    func durationsOutOfRange(value: String) {
        #expect(throws: OptionValue.Invalid.self) {
            try OptionValue.duration(value, option: "--lookback", range: 0...(30 * 86_400_000))
        }
        do {
            _ = try OptionValue.duration(value, option: "--lookback", range: 0...(30 * 86_400_000))
        } catch {
            #expect(error.description.contains("--lookback: '\(value)' is out of range; give a duration from 0 to 30d"))
        }
    }

    @Test(arguments: ["nan", "inf", "", "soon", "0x10m", "1 h", "h", "--"])
    func notDurations(value: String) {
        do {
            _ = try OptionValue.duration(value, option: "--settle", range: 0...1000)
            Issue.record("'\(value)' was accepted")
        } catch {
            #expect(error.description.contains("is not a duration"))
        }
    }

    @Test func durationsInRange() throws {
        #expect(try OptionValue.duration("15m", option: "-", range: 0...Int64.max / 2) == 900_000)
        #expect(try OptionValue.duration("250ms", option: "-", range: 0...Int64.max / 2) == 250)
        #expect(try OptionValue.duration("2", option: "-", range: 0...Int64.max / 2) == 120_000)
        #expect(try OptionValue.duration("1.5h", option: "-", range: 0...Int64.max / 2) == 5_400_000)
        #expect(try OptionValue.duration("30d", option: "-", range: 0...(30 * 86_400_000)) == 30 * 86_400_000)
        // The old parser, used by `--since 24h`, never traps either.
        #expect(DurationText.milliseconds("1e20h") == nil)
        #expect(DurationText.milliseconds("2h") == 7_200_000)
    }

    @Test func sizes() throws {
        #expect(try OptionValue.size("64G", option: "-", range: 1...(1 << 60)) == 64 << 30)
        #expect(try OptionValue.size("500MiB", option: "-", range: 1...(1 << 60)) == 500 << 20)
        for value in ["0", "0.1", "-5G", "1e30T", "99999999999999999999"] {
            #expect(throws: OptionValue.Invalid.self, "\(value)") { try OptionValue.size(value, option: "-", range: 1...(1 << 60)) }
        }
        for value in ["nan", "inf", "lots", "G", "0x10"] {
            do {
                _ = try OptionValue.size(value, option: "--max-decompressed", range: 1...(1 << 60))
                Issue.record("'\(value)' was accepted")
            } catch {
                #expect(error.description.contains("is not a size"))
            }
        }
    }

    @Test func countsAndFractions() {
        #expect(throws: OptionValue.Invalid.self) { try OptionValue.count(0, option: "--jobs", range: 1...1024) }
        #expect(throws: OptionValue.Invalid.self) { try OptionValue.count(Int.max, option: "--jobs", range: 1...1024) }
        #expect(throws: OptionValue.Invalid.self) { try OptionValue.fraction(.nan, option: "--min-confidence", range: 0...1) }
        #expect(throws: OptionValue.Invalid.self) { try OptionValue.fraction(.infinity, option: "--min-confidence", range: 0...1) }
        #expect((try? OptionValue.fraction(0.5, option: "-", range: 0...1)) == 0.5)
    }

    @Test func spansBackFromNowAreBounded() {
        #expect(throws: TimeSpec.ParseError.self) { try TimeSpec.parse("1e20h", zone: .utc, now: 0) }
        #expect(throws: TimeSpec.ParseError.self) { try TimeSpec.parse("36501d", zone: .utc, now: 0) }
        #expect((try? TimeSpec.parse("24h", zone: .utc, now: 100_000_000)) == 100_000_000 - 86_400_000)
    }
}

@Suite("JSON documents read in a stream")
struct JSONStreamingParseTests {
    /// The elements of the streamed array reach the caller in order, equal to a whole parse's; the rest of
    /// the document is as a whole parse reads it, with an empty array in that place; nested arrays of the
    /// same name and errors inside the streamed array behave as in a whole parse.
    @Test func streamedElementsAreThoseOfAWholeParse() throws {
        let text = #"{"a": 1, "files": [{"path": "x", "n": [1, 2]}, 3, "s", [{"files": [9]}]], "b": {"files": [5]}}"#
        let bytes = Array(text.utf8)
        let whole = try JSONValue.parse(bytes)
        var streamed: [JSONValue] = []
        let root = try JSONValue.parse(bytes, streaming: "files") { streamed.append($0) }
        #expect(streamed == whole["files"]?.array)
        #expect(root["files"]?.array == [])
        #expect(root["a"] == whole["a"] && root["b"] == whole["b"])
        #expect(throws: JSONValue.ParseError.self) {
            try JSONValue.parse(Array(#"{"files": [1, 2,, 3]}"#.utf8), streaming: "files") { _ in }
        }
    }
}
