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

@Suite("Input discovery")
struct DiscoveryTests {
    @Test("ArcGIS layout gives product, component and machine", arguments: [
        ("/c/arcgisserver/logs/GIS01.EXAMPLE.COM/server/server-20150101.095803-8596-0.0.log", Product.server, Component.server, "GIS01.EXAMPLE.COM"),
        ("/d/arcgisserver/logs/gis01.example.com/services/System/PublishingTools.GPServer/x.log", .server, .services, "GIS01.EXAMPLE.COM"),
        ("/e/arcgisportal/logs/PORTAL.WILDSONG.LAN/portal/portal-1.log", .portal, .portal, "PORTAL.WILDSONG.LAN"),
        ("/home/arcgis/datastore/usr/arcgisdatastore/logs/DATASTORE.LOCAL/server/ds.log", .dataStore, .server, "DATASTORE.LOCAL"),
        ("/x/arcgisdatastore/logs/DS1/database/postgres.log", .dataStore, .database, "DS1"),
        ("/home/arcgis/server/usr/logs/SERVER.LOCAL/server/server-1.log.gz", .server, .server, "SERVER.LOCAL"),
        ("copy/logs/PORTAL1/portal/a.log", .portal, .portal, "PORTAL1"),
        // The nearest folder naming a product decides, not any folder above it.
        ("/cases/portal-migration/arcgisserver/logs/GIS01.X.ORG/server/server-1.log", .server, .server, "GIS01.X.ORG"),
        ("/backup/server-copy/arcgisportal/logs/P1.X.ORG/portal/portal-1.log", .portal, .portal, "P1.X.ORG"),
        ("/cases/portal/arcgisdatastore/logs/DS1/server/ds.log", .dataStore, .server, "DS1"),
    ])
    func layout(path: String, product: Product, component: Component, machine: String) {
        let file = InputFile.classify(path: path)
        #expect(file.product == product)
        #expect(file.component == component)
        #expect(file.machine == machine)
    }

    @Test func bareFolderHasNoMachine() {
        let file = InputFile.classify(path: "/tmp/incoming/server-20261114.log")
        #expect(file.machine == nil)
        #expect(file.component == .unknown)
        #expect(file.product == .server)
    }

    @Test func walkFindsLogsSkipsLocksAndNonLogsFollowsLinksOnce() throws {
        let root = TemporaryDirectory()
        let record = #"<Msg time="2026-11-14T10:00:00,1" type="INFO" code="1">x</Msg>"#
        root.write("arcgisserver/logs/GIS01/server/server-1.log", record)
        root.write("arcgisserver/logs/GIS01/server/server-1.log.lck", "")
        root.write("arcgisserver/logs/GIS01/server/server-0.log.1", record)
        root.write("arcgisserver/logs/GIS01/server/server-old.gz", gzipped(record))
        root.write("arcgisserver/logs/GIS01/server/odd-name.dat", record)
        root.write("arcgisserver/logs/GIS01/server/notes.txt", "just some notes")
        root.write("arcgisserver/logs/GIS01/server/export.zip", "PK")
        try FileManager.default.createSymbolicLink(atPath: root.path + "/arcgisserver/logs/GIS01/loop",
                                                   withDestinationPath: root.path + "/arcgisserver")
        try FileManager.default.createSymbolicLink(atPath: root.path + "/dangling.log", withDestinationPath: "/nonexistent/x")
        let discovery = LogDiscovery.discover(paths: [root.path + "/", root.path + "/missing"])
        let names = discovery.files.map { ($0.path as NSString).lastPathComponent }
        #expect(names == ["odd-name.dat", "server-0.log.1", "server-1.log", "server-old.gz"])
        #expect(discovery.files.allSatisfy { $0.machine == "GIS01" })
        let skipped = Dictionary(grouping: discovery.skipped, by: \.reason).mapValues(\.count)
        #expect(skipped == [.lockFile: 1, .notALog: 1, .archive: 1])
        #expect(discovery.warnings.contains { $0.kind == .symlinkLoop })
        #expect(discovery.warnings.contains { $0.kind == .missingPath && $0.path.hasSuffix("/missing") })
        #expect(!discovery.files.contains { $0.path.contains("/loop/") })
    }

    @Test func explicitFilesAreAlwaysRead() {
        let root = TemporaryDirectory()
        let path = root.write("whatever.bin", "<Msg type=\"INFO\">x</Msg>")
        let discovery = LogDiscovery.discover(paths: [path])
        #expect(discovery.files.map(\.path) == [path])
    }

    @Test(.enabled(if: geteuid() != 0, "root can read any folder"))
    func unreadableFolderIsAWarning() throws {
        let root = TemporaryDirectory()
        root.write("locked/a.log", "x")
        chmod(root.path + "/locked", 0)
        defer { chmod(root.path + "/locked", 0o755) }
        let discovery = LogDiscovery.discover(paths: [root.path])
        #expect(discovery.warnings.contains { $0.kind == .unreadable && $0.path.hasSuffix("/locked") })
    }

    @Test func scannerMergesFilesInPathOrderWithAnyWorkerCount() {
        let root = TemporaryDirectory()
        for machine in ["A", "B", "C"] {
            for n in 0..<4 {
                let text = (0..<25).map { i in
                    #"<Msg time="2026-11-14T1\#(n):00:\#(String(format: "%02d", i)),1" type="\#(i % 5 == 0 ? "SEVERE" : "INFO")" code="1">m</Msg>"# + "\n"
                }.joined()
                root.write("arcgisserver/logs/\(machine)/server/s\(n).log", text)
            }
        }
        var results: [String] = []
        for workers in [1, 2, 3] {
            var options = ScanOptions(paths: [root.path], timeZone: .utc)
            options.workers = workers
            let (result, _) = LogScanner(options: options).run { DiscardingConsumer() }
            #expect(result.coverage.totals.records == 300)
            #expect(result.coverage.recordsByLevel[.severe] == 60)
            #expect(result.coverage.machines.map(\.machine) == ["A", "B", "C"])
            #expect(result.coverage.machines.allSatisfy { $0.records == 100 })
            #expect(result.coverage.machines.first?.first == utc(2026, 11, 14, 10, 0, 0, 1))
            #expect(result.coverage.machines.first?.last == utc(2026, 11, 14, 13, 0, 24, 1))
            results.append("\(result.coverage.files.map { ($0.file.path, $0.counters.records, $0.status) })"
                           + "\(result.coverage.machines) \(result.coverage.recordsByLevel.sorted { $0.key < $1.key })")
        }
        #expect(Set(results).count == 1)
    }

    /// A scan's coverage keeps the folder walk's list of files itself (setting a file's reading leaves it
    /// shared) and reads back every entry as it was set; another file in an entry replaces it there only.
    @Test func theCoverageSharesTheListOfFilesFound() {
        let files = (0..<1000).map { InputFile(path: "/logs/GIS01/server/server-\($0).log", machine: "GIS01", size: Int64($0)) }
        var coverages = FileCoverages(unread: files)
        #expect(coverages.allSatisfy { $0.status == .failed && $0.counters == ReaderCounters() })
        for index in coverages.indices {
            var entry = coverages[index]
            entry.status = index % 3 == 0 ? .damaged : .read
            entry.format = .records
            entry.encoding.gzip = index % 2 == 0
            entry.storedBytes = Int64(index * 7)
            entry.counters.records = index
            entry.counters.lines = index * 2
            coverages[index] = entry
        }
        func storage(_ list: [InputFile]) -> UnsafeRawPointer? {
            list.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
        }
        #expect(storage(coverages.inputs) == storage(files))
        #expect(coverages.map(\.file) == files)
        #expect(coverages.map(\.counters.records) == Array(0..<1000))
        #expect(coverages.map(\.storedBytes) == (0..<1000).map { Int64($0 * 7) })
        #expect(coverages.filter { $0.status == .damaged }.count == 334)
        #expect(coverages.filter(\.encoding.gzip).count == 500)
        var moved = coverages[3]
        moved.file = InputFile(path: "/logs/elsewhere.log")
        coverages[3] = moved
        #expect(coverages[3].file.path == "/logs/elsewhere.log" && coverages[3].counters.records == 3)
        #expect(files[3].path == "/logs/GIS01/server/server-3.log")
        #expect(Array(FileCoverages(Array(coverages))) == Array(coverages))
    }
}
