import Foundation
import Testing

@Suite("Merging other machines' NDJSON feeds", .serialized)
struct MergeTests {
    private func causes(_ text: String) throws -> [String] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        return (object["causes"] as? [[String: Any]] ?? []).map { cause in
            ["id", "rank", "confidence", "machines", "events", "first_seen", "last_seen", "finding_id"]
                .map { "\(cause[$0] ?? "nil")" }.joined(separator: "|")
        }
    }

    @Test("scanning each machine to NDJSON and the feeds together gives the causes of the raw tree",
          arguments: ["basic", "self-signed", "token-expiry", "untrusted-ca"])
    func feedsMergeLikeRawLogs(sample: String) throws {
        let directory = NSTemporaryDirectory() + "gislog-merge-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var feeds: [String] = []
        for part in ["arcgisserver", "arcgisportal"] {
            let run = try gislog(["scan", "--timezone", "UTC", "--format", "ndjson", "Samples/\(sample)/\(part)"])
            let path = directory + "/\(part).ndjson"
            try run.stdout.write(toFile: path, atomically: true, encoding: .utf8)
            feeds.append(path)
        }
        let merged = try gislog(["scan", "--timezone", "UTC", "--format", "json"] + feeds)
        let raw = try gislog(["scan", "--timezone", "UTC", "--format", "json", "Samples/\(sample)"])
        #expect(merged.status == raw.status)
        #expect(try causes(merged.stdout) == (try causes(raw.stdout)))
        #expect(try !causes(raw.stdout).isEmpty)
    }

    @Test func clockSkewBetweenMachinesIsEstimatedFromSharedRequests() throws {
        let directory = NSTemporaryDirectory() + "gislog-skew-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func feed(_ machine: String, offsetSeconds: Int) -> String {
            (0..<5).map { index in
                let second = 10 + index * 5 + offsetSeconds  // at most 50
                return "{\"@timestamp\":\"2026-11-14T10:00:\(second).000Z\",\"message\":\"'Invalid token.'\",\"event\":{\"kind\":\"event\",\"category\":[\"authentication\"],\"type\":[\"error\"],\"outcome\":\"failure\",\"dataset\":\"arcgis.server\",\"module\":\"arcgis\",\"severity\":3},\"log\":{\"level\":\"WARNING\",\"file\":{\"path\":\"x.log\"},\"offset\":0},\"host\":{\"name\":\"\(machine)\"},\"rule\":{\"id\":\"invalid-token\",\"name\":\"Invalid token\",\"category\":\"token\",\"ruleset\":\"gislog-default\"},\"labels\":{\"component\":\"server\",\"request_id\":\"req-\(index)\",\"line\":\"\(index + 1)\"},\"gislog\":{\"schema_version\":1,\"fields\":{}}}\n"
            }.joined()
        }
        try feed("A.EXAMPLE.ORG", offsetSeconds: 0).write(toFile: directory + "/a.ndjson", atomically: true, encoding: .utf8)
        try feed("B.EXAMPLE.ORG", offsetSeconds: 20).write(toFile: directory + "/b.ndjson", atomically: true, encoding: .utf8)
        let run = try gislog(["scan", "--timezone", "UTC", "--format", "json", directory])
        #expect(run.stdout.contains("The clock of B.EXAMPLE.ORG seems 20 s ahead of A.EXAMPLE.ORG (5 requests logged on both)"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let coverage = try #require(object["coverage"] as? [String: Any])
        #expect(coverage["records"] as? Int == 10)
    }
}
