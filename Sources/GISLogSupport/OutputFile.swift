internal import Glibc

/// Writes to a file descriptor through a 64 KiB buffer, with `write(2)` (no C `FILE*`, which Swift 6
/// considers shared mutable state).
public final class OutputFile {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    /// Set when a write failed (e.g. the reader of a pipe went away); later writes are dropped.
    public private(set) var failed = false

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
        if writeAll(descriptor, buffer) != nil { failed = true }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Writes every byte, retrying after signals and short writes; returns `errno` when a write fails.
func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Int32? {
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
