import Foundation
import Testing
@testable import GISLogSupport
@testable import GISLogInput
@testable import GISLogRecords
@testable import GISLogRules
@testable import GISLogCorrelation
@testable import GISLogKit

@Suite("State files")
struct ScanStateTests {
    /// A sample carried to the next run reads as it did: its attributes too (request ids find clock skew).
    @Test func carriedSamplesKeepEveryAttribute() throws {
        let event = Event(ruleID: "wininet-invalid-ca", category: .certificate, severity: .high, time: 1_794_650_400_000,
                          machine: "GIS01", product: .server, component: .server, path: "/logs/a.log", line: 7,
                          byteOffset: 900, level: .severe, code: 20010, source: "Rest", process: "4212", thread: "14",
                          user: "publisher", requestID: "req-1", methodName: "execute", message: "12045",
                          fields: [EventField(name: "host", value: "portal.example.org")])
        var state = ScanState()
        state.series = [SeriesSnapshot(
            machine: "GIS01", product: .server,
            rule: EvidenceLedger.RuleInfo(id: "wininet-invalid-ca", category: .certificate, evidence: .unknownCA),
            peer: EvidenceLedger.Peer(host: "portal.example.org", port: "7443"),
            cells: [EvidenceLedger.Cell(minute: 29_910_840, count: 3, first: 1_794_650_400_000, last: 1_794_650_430_000)],
            samples: [event])]
        let path = NSTemporaryDirectory() + "gislog-state-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        try state.save(path: path, now: 0)
        let back = try ScanState.load(path: path)
        let sample = try #require(back.series.first?.samples.first)
        #expect(back.series.first?.cells == state.series[0].cells)
        #expect(back.series.first?.peer == state.series[0].peer)
        #expect(back.series.first?.rule.evidence == .unknownCA)
        #expect(sample.requestID == "req-1" && sample.source == "Rest" && sample.process == "4212")
        #expect(sample.thread == "14" && sample.user == "publisher" && sample.methodName == "execute")
        #expect(sample.field("host") == "portal.example.org")
    }

    /// A big site's state: every one of its files is remembered (a file forgotten is read, and its events
    /// reported, again on every run), saved in pieces and read back the same, every field of every file.
    @Test func aBigSiteStateKeepsEveryFileAndReadsBackTheSame() throws {
        var state = ScanState()
        state.files = (0..<120_000).map { index in
            FileCheckpoint(path: "/logs/GIS\(index % 20)/server/server-\(index).log", headLength: 1 + index % 4096,
                           headHash: stableHashValue(Array("head \(index)".utf8)), offset: Int64(index * 7), line: index,
                           markerHash: stableHashValue(Array("marker \(index)".utf8)), markerLength: index % 65,
                           storedSize: Int64(index * 9), gzip: index % 5 == 0, seen: 1_794_650_400_000,
                           insideRecord: index % 7 == 0)
        }
        for index in state.files.indices where index % 3 == 0 {
            state.files[index].stamp = FileStamp(device: UInt64(index % 4), inode: UInt64.max - UInt64(index),
                                                 size: state.files[index].storedSize, modified: Int64(index) * 1_000_000_007)
        }
        let next = state.advanced(checkpoints: [], ledger: EvidenceLedger(ruleSet: try RulePack.load(RulePack.builtinSources,
                                                                          checkSamples: .none)),
                                  coverage: Coverage(), reported: [], now: 1_794_650_400_000, keep: 0)
        #expect(next.files.count == 120_000)
        let path = NSTemporaryDirectory() + "gislog-state-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        try next.save(path: path, now: 0)
        let back = try ScanState.load(path: path)
        #expect(back.files == next.files)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == next.json(now: 0))
    }

    /// The resume index finds what a search through every checkpoint finds: the one at the file's own path
    /// if its head still matches, else the one read furthest among those whose head the file starts with,
    /// heads of many lengths (small files) and renamed or rotated copies included.
    @Test func resumeIndexFindsWhatASearchOfEveryCheckpointFinds() {
        let seed = SplitMix64.testSeed()
        var generator = SplitMix64(seed: seed)
        var contents: [[UInt8]] = []
        for index in 0..<40 {
            let count = Int(generator.next() % 6000)
            contents.append((0..<count).map { UInt8(truncatingIfNeeded: ($0 * 31 + index * 7) % 251) })
        }
        var checkpoints: [FileCheckpoint] = []
        for index in 0..<300 {
            let content = contents[Int(generator.next() % UInt64(contents.count))]
            let head = Array(content.prefix(Int(generator.next() % UInt64(content.count + 1))))
            let length = min(FileCheckpoint.headLimit, head.count)
            checkpoints.append(FileCheckpoint(path: "/logs/f\(index % 120).log", headLength: length,
                                              headHash: stableHashValue(head[..<length]), offset: Int64(generator.next() % 10_000),
                                              line: 1, markerHash: 0, markerLength: 0, storedSize: 0, gzip: false, seen: 0))
        }
        // A state holds one checkpoint per path (the last run's).
        var seen = Set<String>()
        checkpoints = checkpoints.reversed().filter { seen.insert($0.path).inserted }.reversed()
        let index = ResumeIndex(checkpoints)
        for probe in 0..<400 {
            let head = Array(contents[Int(generator.next() % UInt64(contents.count))].prefix(FileCheckpoint.headLimit))
            let path = "/logs/f\(probe % 150).log"
            // The reference: every checkpoint whose head this file starts with, longest heads first.
            var matching: [(position: Int, checkpoint: FileCheckpoint)] = []
            for (position, checkpoint) in checkpoints.enumerated()
            where checkpoint.headLength > 0 && head.count >= checkpoint.headLength
                && stableHashValue(head[..<checkpoint.headLength]) == checkpoint.headHash {
                matching.append((position, checkpoint))
            }
            matching.sort { a, b in
                a.checkpoint.headLength != b.checkpoint.headLength ? a.checkpoint.headLength > b.checkpoint.headLength
                    : a.position < b.position
            }
            let found = matching.map(\.checkpoint)
            let expected = found.first { $0.path == path } ?? found.max { $0.offset < $1.offset }
            #expect(index.match(head: head, path: path) == expected, "probe \(probe), seed \(seed)")
        }
    }

    /// Remembered files share the path strings of the files this run found (one copy of 100,000 paths, not
    /// two); files not found keep theirs; nothing else changes.
    @Test func rememberedFilesShareTheFoundPaths() {
        func checkpoint(_ path: String) -> FileCheckpoint {
            FileCheckpoint(path: path, headLength: 1, headHash: 1, offset: 1, line: 1, markerHash: 1, markerLength: 1,
                           storedSize: 1, gzip: false, seen: 1)
        }
        // Built from pieces, so that no two strings share storage to begin with.
        let long = "/arcgis/arcgisserver/logs/GIS-SERVER01.CONTOSO.LOCAL/server/server-2026111"
        var state = ScanState()
        state.files = [checkpoint(long + "4.log"), checkpoint(long + "5.log"), checkpoint("/gone/" + "old.log")]
        let found = [long + "5.log", long + "4.log", long + "6.log"]
        let before = state.files
        state.sharePaths(with: found)
        func storage(_ text: String) -> UnsafeRawPointer? {
            text.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
        }
        #expect(state.files == before)
        #expect(storage(state.files[0].path) == storage(found[1]))
        #expect(storage(state.files[1].path) == storage(found[0]))
        #expect(storage(state.files[2].path) != nil && storage(state.files[2].path) != storage(found[2]))
    }

    /// The next state's table, built in place from the last run's with this run's carried and fresh
    /// checkpoints, is what merging the whole of this run's checkpoints gives (written out below as it
    /// was: this run's first, in the scan's order, then the old ones whose content and path no new one
    /// has and that were seen lately; the longest unseen dropped over the limit; sorted by path).
    @Test func theNextTableBuiltInPlaceIsTheMergeOfEveryCheckpoint() {
        let seed = SplitMix64.testSeed()
        var generator = SplitMix64(seed: seed)
        func pick(_ count: Int) -> Int { Int(generator.next() % UInt64(count)) }
        let now: Int64 = 1_794_650_400_000
        func checkpoint(_ path: String, head: Int, seen: Int64) -> FileCheckpoint {
            FileCheckpoint(path: path, headLength: head % 3, headHash: UInt64(head), offset: Int64(head * 10), line: head,
                           markerHash: 0, markerLength: 0, storedSize: 0, gzip: false, seen: seen)
        }
        func reference(old: [FileCheckpoint], new: [FileCheckpoint], limit: Int) -> [FileCheckpoint] {
            let heads = Set(new.map { "\($0.headLength):\($0.headHash)" }), paths = Set(new.map(\.path))
            var merged = new + old.filter { old in
                !heads.contains("\(old.headLength):\(old.headHash)") && !paths.contains(old.path)
                    && now - old.seen <= ScanState.forgetAfter
            }
            // Stable by time seen: the order above among files seen at once.
            merged = merged.enumerated().sorted { $0.element.seen != $1.element.seen ? $0.element.seen > $1.element.seen
                : $0.offset < $1.offset }.map(\.element)
            return Array(merged.prefix(limit)).sorted { $0.path < $1.path }
        }
        for round in 0..<200 {
            // The last run's table: one per path, sorted (as written), some seen long ago.
            let oldCount = pick(40)
            var old = (0..<oldCount).map { index in
                checkpoint("/logs/f\(String(format: "%03d", index * 2)).log", head: pick(30),
                           seen: now - Int64(pick(3)) * ScanState.forgetAfter / 2 - Int64(pick(1000)))
            }
            old.sort { $0.path < $1.path }
            if pick(10) == 0 { old.reverse() }  // a table not sorted (written by hand): sorted whole
            // This run's files: carried ones (at their old path), fresh ones at old or new paths, some with none.
            var run = RunCheckpoints()
            var carried = Set<Int>(), usedPaths = Set<String>()
            let files = pick(40)
            for file in 0..<files {
                switch pick(3) {
                case 0 where oldCount > 0:
                    let position = pick(oldCount)
                    guard usedPaths.insert(old[position].path).inserted, carried.insert(position).inserted else { continue }
                    run.set(.carried(Int32(position)), at: file, files: files)
                case 1:
                    let path = "/logs/f\(String(format: "%03d", pick(90))).log"
                    guard usedPaths.insert(path).inserted else { continue }
                    run.set(.read(checkpoint(path, head: pick(30), seen: now)), at: file, files: files)
                default:
                    continue
                }
            }
            let limit = pick(4) == 0 ? pick(60) : ScanState.maxFiles
            var table = old
            ScanState.merge(run, into: &table, now: now, limit: limit)
            let expected = reference(old: old, new: run.resolved(against: old, now: now), limit: limit)
            #expect(table == expected, "round \(round), seed \(seed)")
        }
    }
}
