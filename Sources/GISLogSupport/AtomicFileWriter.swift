internal import Glibc

/// A file written piece by piece that readers see whole or not at all: the bytes go to a temporary file
/// beside the target, and `commit` syncs it and renames it over the target (as `AtomicFile.write` does for
/// text held in memory). Owns the temporary file until then; one dropped without `commit` is removed.
public final class AtomicFileWriter {
    /// Where to write the bytes (with `write(2)`; the file position is the end).
    public let descriptor: Int32
    public let path: String
    private let temporary: String
    private var done = false

    public init(path: String) throws(AtomicFile.WriteError) {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        var template = ((directory.isEmpty ? "/" : directory + "/") + ".gislog-XXXXXX").utf8CString.map { $0 }
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw AtomicFile.WriteError(description: "cannot create a file in \(directory): \(systemErrorText(errno))")
        }
        // mkstemp filled in the X's; the name ends at the terminating NUL.
        temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.descriptor = descriptor
        self.path = path
    }

    deinit { if !done { abandon() } }

    /// Syncs the file and puts it in place of `path`.
    public func commit() throws(AtomicFile.WriteError) {
        precondition(!done, "committed or abandoned already")
        done = true
        var failure: String?
        if fsync(descriptor) != 0 { failure = "cannot flush \(temporary): \(systemErrorText(errno))" }
        fchmod(descriptor, 0o644)
        close(descriptor)
        if failure == nil && rename(temporary, path) != 0 { failure = "cannot replace \(path): \(systemErrorText(errno))" }
        if let failure {
            unlink(temporary)
            throw AtomicFile.WriteError(description: failure)
        }
    }

    /// Removes the temporary file; `path` stays as it was.
    public func abandon() {
        guard !done else { return }
        done = true
        close(descriptor)
        unlink(temporary)
    }
}
