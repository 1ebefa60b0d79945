internal import Glibc

/// A file on disk, read sequentially with `read(2)` into the caller's buffer. Owns its descriptor.
package final class FileSource: ByteSource {
    let path: String
    private let descriptor: Int32
    /// Bytes actually read (a skip by seeking is not reading).
    package private(set) var storedBytesRead: Int64 = 0
    /// Where the next read starts.
    private var position: Int64 = 0
    /// Where each read is counted as it happens, for a progress display.
    private let meter: ReadMeter?

    /// Opens `path` read-only (`open(2)` with `O_CLOEXEC`).
    package init(path: String, meter: ReadMeter? = nil) throws(InputError) {
        self.path = path
        self.meter = meter
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InputError(path: path, operation: "open", code: errno) }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// The file's size now (`fstat`), or nil if it cannot be asked.
    package var size: Int64? {
        var info = stat()
        return fstat(descriptor, &info) == 0 ? Int64(info.st_size) : nil
    }

    /// Seeks instead of reading (`lseek`), never past the end of the file.
    package func skip(_ count: Int64) throws(InputError) -> Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw InputError(path: path, operation: "stat", code: errno) }
        let target = min(position + count, Int64(info.st_size))
        guard target > position else { return 0 }
        guard lseek(descriptor, off_t(target), SEEK_SET) >= 0 else {
            throw InputError(path: path, operation: "seek", code: errno, offset: position)
        }
        let skipped = target - position
        position = target
        return skipped
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        guard buffer.count > 0 else { return 0 }
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 {
                storedBytesRead += Int64(count)
                position += Int64(count)
                meter?.addStored(count)
                return count
            }
            if errno == EINTR { continue }
            throw InputError(path: path, operation: "read", code: errno, offset: position)
        }
    }
}
