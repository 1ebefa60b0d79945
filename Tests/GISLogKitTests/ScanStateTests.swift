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
}
