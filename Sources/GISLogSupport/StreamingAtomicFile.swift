internal import Glibc

/// A file written as a stream and published atomically, as `AtomicFile` writes a whole text: a temporary
/// file beside the target, written while the scan runs, then `fsync` and `rename`. Until `commit`, readers
/// of the target see its old content; `abandon` (or a killed run) leaves the target as it was.
public final class StreamingAtomicFile {
    /// The open temporary file, for writers.
    public let descriptor: Int32
    private let temporary: String
    private let target: String
    private var open = true

    public init(target: String) throws(AtomicFile.WriteError) {
        let directory = target.contains("/") ? String(target[..<target.lastIndex(of: "/")!]) : "."
        var template = ((directory.isEmpty ? "/" : directory + "/") + ".gislog-XXXXXX").utf8CString.map { $0 }
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw AtomicFile.WriteError(description: "cannot create a file in \(directory): \(systemErrorText(errno))")
        }
        self.descriptor = descriptor
        temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.target = target
    }

    deinit { abandon() }

    /// Appends `text`, flushes, and renames the file into place.
    public func commit(appending text: String) throws(AtomicFile.WriteError) {
        var failure = writeAll(descriptor, Array(text.utf8)).map { "cannot write \(temporary): \(systemErrorText($0))" }
        if failure == nil && fsync(descriptor) != 0 { failure = "cannot flush \(temporary): \(systemErrorText(errno))" }
        fchmod(descriptor, 0o644)
        close(descriptor)
        open = false
        if failure == nil && rename(temporary, target) != 0 { failure = "cannot replace \(target): \(systemErrorText(errno))" }
        if let failure {
            unlink(temporary)
            throw AtomicFile.WriteError(description: failure)
        }
    }

    /// Removes the temporary file; the target stays as it was.
    public func abandon() {
        guard open else { return }
        close(descriptor)
        unlink(temporary)
        open = false
    }
}
