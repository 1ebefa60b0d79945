internal import Glibc

/// Writes a file so that readers see the old content or the new, never a mix: a temporary file beside
/// the target, `fsync`, then `rename`.
public enum AtomicFile {
    public struct WriteError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func write(_ text: String, to path: String) throws(WriteError) {
        try write(bytes: Array(text.utf8), to: path)
    }

    /// `.gislog-NAME-`: the start of the temporary files for `path`.
    static func temporaryPrefix(of path: String) -> String {
        ".gislog-" + (path.split(separator: "/").last.map(String.init) ?? "out") + "-"
    }

    /// Deletes the temporary files a killed writer of `path` left beside it. Only for a caller that alone
    /// writes `path` (a run holding the state file's lock): another writer's file in progress would go too.
    /// - Returns: how many were removed.
    @discardableResult
    public static func removeLeftovers(of path: String) -> Int {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let prefix = temporaryPrefix(of: path)
        guard let handle = opendir(directory.isEmpty ? "/" : directory) else { return 0 }
        defer { closedir(handle) }
        var removed = 0
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            // mkstemp's six characters after the prefix, nothing else.
            guard name.hasPrefix(prefix), name.utf8.count == prefix.utf8.count + 6 else { continue }
            if unlink((directory.isEmpty ? "" : directory) + "/" + name) == 0 { removed += 1 }
        }
        return removed
    }

    public static func write(bytes: [UInt8], to path: String) throws(WriteError) {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        // Named after the target, so that what a killed writer left behind can be told apart (see
        // `removeLeftovers`).
        var template = ((directory.isEmpty ? "/" : directory + "/") + temporaryPrefix(of: path) + "XXXXXX").utf8CString.map { $0 }
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw WriteError(description: "cannot create a file in \(directory): \(systemErrorText(errno))")
        }
        // mkstemp filled in the X's; the name ends at the terminating NUL.
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var failure = writeAll(descriptor, bytes).map { "cannot write \(temporary): \(systemErrorText($0))" }
        if failure == nil && fsync(descriptor) != 0 { failure = "cannot flush \(temporary): \(systemErrorText(errno))" }
        fchmod(descriptor, 0o644)
        close(descriptor)
        if failure == nil && rename(temporary, path) != 0 { failure = "cannot replace \(path): \(systemErrorText(errno))" }
        if let failure {
            unlink(temporary)
            throw WriteError(description: failure)
        }
    }
}
