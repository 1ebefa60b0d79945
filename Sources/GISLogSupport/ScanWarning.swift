
/// Something wrong with the input that did not stop the scan: a damaged gzip member, an oversized record,
/// a folder that could not be read. Every warning names the file and, where known, the place in it, says
/// what was expected and what to do.
public struct ScanWarning: Sendable, Hashable, CustomStringConvertible {
    /// What kind of trouble; stable names, used as keys in JSON output.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case unreadable = "unreadable"
        case missingPath = "missing_path"
        case symlinkLoop = "symlink_loop"
        case truncatedGzip = "truncated_gzip"
        case corruptGzip = "corrupt_gzip"
        case trailingGarbage = "trailing_garbage"
        case decompressionLimit = "decompression_limit"
        case utf16 = "utf16"
        case noRecords = "no_records"
        case oversizedRecord = "oversized_record"
        case unterminatedRecord = "unterminated_record"
        case unparsedText = "unparsed_text"
        case badTime = "bad_time"
        case invalidJSON = "invalid_json"
        case ruleLimit = "rule_limit"
        case fileChanged = "file_changed"
    }

    /// Where in the file the trouble is.
    public enum Location: Sendable, Hashable {
        /// A 1-based line of the (decompressed) text.
        case line(Int)
        /// A byte offset in the file as stored on disk (for gzip: the compressed offset).
        case byteOffset(Int64)
        /// A byte offset in the compressed data of a gzip file.
        case compressedOffset(Int64)
    }

    public var kind: Kind
    public var path: String
    public var location: Location?
    /// What happened, in plain words.
    public var message: String
    /// What the reader can do about it, when there is something to do.
    public var hint: String?

    public init(_ kind: Kind, path: String, at location: Location? = nil, _ message: String, hint: String? = nil) {
        self.kind = kind
        self.path = path
        self.location = location
        self.message = message
        self.hint = hint
    }

    /// `path:line 12: message (hint)`, the shape compilers use, so editors can jump to it.
    public var description: String {
        var text = path
        switch location {
        case .line(let line)?: text += ":\(line)"
        case .byteOffset(let offset)?: text += " at byte \(offset)"
        case .compressedOffset(let offset)?: text += " at compressed byte \(offset)"
        case nil: break
        }
        text += ": " + message
        if let hint { text += " — " + hint }
        return text
    }
}

/// Collects the warnings of one file while it is read. Locked, because a gzip file's inflate stage may
/// run on a second thread.
package final class WarningLog: Sendable {
    private let list = PThreadLocked<[ScanWarning]>([])
    let path: String

    package init(path: String) { self.path = path }

    package var warnings: [ScanWarning] { list.withLock { $0 } }

    package func add(_ kind: ScanWarning.Kind, at location: ScanWarning.Location? = nil, _ message: String, hint: String? = nil) {
        let warning = ScanWarning(kind, path: path, at: location, message, hint: hint)
        list.withLock { $0.append(warning) }
    }
}
