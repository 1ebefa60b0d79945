internal import Glibc

/// A file on disk, read sequentially with `read(2)` into the caller's buffer. Owns its descriptor.
final class FileSource: ByteSource {
    let path: String
    private let descriptor: Int32
    private(set) var storedBytesRead: Int64 = 0

    /// Opens `path` read-only (`open(2)` with `O_CLOEXEC`).
    init(path: String) throws(InputError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw InputError(path: path, operation: "open", code: errno) }
        descriptor = fd
    }

    deinit { close(descriptor) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(InputError) -> Int {
        guard buffer.count > 0 else { return 0 }
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 {
                storedBytesRead += Int64(count)
                return count
            }
            if errno == EINTR { continue }
            throw InputError(path: path, operation: "read", code: errno, offset: storedBytesRead)
        }
    }
}
