internal import Glibc

/// Writes a file so that readers see the old content or the new, never a mix: a temporary file beside
/// the target, `fsync`, then `rename`.
public enum AtomicFile {
    /// Why a file could not be replaced; the target is untouched in every case.
    public enum WriteError: Error, CustomStringConvertible {
        /// No temporary file could be made in the target's folder.
        case cannotCreate(directory: String, errno: Int32)
        /// Writing or flushing the temporary file failed (a full disk, a quota, an I/O error).
        case cannotWrite(temporary: String, errno: Int32)
        case cannotFlush(temporary: String, errno: Int32)
        /// The rename over the target failed.
        case cannotReplace(path: String, errno: Int32)

        /// The system error behind it.
        public var code: Int32 {
            switch self {
            case .cannotCreate(_, let code), .cannotWrite(_, let code), .cannotFlush(_, let code), .cannotReplace(_, let code): code
            }
        }

        public var description: String {
            switch self {
            case .cannotCreate(let directory, let code): "cannot create a file in \(directory): \(systemErrorText(code))"
            case .cannotWrite(let temporary, let code): "cannot write \(temporary): \(systemErrorText(code))"
            case .cannotFlush(let temporary, let code): "cannot flush \(temporary): \(systemErrorText(code))"
            case .cannotReplace(let path, let code): "cannot replace \(path): \(systemErrorText(code))"
            }
        }
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
        if let stream = try openSpecial(path) {
            defer { close(stream) }
            if let code = writeAll(stream, bytes) { throw .cannotWrite(temporary: path, errno: code) }
            return
        }
        let (descriptor, temporary) = try createTemporary(for: path)
        try finish(descriptor: descriptor, temporary: temporary, path: path, appending: bytes)
    }

    /// A descriptor open for writing when `path` is a device, a pipe or a socket (`--output /dev/null`,
    /// `/dev/stdout`, a named pipe): such a file is written as a stream, since replacing it would put a
    /// regular file in its place (a `/dev/null` that keeps every report). Nil for a regular file or none.
    package static func openSpecial(_ path: String) throws(WriteError) -> Int32? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG, info.st_mode & S_IFMT != S_IFDIR else { return nil }
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .cannotReplace(path: path, errno: errno) }
        return descriptor
    }

    /// The file that writing `path` should replace: the one a symbolic link names (the link stays a link),
    /// else `path` itself.
    package static func replacedPath(_ path: String) -> String {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFLNK, let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Makes the temporary file for `path` beside it (named after the target, so that what a killed writer
    /// left behind can be told apart: see `removeLeftovers`).
    package static func createTemporary(for path: String) throws(WriteError) -> (descriptor: Int32, temporary: String) {
        let path = replacedPath(path)
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        var template = ((directory.isEmpty ? "/" : directory + "/") + temporaryPrefix(of: path) + "XXXXXX").utf8CString.map { $0 }
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw .cannotCreate(directory: directory, errno: errno) }
        // mkstemp filled in the X's; the name ends at the terminating NUL.
        return (descriptor, String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// Writes the last bytes, flushes, closes and renames the temporary file over `path`; on any failure the
    /// temporary file goes and `path` stays as it was.
    package static func finish(descriptor: Int32, temporary: String, path: String, appending bytes: [UInt8]) throws(WriteError) {
        let path = replacedPath(path)
        var failure = writeAll(descriptor, bytes).map { WriteError.cannotWrite(temporary: temporary, errno: $0) }
        if failure == nil && fsync(descriptor) != 0 { failure = .cannotFlush(temporary: temporary, errno: errno) }
        fchmod(descriptor, 0o644)
        close(descriptor)
        if failure == nil && rename(temporary, path) != 0 { failure = .cannotReplace(path: path, errno: errno) }
        if let failure {
            unlink(temporary)
            throw failure
        }
    }
}
