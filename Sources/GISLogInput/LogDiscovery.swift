internal import Glibc
public import GISLogSupport

/// A file the walk passed over, and why.
public struct SkippedFile: Sendable, Hashable {
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        /// Java `FileHandler` lock files (`*.lck`).
        case lockFile = "lock_file"
        /// Not a log by name or by its first bytes.
        case notALog = "not_a_log"
        /// A `.zip` export: gislog does not unpack archives.
        case archive = "archive"
        /// A device, socket or pipe.
        case special = "special_file"
    }

    public var path: String
    public var reason: Reason
}

/// The files a scan will read, found by walking the paths given on the command line.
public struct Discovery: Sendable {
    public var files: [InputFile] = []
    public var skipped: [SkippedFile] = []
    public var warnings: [ScanWarning] = []
}

/// Walks files and folders: recursive, sorted for stable output, symlinks followed once (loops detected),
/// unreadable folders reported and passed over.
public enum LogDiscovery {
    /// Finds the log files under `paths`. Files named directly are always read (whatever their name);
    /// inside folders, a file is read when its name looks like a log (`*.log`, `*.log.N`, `*.gz`, `*.json`,
    /// `*.ndjson`) or its first bytes do (`<Msg`, gzip, a UTF-16 mark, gislog's NDJSON feed).
    public static func discover(paths: [String]) -> Discovery {
        discover(paths: paths, filter: .logs)
    }

    /// What a walk keeps.
    package enum Filter {
        /// Log files (see `discover(paths:)`).
        case logs
        /// Rule files: `*.yaml` and `*.yml`.
        case ruleFiles
    }

    package static func discover(paths: [String], filter: Filter) -> Discovery {
        var discovery = Discovery()
        var visited = Set<DirectoryID>()
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else {
                let code = errno
                discovery.warnings.append(ScanWarning(
                    code == ENOENT ? .missingPath : .unreadable, path: path,
                    "cannot read: \(systemErrorText(code))",
                    hint: code == ENOENT ? "check the spelling of the path" : "check its permissions"))
                continue
            }
            if info.st_mode & S_IFMT == S_IFDIR {
                walk(directory: trimSlash(path), filter: filter, discovery: &discovery, visited: &visited)
            } else if info.st_mode & S_IFMT == S_IFREG {
                discovery.files.append(InputFile.classify(path: path, size: Int64(info.st_size)))
            } else {
                discovery.skipped.append(SkippedFile(path: path, reason: .special))
            }
        }
        return discovery
    }

    struct DirectoryID: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    private static func trimSlash(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    private static func walk(directory: String, filter: Filter, discovery: inout Discovery, visited: inout Set<DirectoryID>) {
        var info = stat()
        guard stat(directory, &info) == 0 else { return }
        let id = DirectoryID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        guard visited.insert(id).inserted else {
            discovery.warnings.append(ScanWarning(
                .symlinkLoop, path: directory, "this folder was already walked (a symbolic link loops back to it)",
                hint: "nothing to do; gislog read it once"))
            return
        }
        guard let handle = opendir(directory) else {
            let code = errno
            discovery.warnings.append(ScanWarning(
                .unreadable, path: directory, "cannot open folder: \(systemErrorText(code))",
                hint: "run gislog as a user who can read it; its logs were not scanned"))
            return
        }
        var entries: [(name: String, type: UInt8)] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            // `.gislog-…` are gislog's own temporary files, staging folders and locks, never logs.
            if name != "." && name != ".." && !name.hasPrefix(".gislog-") { entries.append((name, entry.pointee.d_type)) }
        }
        closedir(handle)
        entries.sort { $0.name < $1.name }
        for (name, type) in entries {
            let path = directory == "/" ? "/" + name : joined(directory, name)
            // The folder entry's type saves a stat per file; links and unknown types need one.
            if type == UInt8(DT_REG) {
                addFile(name: name, path: path, size: 0, filter: filter, discovery: &discovery)
                continue
            }
            if type == UInt8(DT_DIR) {
                walk(directory: path, filter: filter, discovery: &discovery, visited: &visited)
                continue
            }
            var entryInfo = stat()
            guard stat(path, &entryInfo) == 0 else {
                let code = errno
                var linkInfo = stat()
                let dangling = lstat(path, &linkInfo) == 0 && linkInfo.st_mode & S_IFMT == S_IFLNK
                if !dangling {
                    discovery.warnings.append(ScanWarning(
                        .unreadable, path: path, "cannot read: \(systemErrorText(code))", hint: "check its permissions"))
                }
                continue
            }
            switch entryInfo.st_mode & S_IFMT {
            case S_IFDIR:
                walk(directory: path, filter: filter, discovery: &discovery, visited: &visited)
            case S_IFREG:
                addFile(name: name, path: path, size: Int64(entryInfo.st_size), filter: filter, discovery: &discovery)
            default:
                discovery.skipped.append(SkippedFile(path: path, reason: .special))
            }
        }
    }

    /// `directory/name` in a string of exactly that size: `+` leaves room to grow, and a tree of 100,000
    /// files keeps every path for its coverage.
    private static func joined(_ directory: String, _ name: String) -> String {
        var directory = directory, name = name
        return directory.withUTF8 { head in
            name.withUTF8 { tail in
                String(unsafeUninitializedCapacity: head.count + 1 + tail.count) { bytes in
                    _ = bytes.initialize(fromContentsOf: head)
                    bytes[head.count] = UInt8(ascii: "/")
                    _ = bytes[(head.count + 1)...].initialize(fromContentsOf: tail)
                    return head.count + 1 + tail.count
                }
            }
        }
    }

    private static func addFile(name: String, path: String, size: Int64, filter: Filter, discovery: inout Discovery) {
        let reason: SkippedFile.Reason?
        switch filter {
        case .logs: reason = skipReason(name: name, path: path)
        case .ruleFiles: reason = name.hasSuffix(".yaml") || name.hasSuffix(".yml") ? nil : .notALog
        }
        if let reason {
            discovery.skipped.append(SkippedFile(path: path, reason: reason))
        } else {
            var file = InputFile.classify(path: path, size: size)
            // The files of one folder name one machine: they share its string instead of a copy each.
            if let machine = file.machine, let last = discovery.files.last?.machine, machine == last { file.machine = last }
            discovery.files.append(file)
        }
    }

    /// Why a file found in a folder is not read, or nil to read it.
    static func skipReason(name: String, path: String) -> SkippedFile.Reason? {
        let lower = name.lowercased()
        if lower.hasSuffix(".lck") { return .lockFile }
        if lower.hasSuffix(".zip") { return .archive }
        if looksLikeLogName(lower) { return nil }
        return sniffLooksLikeLog(path: path) ? nil : .notALog
    }

    package static func looksLikeLogName(_ lower: String) -> Bool {
        if lower.hasSuffix(".log") || lower.hasSuffix(".gz") || lower.hasSuffix(".json") || lower.hasSuffix(".ndjson")
            || lower.hasSuffix(".jsonl") { return true }
        // Rotations: `server.log.1`, `portal.log.2.gz` (covered above), `x.log.20261114`.
        if let range = lower.firstRange(of: ".log.") {
            return lower[range.upperBound...].allSatisfy { $0.isNumber }
        }
        return false
    }

    /// Reads a file's first bytes: gzip magic, a UTF-16 byte-order mark, or `<Msg` near the start.
    static func sniffLooksLikeLog(path: String) -> Bool {
        guard let source = try? FileSource(path: path) else { return true }  // let the reader report it
        var head = [UInt8](repeating: 0, count: 4096)
        let count = (try? head.withUnsafeMutableBytes { try source.readFully(into: $0) }) ?? 0
        let bytes = head[..<count]
        if count >= 2 && ((bytes[0] == 0x1f && bytes[1] == 0x8b) || (bytes[0] == 0xFF && bytes[1] == 0xFE)
            || (bytes[0] == 0xFE && bytes[1] == 0xFF)) { return true }
        return bytes.firstRange(of: Array("<Msg ".utf8)) != nil || bytes.firstRange(of: Array("logMessages".utf8)) != nil
            || bytes.firstRange(of: Array("\"gislog\":{\"schema_version\"".utf8)) != nil
            || bytes.firstRange(of: [0x3C, 0, 0x4D, 0, 0x73, 0, 0x67, 0]) != nil
    }
}
