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

    public static func write(bytes: [UInt8], to path: String) throws(WriteError) {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        var template = ((directory.isEmpty ? "/" : directory + "/") + ".gislog-XXXXXX").utf8CString.map { $0 }
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
