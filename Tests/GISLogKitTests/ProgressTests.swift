import Foundation
import Testing
@testable import GISLogSupport
@testable import GISLogInput
@testable import GISLogRecords
@testable import GISLogRules
@testable import GISLogCorrelation
@testable import GISLogReports
@testable import GISLogKit

@Suite("Progress text")
struct ProgressTextTests {
    @Test func etaRoundsUpToWholeSecondsAndGrowsUnits() {
        #expect(ProgressText.eta(remaining: 600, rate: 100) == "6 s")
        #expect(ProgressText.eta(remaining: 520, rate: 100) == "6 s", "5.2 s left is shown as 6, never as less")
        #expect(ProgressText.eta(remaining: 1, rate: 1_000_000) == "1 s")
        #expect(ProgressText.eta(remaining: 185_000, rate: 1000) == "3 min 05 s")
        #expect(ProgressText.eta(remaining: 3_720_000, rate: 1000) == "1 h 02 min")
        #expect(ProgressText.eta(remaining: 1 << 50, rate: 1) == "over 100 h")
        #expect(ProgressText.eta(remaining: 0, rate: 100) == nil, "nothing left: no ETA")
        #expect(ProgressText.eta(remaining: 100, rate: 0) == nil, "a stalled read has no ETA")
        #expect(ProgressText.eta(remaining: 100, rate: .nan) == nil)
    }

    @Test func durationsKeepTenthsOnlyBelowTenSeconds() {
        #expect(ProgressText.duration(0.04) == "0.0 s")
        #expect(ProgressText.duration(3.14) == "3.1 s")
        #expect(ProgressText.duration(9.96) == "10 s")
        #expect(ProgressText.duration(42.4) == "42 s")
        #expect(ProgressText.duration(3.14, tenths: false) == "3 s")
        #expect(ProgressText.duration(60) == "1 min 00 s")
        #expect(ProgressText.duration(7200) == "2 h 00 min")
        #expect(ProgressText.duration(-3) == "0.0 s")
    }

    @Test func bytesAndRatesUseDecimalUnits() {
        #expect(Format.bytes(0) == "0 B")
        #expect(Format.bytes(999) == "999 B")
        #expect(Format.bytes(1000) == "1.0 KB")
        #expect(Format.bytes(160_000_000) == "160.0 MB")
        #expect(Format.bytes(1_940_000_000) == "1.9 GB")
        #expect(ProgressText.rate(52_049_000) == "52.0 MB/s")
        #expect(ProgressText.rate(512.4) == "512 B/s")
        #expect(ProgressText.rate(-5) == "0 B/s")
    }

    @Test func readingLineShowsTheTotalRateAndETAWhenKnown() {
        var reading = ProgressText.Reading(filesDone: 1, totalFiles: 3, position: 160_000_000, total: 480_000_000,
                                           inflated: 0, rate: 40_000_000)
        #expect(ProgressText.reading(reading)
                == "gislog: reading 1/3 files: 160.0 MB of 480.0 MB (33%), 40.0 MB/s, ETA 8 s")
        reading.inflated = 1_200_000_000
        #expect(ProgressText.reading(reading)
                == "gislog: reading 1/3 files: 160.0 MB of 480.0 MB (33%), 1.2 GB inflated, 40.0 MB/s, ETA 8 s")
        reading.rate = nil
        #expect(ProgressText.reading(reading)
                == "gislog: reading 1/3 files: 160.0 MB of 480.0 MB (33%), 1.2 GB inflated",
                "no rate yet: no rate and no ETA")
        reading = ProgressText.Reading(filesDone: 0, totalFiles: 1, position: 2_500_000, total: nil, inflated: 0,
                                       rate: 1_000_000)
        #expect(ProgressText.reading(reading) == "gislog: reading 0/1 files: 2.5 MB, 1.0 MB/s", "no total: no ETA")
        reading.total = 2_000_000
        #expect(ProgressText.reading(reading) == "gislog: reading 0/1 files: 2.5 MB, 1.0 MB/s",
                "a log that grew past its size: no percentage above 100, no ETA")
        reading.total = 2_500_000
        #expect(ProgressText.reading(reading) == "gislog: reading 0/1 files: 2.5 MB of 2.5 MB (100%), 1.0 MB/s")
    }

    @Test func phaseLinesAndTheSummary() {
        #expect(ProgressText.phase(.correlating, count: 960_126, elapsed: 4.2)
                == "gislog: correlating 960,126 events (4 s)")
        #expect(ProgressText.phase(.correlating, count: 1, elapsed: 0) == "gislog: correlating 1 event (0 s)")
        #expect(ProgressText.phase(.probing, count: 3, elapsed: 61) == "gislog: probing 3 endpoints (1 min 01 s)")
        #expect(ProgressText.phase(.writing, count: 0, elapsed: 0.3) == "gislog: writing the report (0 s)")
        var summary = ProgressText.Summary(files: 2, stored: 480_000_000, inflated: 0, readSeconds: 3.1,
                                           events: 960_126, probed: nil, outcome: "report written", totalSeconds: 4.04)
        #expect(ProgressText.summary(summary)
                == "gislog: read 2 files, 480.0 MB in 3.1 s; 960,126 events; report written (4.0 s in all)")
        summary.files = 1
        summary.inflated = 1_900_000_000
        summary.events = 1
        summary.probed = 1
        summary.outcome = "report written to out.json"
        summary.totalSeconds = 75
        #expect(ProgressText.summary(summary) == "gislog: read 1 file, 480.0 MB (1.9 GB inflated) in 3.1 s; 1 event; "
                + "1 endpoint probed; report written to out.json (1 min 15 s in all)")
    }

    @Test func fetchingLine() {
        #expect(ProgressText.fetching(site: "server", page: 3, records: 15_000)
                == "gislog: fetching server page 3, 15,000 records")
        #expect(ProgressText.fetching(site: "portal", page: 1, records: 1) == "gislog: fetching portal page 1, 1 record")
    }

    @Test func linesAreCutShorterThanTheTerminal() {
        let line = "gislog: reading 12/340 files: 160.0 MB of 480.0 MB (33%), 1.2 GB inflated, 40.0 MB/s, ETA 8 s"
        #expect(ProgressText.fit(line, width: 200) == line)
        #expect(ProgressText.fit(line, width: line.count + 1) == line, "one column to spare is enough")
        let cut = ProgressText.fit(line, width: line.count)
        #expect(cut.count == line.count - 1)
        #expect(cut.hasSuffix("…") && line.hasPrefix(cut.dropLast()))
        for width in [80, 40, 20, 3] {
            let fitted = ProgressText.fit(line, width: width)
            #expect(fitted.count == width - 1, "width \(width)")
            #expect(fitted.unicodeScalars.allSatisfy { $0.isASCII || $0 == "…" })
        }
        #expect(ProgressText.fit(line, width: 2) == "")
        #expect(ProgressText.fit(line, width: 0) == "")
    }

    @Test func rateFollowsTheLastSecondsNotTheWholeRun() {
        var window = RateWindow(span: 2)
        window.add(time: 0, bytes: 0)
        window.add(time: 0.1, bytes: 100)
        #expect(window.rate == nil, "a tenth of a second says nothing yet")
        // 1000 B/s for ten seconds, then 100 B/s.
        for tick in 1...100 { window.add(time: Double(tick) / 10, bytes: Int64(tick) * 100) }
        #expect(abs(window.rate! - 1000) < 1)
        for tick in 1...30 { window.add(time: 10 + Double(tick) / 10, bytes: 10_000 + Int64(tick) * 10) }
        #expect(abs(window.rate! - 100) < 1, "the window forgets the fast start")
        window.add(time: 20, bytes: 10_300)
        #expect(window.rate == 0, "a source that stalls shows a zero rate (and no ETA)")
    }
}

@Suite("Progress counters")
struct ProgressCounterTests {
    @Test func fileBytesAreCountedPerReadBeforeTheFileEnds() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("server-big.log", [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20))
        let meter = ReadMeter()
        let source = try FileSource(path: path, meter: meter)
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = try buffer.withUnsafeMutableBytes { raw throws(InputError) in try source.read(into: raw) }
        #expect(count == 4096)
        #expect(meter.storedBytes == 4096, "counted as read, a megabyte before the end")
        #expect(meter.inflatedBytes == 0)
    }

    @Test func gzipCountsCompressedAndInflatedBytesAsTheyGo() throws {
        let text = [UInt8]((0..<400_000).map { UInt8(ascii: "a") + UInt8($0 % 26) })
        let directory = TemporaryDirectory()
        let path = directory.write("server-old.log.gz", gzipped(text))
        let meter = ReadMeter()
        let opened = try InputOpener.open(path: path, warnings: WarningLog(path: path), decompressedLimit: .max,
                                          meter: meter)
        #expect(opened.encoding.gzip)
        #expect(meter.storedBytes > 0)
        #expect(meter.inflatedBytes == Int64(InputOpener.sniffLength), "the sniffed head is inflated already")
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        _ = try buffer.withUnsafeMutableBytes { raw throws(InputError) in try opened.source.readFully(into: raw) }
        #expect(meter.inflatedBytes == 64 << 10, "the head again (already counted), then what was asked for")
        #expect(meter.inflatedBytes < Int64(text.count), "counted before the end")
        var total = 0
        while true {
            let count = try buffer.withUnsafeMutableBytes { raw throws(InputError) in try opened.source.read(into: raw) }
            if count == 0 { break }
            total += count
        }
        #expect(meter.inflatedBytes == Int64(text.count))
        #expect(meter.storedBytes == Int64(try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int))
    }

    @Test func aScanCountsEveryByteAndEveryFileAndTheTotal() throws {
        let directory = TemporaryDirectory()
        let record = "<Msg time=\"2026-11-14T06:15:02,100\" type=\"INFO\" code=\"1\" source=\"Server\" process=\"1\" "
            + "thread=\"1\" methodName=\"\" machine=\"GIS01\" user=\"\" elapsed=\"\" requestID=\"\">hello</Msg>\n"
        let plain = String(repeating: record, count: 2000)
        directory.write("arcgisserver/logs/GIS01/server/server-20261114.log", plain)
        let gz = directory.write("arcgisserver/logs/GIS01/server/server-20261113.log.gz", gzipped(plain))
        var options = ScanOptions(paths: [directory.path], timeZone: .utc)
        options.workers = 2
        let scanner = LogScanner(options: options)
        let progress = scanner.makeProgress()
        #expect(progress === scanner.makeProgress(), "one progress per scanner, counting from its first byte")
        #expect(progress.totalBytes == nil)
        progress.measureTotal()
        let gzSize = Int64(try FileManager.default.attributesOfItem(atPath: gz)[.size] as! Int)
        #expect(progress.totalBytes == Int64(plain.utf8.count) + gzSize, "the walk sized nothing: each file stat'ed")
        let (result, _) = scanner.run(progress: progress) { DiscardingConsumer() }
        #expect(progress.filesDone == 2)
        #expect(progress.reads.storedBytes == result.coverage.storedBytes)
        #expect(progress.bytesDone == result.coverage.storedBytes)
        #expect(progress.reads.inflatedBytes == Int64(plain.utf8.count))
        #expect(progress.position == progress.totalBytes)
        #expect(progress.phase.phase == .reading)
    }

    @Test func unreadFilesCountAsPassedOnceWatched() throws {
        let directory = TemporaryDirectory()
        let path = directory.write("server-a.log", String(repeating: "x", count: 5000))
        let progress = ScanProgress(files: [InputFile(path: path)])
        progress.finished(file: 0, path: path)
        #expect(progress.position == 0, "not watched: no stat per file")
        progress.watch()
        progress.finished(file: 1000, path: path)
        #expect(progress.position == 4000, "an unchanged archive, or a log resumed where the last run stopped")
        #expect(progress.filesDone == 2)
    }

    @Test func phasesMoveOnAndTellTheDisplayAtOnce() throws {
        let progress = ScanProgress(files: [])
        let seen = PThreadLocked<[ScanPhase]>([])
        progress.onPhaseChange { phase in seen.withLock { $0.append(phase) } }
        #expect(progress.readingEnded == nil)
        progress.enter(.correlating, count: 12)
        #expect(progress.phase.phase == .correlating && progress.phase.count == 12)
        let ended = try #require(progress.readingEnded)
        progress.enter(.probing, count: 3)
        progress.enter(.writing)
        #expect(progress.readingEnded == ended, "reading ended once")
        #expect(progress.phase.phase == .writing)
        #expect(seen.withLock { $0 } == [.correlating, .probing, .writing])
    }

    @Test func thePipelineMovesToCorrelatingWithTheEventCount() throws {
        let options = ScanOptions(paths: [repositoryRoot + "/Samples/basic"], timeZone: .utc)
        let ruleSet = try RulePack.load(RulePack.builtinSources, checkSamples: .none)
        var pipeline = Pipeline(options: options, ruleSet: ruleSet, correlation: CorrelationOptions(), now: 0, version: "test")
        let scanner = LogScanner(options: options)
        let progress = scanner.makeProgress()
        let outcome = pipeline.run(scanner, progress: progress)
        #expect(progress.phase.phase == .correlating)
        #expect(progress.phase.count == outcome.report.eventTotal)
        #expect(outcome.report.eventTotal > 0)
        #expect(progress.readingEnded != nil)
    }
}
