internal import Glibc
import GISLogSupport

/// A file or folder that could not be opened or read at all.
public struct InputError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    /// The operation that failed, e.g. `open` or `read`.
    public var operation: String
    /// The `errno` value.
    public var code: Int32
    /// Where in the file a read failed, when it got that far.
    public var offset: Int64?

    public init(path: String, operation: String, code: Int32, offset: Int64? = nil) {
        self.path = path
        self.operation = operation
        self.code = code
        self.offset = offset
    }

    /// The C library's text for `code` (`strerror`).
    public var reason: String { systemErrorText(code) }

    /// A suggestion that fits the failure.
    public var hint: String {
        switch code {
        case EACCES, EPERM: return "run gislog as a user who can read the logs folder, or copy the logs elsewhere"
        case ENOENT: return "check the path; it may have been rotated away while the scan ran"
        case EISDIR: return "pass the folder itself; gislog walks folders"
        default: return "check the disk and the file, then run the scan again"
        }
    }

    public var description: String {
        var text = "\(path): cannot \(operation)"
        if let offset { text += " at byte \(offset)" }
        return text + ": \(reason) — \(hint)"
    }
}
