public import GISLogSupport

/// How a file's content is laid out, decided from its first bytes (never from its name).
public enum ContentFormat: String, Sendable, Hashable {
    /// `<Msg …>…</Msg>` records.
    case records
    /// Admin API `logs/query` JSON responses.
    case adminJSON = "admin_json"
    /// `gislog scan --format ndjson` output from another machine: its events and coverage, merged in.
    case gislogNDJSON = "gislog_ndjson"
}

/// What the first bytes said about a file.
public struct Encoding: Sendable, Hashable {
    /// The file is gzip (one or more members).
    public var gzip = false
    /// The text was UTF-16 and is transcoded; nil for UTF-8 (or ASCII, or Windows-1252 bytes).
    public var utf16: UTF16Order?
    /// The text started with a UTF-8 byte-order mark.
    public var utf8BOM = false

    public enum UTF16Order: String, Sendable, Hashable { case littleEndian = "utf-16le", bigEndian = "utf-16be" }

    package init(gzip: Bool = false, utf16: UTF16Order? = nil, utf8BOM: Bool = false) {
        self.gzip = gzip
        self.utf16 = utf16
        self.utf8BOM = utf8BOM
    }
}

/// Opens a file and stacks the right decoders on it: gzip (by magic bytes), UTF-16 (by byte-order mark or
/// NUL pattern), a UTF-8 mark dropped, JSON or records told apart by content.
package enum InputOpener {
    package struct Opened {
        package let source: any ByteSource
        package let format: ContentFormat
        package let encoding: Encoding
        /// The first decoded bytes (up to `sniffLength`), which identify the file across renames.
        package let head: [UInt8]
    }

    /// Enough to see a gzip header, a byte-order mark, the NUL pattern of UTF-16 and the first keys of an
    /// Admin API response; small, because trees can hold thousands of small files.
    static let sniffLength = 8 << 10

    /// - Parameters:
    ///   - prefetch: inflate gzip on a second thread while the caller parses.
    ///   - meter: counts the bytes read from disk and inflated, as they are (a progress display).
    package static func open(path: String, warnings: WarningLog, decompressedLimit: Int64,
                     prefetch: Bool = false, meter: ReadMeter? = nil) throws(InputError) -> Opened {
        try open(source: try FileSource(path: path, meter: meter), warnings: warnings,
                 decompressedLimit: decompressedLimit, prefetch: prefetch, meter: meter)
    }

    /// Stacks the decoders on any source of stored bytes.
    package static func open(source: any ByteSource, warnings: WarningLog, decompressedLimit: Int64,
                     prefetch: Bool = false, meter: ReadMeter? = nil) throws(InputError) -> Opened {
        var encoding = Encoding()
        // `head` holds the first bytes of `upstream`, already consumed from it.
        var upstream: any ByteSource = source
        var head = try peek(upstream)
        if head.count >= 2 && head[0] == 0x1f && head[1] == 0x8b {
            encoding.gzip = true
            upstream = GzipSource(upstream: PrefixedSource(prefix: head, upstream: upstream),
                                  warnings: warnings, limit: decompressedLimit, meter: meter)
            // Without a thread to spare, the caller inflates as it reads.
            if prefetch, let prefetching = PrefetchingSource(upstream: upstream) { upstream = prefetching }
            head = try peek(upstream)
        }
        if head.starts(with: [0xEF, 0xBB, 0xBF]) {
            encoding.utf8BOM = true
            head.removeFirst(3)
        } else if let order = utf16Order(head) {
            encoding.utf16 = order
            if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]) { head.removeFirst(2) }
            upstream = UTF16Source(upstream: PrefixedSource(prefix: head, upstream: upstream),
                                   bigEndian: order == .bigEndian)
            head = try peek(upstream)
        }
        return Opened(source: PrefixedSource(prefix: head, upstream: upstream),
                      format: looksLikeGislogNDJSON(head) ? .gislogNDJSON : looksLikeAdminJSON(head) ? .adminJSON : .records,
                      encoding: encoding, head: head)
    }

    /// Reads the first bytes of `upstream` (they are consumed; serve them again with `PrefixedSource`).
    private static func peek(_ upstream: any ByteSource) throws(InputError) -> [UInt8] {
        var outcome: Result<Int, InputError> = .success(0)
        let head = [UInt8](unsafeUninitializedCapacity: sniffLength) { bytes, initialized in
            outcome = Result { () throws(InputError) in try upstream.readFully(into: UnsafeMutableRawBufferPointer(bytes)) }
            initialized = (try? outcome.get()) ?? 0
        }
        _ = try outcome.get()
        return head
    }

    /// A byte-order mark, or the NUL pattern of ASCII text in UTF-16 (every other byte zero).
    static func utf16Order(_ head: [UInt8]) -> Encoding.UTF16Order? {
        if head.starts(with: [0xFF, 0xFE]) { return .littleEndian }
        if head.starts(with: [0xFE, 0xFF]) { return .bigEndian }
        let sample = head.prefix(512)
        guard sample.count >= 16 else { return nil }
        var evenZeros = 0, oddZeros = 0
        for (index, byte) in sample.enumerated() where byte == 0 {
            if index % 2 == 0 { evenZeros += 1 } else { oddZeros += 1 }
        }
        let pairs = sample.count / 2
        if oddZeros * 10 >= pairs * 9 && evenZeros * 10 < pairs { return .littleEndian }
        if evenZeros * 10 >= pairs * 9 && oddZeros * 10 < pairs { return .bigEndian }
        return nil
    }

    /// A first line that is a JSON object carrying `"gislog":{"schema_version":` — gislog's own feed.
    static func looksLikeGislogNDJSON(_ head: [UInt8]) -> Bool {
        guard head.first == UInt8(ascii: "{") else { return false }
        let firstLine = head.prefix { $0 != 0x0A }
        return firstLine.firstRange(of: Array("\"gislog\":{\"schema_version\":".utf8)) != nil
    }

    /// JSON that names `logMessages` before any `<Msg` record.
    static func looksLikeAdminJSON(_ head: [UInt8]) -> Bool {
        guard let first = head.first(where: { !TextRepair.isSpace($0) }),
              first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else { return false }
        return head.firstRange(of: Array("\"logMessages\"".utf8)) != nil
    }
}
