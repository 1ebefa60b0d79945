internal import Glibc

/// A file for scratch data that no one else can see: made in `$TMPDIR` (or `/tmp`) and unlinked at once,
/// so the space is given back when it is closed, even if gislog is killed. Owns its descriptor.
// SAFETY: the descriptor is only written at explicit offsets (`pwrite`/`pread`/`sendfile` with an offset),
// never through the shared file position, so threads that read and write different ranges do not interfere.
public final class TemporaryFile: @unchecked Sendable {
    public let descriptor: Int32
    /// Bytes written so far by `append` (its end).
    public private(set) var size: Int64 = 0

    /// Why a temporary file could not be made or written.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The folder scratch files go to: `$TMPDIR`, else `/tmp`.
    public static var directory: String {
        if let value = getenv("TMPDIR"), value.pointee != 0 { return String(cString: value) }
        return "/tmp"
    }

    public init(directory: String = TemporaryFile.directory) throws(Failure) {
        var template = ((directory.hasSuffix("/") ? directory : directory + "/") + "gislog-spool-XXXXXX").utf8CString.map { $0 }
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw Failure(description: "cannot create a temporary file in \(directory): \(systemErrorText(errno))")
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Appends bytes at the end; returns the offset they start at.
    public func append(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> Int64 {
        let start = size
        var done = 0
        while done < bytes.count {
            let count = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(start) + off_t(done))
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot write a temporary file in \(Self.directory): \(systemErrorText(errno))")
            }
            done += count
        }
        size += Int64(bytes.count)
        return start
    }

    /// Forgets the content (the space goes back to the file system).
    public func removeAll() {
        _ = ftruncate(descriptor, 0)
        size = 0
    }

    /// Copies the whole file, however it was written, to another descriptor.
    /// - Returns: `errno` of a failed read or write, or nil.
    public func copyAll(to destination: Int32) -> Int32? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return errno }
        return copyRange(from: descriptor, offset: 0, count: Int64(info.st_size), to: destination)
    }

    /// Copies `count` bytes from `offset` to another descriptor (in the kernel when it can).
    /// - Returns: `errno` of a failed write to `destination`, or nil.
    public func copy(offset: Int64, count: Int64, to destination: Int32) -> Int32? {
        copyRange(from: descriptor, offset: offset, count: count, to: destination)
    }
}

/// Copies a range of a regular file to a descriptor: `sendfile`, or `pread` and `write` where the kernel
/// cannot send to that descriptor.
/// - Returns: `errno` of a failed write (or read), or nil.
func copyRange(from source: Int32, offset: Int64, count: Int64, to destination: Int32) -> Int32? {
    var position = off_t(offset)
    var left = count
    var useSendfile = true
    var chunk: UnsafeMutableRawPointer?
    defer { chunk?.deallocate() }
    while left > 0 {
        if useSendfile {
            let sent = sendfile(destination, source, &position, Int(min(left, 1 << 30)))
            if sent > 0 {
                left -= Int64(sent)
                continue
            }
            if sent == 0 { return EIO }  // the file is shorter than its segments say
            if errno == EINTR || errno == EAGAIN { continue }
            if errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP {
                useSendfile = false
                continue
            }
            return errno
        }
        let size = 256 << 10
        if chunk == nil { chunk = .allocate(byteCount: size, alignment: 16) }
        let read = pread(source, chunk!, Int(min(left, Int64(size))), position)
        if read < 0 {
            if errno == EINTR { continue }
            return errno
        }
        if read == 0 { return EIO }
        if let failure = writeFully(destination, UnsafeRawBufferPointer(start: chunk!, count: read)) { return failure }
        position += off_t(read)
        left -= Int64(read)
    }
    return nil
}

/// Writes every byte, retrying after signals and short writes; returns `errno` when a write fails.
func writeFully(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
    var offset = 0
    while offset < bytes.count {
        let count = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
        if count < 0 {
            if errno == EINTR { continue }
            return errno
        }
        offset += count
    }
    return nil
}
