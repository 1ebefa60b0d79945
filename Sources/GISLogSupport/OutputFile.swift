internal import Glibc

/// Writes to a file descriptor through a 64 KiB buffer, with `write(2)` (no C `FILE*`, which Swift 6
/// considers shared mutable state).
public final class OutputFile {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    /// Set when a write failed (e.g. the reader of a pipe went away); later writes are dropped.
    public private(set) var failed = false
    /// The `errno` of the first failed write.
    public private(set) var failureCode: Int32?

    public static func standardOutput() -> OutputFile { OutputFile(descriptor: 1) }
    public static func standardError() -> OutputFile { OutputFile(descriptor: 2) }

    public init(descriptor: Int32) {
        self.descriptor = descriptor
        buffer.reserveCapacity(64 << 10)
    }

    deinit { flush() }

    /// Whether the descriptor is a terminal.
    public var isTerminal: Bool { isatty(descriptor) == 1 }

    public func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 64 << 10 { flush() }
    }

    public func flush() {
        guard !buffer.isEmpty, !failed else { buffer.removeAll(keepingCapacity: true); return }
        if let code = writeAll(descriptor, buffer) {
            failed = true
            failureCode = code
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// A write that did not reach its destination.
    public struct WriteError: Error, Sendable, CustomStringConvertible {
        /// The `errno` value.
        public let code: Int32
        /// The C library's text for `code`.
        public var description: String { systemErrorText(code) }
    }

    /// Writes what is buffered and checks that everything arrived: a regular file (`> report.md`,
    /// `>> events.ndjson`) is synced to disk, and a duplicate of the descriptor is closed, so that a file
    /// system that reports a failure only then (a full disk behind NFS) reports it here. The descriptor
    /// itself stays open, so that no later `open` can take its number.
    /// - Throws: the first failure since this object was made.
    public func finish() throws(WriteError) {
        flush()
        if let failureCode { throw WriteError(code: failureCode) }
        var info = stat()
        if fstat(descriptor, &info) == 0 && info.st_mode & S_IFMT == S_IFREG && fsync(descriptor) != 0 {
            let code = errno
            // Some file systems cannot sync; that is not a lost write.
            if code != EINVAL && code != EROFS && code != ENOTSUP {
                failed = true
                failureCode = code
                throw WriteError(code: code)
            }
        }
        let copy = dup(descriptor)
        if copy >= 0 && close(copy) != 0 && errno != EINTR {
            let code = errno
            failed = true
            failureCode = code
            throw WriteError(code: code)
        }
    }
}

/// Writes every byte, retrying after signals and short writes; returns `errno` when a write fails.
package func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Int32? {
    bytes.withUnsafeBytes { raw -> Int32? in
        var offset = 0
        while offset < raw.count {
            let count = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += count
        }
        return nil
    }
}
