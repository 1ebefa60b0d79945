import Foundation
import Testing

/// rsyslog's daemon and the two modules the recipe in docs/shippers.md uses, when installed.
private let rsyslogd: String? = {
    let daemon = "/usr/sbin/rsyslogd"
    let moduleFolders = ["/usr/lib/x86_64-linux-gnu/rsyslog", "/usr/lib/aarch64-linux-gnu/rsyslog", "/usr/lib/rsyslog"]
    let hasModules = moduleFolders.contains { folder in
        FileManager.default.fileExists(atPath: folder + "/imfile.so")
            && FileManager.default.fileExists(atPath: folder + "/mmjsonparse.so")
    }
    return FileManager.default.isExecutableFile(atPath: daemon) && hasModules ? daemon : nil
}()

/// CI sets this so a missing rsyslog fails the run instead of skipping the test quietly.
private let shipperRequired = ProcessInfo.processInfo.environment["GISLOG_REQUIRE_SHIPPER"] == "1"

/// The rsyslog configuration of docs/shippers.md, with the receiver a file of the test instead of a SIEM.
private func rsyslogConfiguration(folder: String, feed: String) -> String {
    """
    global(workDirectory="\(folder)/work" maxMessageSize="256k")
    module(load="imfile" mode="polling" PollingInterval="1")
    module(load="mmjsonparse")
    template(name="gislog-json" type="list") { property(name="$!all-json") constant(value="\\n") }
    template(name="gislog-cause" type="list") {
        property(name="$!gislog!cause!id") constant(value=" ") property(name="$!host!name") constant(value="\\n")
    }
    input(type="imfile" File="\(feed)" Tag="gislog" ruleset="gislog" addMetadata="off")
    ruleset(name="gislog") {
        action(type="mmjsonparse" cookie="")
        if $parsesuccess == "OK" then {
            action(type="omfile" file="\(folder)/received.ndjson" template="gislog-json")
            if $!event!dataset == "gislog.cause" then action(type="omfile" file="\(folder)/causes.txt" template="gislog-cause")
        } else {
            action(type="omfile" file="\(folder)/unparsed.log")
        }
    }
    """
}

/// Lines of a file, or none when it does not exist yet.
private func lines(of path: String) -> [Substring] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
    return text.split(separator: "\n")
}

/// One JSON object per line, rewritten with sorted keys so equal objects compare equal as text.
private func canonical(_ lines: [Substring]) throws -> [String] {
    try lines.map { line in
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

@Suite("Shipping the NDJSON feed with rsyslog", .serialized)
struct ShipperTests {
    @Test("rsyslog tails the appended feed and forwards every event once, intact, with its fields parsed",
          .enabled(if: rsyslogd != nil || shipperRequired, "rsyslog with imfile and mmjsonparse is not installed"))
    func rsyslogForwardsTheFeed() throws {
        let daemon = try #require(rsyslogd, "GISLOG_REQUIRE_SHIPPER=1 but rsyslog (imfile, mmjsonparse) is missing")
        let logs = try HostileLogs()
        let folder = logs.directory + "-shipper"
        try FileManager.default.createDirectory(atPath: folder + "/work", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let feed = folder + "/events.ndjson", state = folder + "/state.json", conf = folder + "/rsyslog.conf"
        try rsyslogConfiguration(folder: folder, feed: feed).write(toFile: conf, atomically: true, encoding: .utf8)

        // The cron way: each run appends only what is new to the file the shipper tails.
        func appendRun() throws -> [Substring] {
            let run = try gislog(["scan", "--timezone", "UTC", "--state", state, "--format", "ndjson",
                                  "--include-original", logs.directory])
            #expect(run.status == 1, "\(run.stderr)")
            if !FileManager.default.fileExists(atPath: feed) { _ = FileManager.default.createFile(atPath: feed, contents: nil) }
            let handle = try #require(FileHandle(forWritingAtPath: feed))
            handle.seekToEndOfFile()
            handle.write(Data(run.stdout.utf8))
            try handle.close()
            return run.stdout.split(separator: "\n")
        }
        var sent = try appendRun()

        let shipper = Process()
        shipper.executableURL = URL(fileURLWithPath: daemon)
        shipper.arguments = ["-n", "-f", conf, "-i", folder + "/rsyslogd.pid"]
        let shipperErrors = Pipe()
        shipper.standardError = shipperErrors
        shipper.standardOutput = shipperErrors
        let errorText = Thread.detachedRead(shipperErrors)
        try shipper.run()
        defer { stop(shipper) }

        // Data written while the shipper is already tailing: a Portal's logs arrive for the second run.
        Thread.sleep(forTimeInterval: 1.5)
        try FileManager.default.copyItem(atPath: repositoryRoot + "/Samples/untrusted-ca/arcgisportal",
                                         toPath: logs.directory + "/arcgisportal")
        let second = try appendRun()
        #expect(second.contains { $0.contains("\"path\":\"") && $0.contains("arcgisportal") })
        sent += second

        let received = folder + "/received.ndjson"
        let deadline = Date().addingTimeInterval(30)
        while lines(of: received).count < sent.count, Date() < deadline, shipper.isRunning {
            Thread.sleep(forTimeInterval: 0.2)
        }
        // Two more polling rounds: a line forwarded twice would show up now.
        Thread.sleep(forTimeInterval: 2.5)
        stop(shipper)
        let diagnostics = String(decoding: errorText.wait(), as: UTF8.self)

        let arrived = lines(of: received)
        #expect(arrived.count == sent.count, "sent \(sent.count) lines, received \(arrived.count); rsyslog: \(diagnostics)")
        #expect(try canonical(arrived) == canonical(sent), "a forwarded event differs from what gislog wrote")
        #expect(lines(of: folder + "/unparsed.log").isEmpty, "rsyslog could not parse some lines as JSON")
        // The shipper routes on parsed fields: one line per cause alert, with the cause id and the host.
        let causesSent = sent.filter { $0.contains("\"dataset\":\"gislog.cause\"") }
        let causeLines = lines(of: folder + "/causes.txt")
        #expect(!causesSent.isEmpty)
        #expect(causeLines.count == causesSent.count)
        #expect(causeLines.allSatisfy { $0.split(separator: " ").count == 2 }, "\(causeLines)")
    }
}
