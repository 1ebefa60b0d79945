import Foundation
import Testing

/// The systemd units in packaging/systemd.
private let unitFolder = repositoryRoot + "/packaging/systemd"

/// `key=value` lines of a unit file (comments and sections dropped; a key may repeat).
private func settings(_ unit: String) throws -> [(key: String, value: String)] {
    try String(contentsOfFile: unitFolder + "/" + unit, encoding: .utf8).split(separator: "\n").compactMap { line in
        let text = line.trimmingCharacters(in: .whitespaces)
        guard !text.hasPrefix("#"), !text.hasPrefix("["), let equals = text.firstIndex(of: "=") else { return nil }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }
}

private func value(_ key: String, in list: [(key: String, value: String)]) -> String? { list.last { $0.key == key }?.value }

/// Where `systemd-analyze` is, or nil (with a message, or a failure where it must be there: CI sets
/// GISLOG_REQUIRE_SYSTEMD).
private func systemdAnalyze() -> String? {
    if FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") { return "/usr/bin/systemd-analyze" }
    #expect(ProcessInfo.processInfo.environment["GISLOG_REQUIRE_SYSTEMD"] != "1", "systemd-analyze is missing")
    print("skipped: systemd-analyze is not installed (apt-get install systemd)")
    return nil
}

/// The service's command line, run here: the built binary, a temporary state directory, and the sample's
/// logs in place of /arcgis/….
private func execStart(stateDirectory: String, logs: String) throws -> [String] {
    let line = try #require(value("ExecStart", in: try settings("gislog-nightly.service")))
    return line.split(separator: " ").map(String.init).map { word in
        word.replacingOccurrences(of: "/usr/local/bin/gislog", with: gislogBinary)
            .replacingOccurrences(of: "/var/lib/gislog", with: stateDirectory)
            .replacingOccurrences(of: "/arcgis/", with: logs + "/")
    }
}

@Suite("systemd units", .serialized)
struct SystemdTests {
    @Test func theServiceIsSandboxedAndUnprivileged() throws {
        let service = try settings("gislog-nightly.service")
        #expect(value("Type", in: service) == "oneshot")
        // Causes found (exit 1) is a success; only "could not run" (2) fails the unit.
        #expect(value("SuccessExitStatus", in: service) == "1")
        let user = try #require(value("User", in: service))
        #expect(user != "root" && user != "0")
        #expect(value("StateDirectory", in: service) == "gislog")
        #expect(value("ProtectSystem", in: service) == "strict")
        for (key, expected) in [("ProtectHome", "yes"), ("PrivateTmp", "yes"), ("PrivateDevices", "yes"),
                                ("PrivateNetwork", "yes"), ("NoNewPrivileges", "yes"), ("CapabilityBoundingSet", ""),
                                ("RestrictSUIDSGID", "yes"), ("ProtectKernelTunables", "yes")] {
            #expect(value(key, in: service) == expected, "\(key)")
        }
        // No ReadWritePaths: the logs stay read-only, only the state directory is writable.
        #expect(value("ReadWritePaths", in: service) == nil)
        let command = try #require(value("ExecStart", in: service))
        #expect(command.contains("--state /var/lib/gislog/"))
        let timer = try settings("gislog-nightly.timer")
        #expect(value("Unit", in: timer) == "gislog-nightly.service")
        #expect(value("Persistent", in: timer) == "yes")
        #expect(value("OnCalendar", in: timer) != nil)
    }

    @Test func systemdAnalyzeVerifiesBothUnits() throws {
        guard let analyze = systemdAnalyze() else { return }
        let folder = NSTemporaryDirectory() + "gislog-units-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // verify checks that ExecStart's program exists: point it at the built one.
        for unit in ["gislog-nightly.service", "gislog-nightly.timer"] {
            let text = try String(contentsOfFile: unitFolder + "/" + unit, encoding: .utf8)
            try text.replacingOccurrences(of: "/usr/local/bin/gislog", with: gislogBinary)
                .write(toFile: folder + "/" + unit, atomically: true, encoding: .utf8)
        }
        let run = try gislog(["verify", "--man=no", folder + "/gislog-nightly.service", folder + "/gislog-nightly.timer"],
                             executable: analyze)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("gislog-nightly"), "\(run.stderr)")
        // And the sandbox is tight by systemd's own measure (0 is best, 10 worst).
        let security = try gislog(["security", "--offline=yes", folder + "/gislog-nightly.service"], executable: analyze)
        if let match = security.stdout.firstMatch(of: /Overall exposure level for [^:]*: ([0-9.]+)/), let level = Double(match.1) {
            #expect(level <= 2.0, "\(security.stdout.suffix(400))")
        } else {
            print("note: this systemd-analyze cannot rate a unit offline")
        }
    }

    @Test func theServicesCommandRunsAsWritten() throws {
        let copy = try SampleCopy()
        let stateDirectory = copy.root + "/var-lib-gislog"
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        let command = try execStart(stateDirectory: stateDirectory, logs: copy.logs)
        let first = try gislog(Array(command.dropFirst()), executable: command[0])
        #expect(first.status == 1, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("# gislog report"))
        #expect(FileManager.default.fileExists(atPath: stateDirectory + "/site.state"))
        // The next night: nothing new, nothing printed (nothing in the journal), exit 0.
        let second = try gislog(Array(command.dropFirst()), executable: command[0])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.isEmpty)
    }

    @Test func theSystemCallFilterAllowsWhatGislogCalls() throws {
        guard let analyze = systemdAnalyze() else { return }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/strace") else {
            #expect(ProcessInfo.processInfo.environment["GISLOG_REQUIRE_SYSTEMD"] != "1", "strace is missing")
            print("skipped: strace is not installed (apt-get install strace)")
            return
        }
        // A container may forbid ptrace: that says nothing about the unit.
        guard try gislog(["-qq", "-o", "/dev/null", "/bin/true"], executable: "/usr/bin/strace").status == 0 else {
            print("skipped: strace cannot trace here (ptrace not permitted)")
            return
        }
        let copy = try SampleCopy()
        let stateDirectory = copy.root + "/var-lib-gislog"
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        let command = try execStart(stateDirectory: stateDirectory, logs: copy.logs)
        let trace = copy.root + "/trace"
        let traced = try gislog(["-f", "-qq", "-o", trace] + command, executable: "/usr/bin/strace")
        #expect(traced.status == 1, "\(traced.stderr)")
        let calls = Set(try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").compactMap { line -> String? in
            // "PID name(args" or "PID <... name resumed>"
            let words = line.split(separator: " ", maxSplits: 2)
            guard words.count >= 2 else { return nil }
            if words[1] == "<..." { return words.count > 2 ? String(words[2].prefix { $0 != " " }) : nil }
            guard let open = words[1].firstIndex(of: "(") else { return nil }
            return String(words[1][..<open])
        }.filter { !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } })
        #expect(calls.contains("flock"))
        // The filter: every allowed group expanded by systemd itself, less the denied ones.
        func expand(_ group: String, _ seen: inout Set<String>) throws -> Set<String> {
            let listing = try gislog(["syscall-filter", group], executable: analyze).stdout
            var result = Set<String>()
            for line in listing.split(separator: "\n").dropFirst() {
                let name = line.trimmingCharacters(in: .whitespaces)
                if name.isEmpty || name.hasPrefix("#") { continue }
                if name.hasPrefix("@") {
                    if seen.insert(name).inserted { result.formUnion(try expand(name, &seen)) }
                } else {
                    result.insert(name)
                }
            }
            return result
        }
        var allowed = Set<String>(), denied = Set<String>()
        for filter in try settings("gislog-nightly.service").filter({ $0.key == "SystemCallFilter" }).map(\.value) {
            var seen = Set<String>()
            let deny = filter.hasPrefix("~")
            for name in filter.drop(while: { $0 == "~" }).split(separator: " ") {
                let set = name.hasPrefix("@") ? try expand(String(name), &seen) : [String(name)]
                if deny { denied.formUnion(set) } else { allowed.formUnion(set) }
            }
        }
        #expect(!allowed.isEmpty)
        let refused = calls.filter { !allowed.contains($0) || denied.contains($0) }
        #expect(refused.isEmpty, "the unit's SystemCallFilter would kill gislog on: \(refused.sorted())")
    }
}
