internal import Glibc

/// A file written as a stream and published atomically, as `AtomicFile` writes a whole text: a temporary
/// file beside the target, written while the scan runs, then `fsync` and `rename`. Until `commit`, readers
/// of the target see its old content; `abandon` (or a killed run) leaves the target as it was.
///
/// A target that is a device, a pipe or a socket (`/dev/null`, `/dev/stdout`) is written directly, as
/// `AtomicFile.openSpecial` says.
public final class StreamingAtomicFile {
    /// The open temporary file (or the special file itself), for writers.
    public let descriptor: Int32
    /// Nil when writing a special file directly.
    private let temporary: String?
    private let target: String
    private var open = true

    public init(target: String) throws(AtomicFile.WriteError) {
        if let stream = try AtomicFile.openSpecial(target) {
            (descriptor, temporary) = (stream, nil)
        } else {
            let made = try AtomicFile.createTemporary(for: target)
            (descriptor, temporary) = (made.descriptor, made.temporary)
        }
        self.target = target
    }

    deinit { abandon() }

    /// Appends `text` to the temporary file (the target is replaced only by `commit`).
    public func append(_ text: String) throws(AtomicFile.WriteError) {
        if let code = writeAll(descriptor, Array(text.utf8)) { throw .cannotWrite(temporary: temporary ?? target, errno: code) }
    }

    /// Appends `text`, flushes, and renames the file into place.
    public func commit(appending text: String) throws(AtomicFile.WriteError) {
        open = false
        guard let temporary else {
            defer { close(descriptor) }
            if let code = writeAll(descriptor, Array(text.utf8)) { throw .cannotWrite(temporary: target, errno: code) }
            return
        }
        try AtomicFile.finish(descriptor: descriptor, temporary: temporary, path: target, appending: Array(text.utf8))
    }

    /// Removes the temporary file; the target stays as it was.
    public func abandon() {
        guard open else { return }
        close(descriptor)
        if let temporary { unlink(temporary) }
        open = false
    }
}
