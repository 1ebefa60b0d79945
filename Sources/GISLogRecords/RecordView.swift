import GISLogSupport

/// The attributes gislog knows by name. Others are kept as `RecordView.extraAttributes`.
public enum RecordField: Int, Sendable, CaseIterable {
    case time, type, code, source, process, thread, methodName, machine, user, elapsed, requestID

    /// The attribute name as ArcGIS 10.1+ writes it (10.0 wrote `target` for `source`).
    public var attributeName: String {
        switch self {
        case .time: "time"
        case .type: "type"
        case .code: "code"
        case .source: "source"
        case .process: "process"
        case .thread: "thread"
        case .methodName: "methodName"
        case .machine: "machine"
        case .user: "user"
        case .elapsed: "elapsed"
        case .requestID: "requestID"
        }
    }
}

/// One log record as it lies in the reader's buffer, with its attributes located but not copied.
///
/// Lifetime rule: a view borrows memory that its reader reuses for the next record, and its `lines` points
/// back at that reader. It is valid only inside the callback that receives it (`RecordSink.accept`,
/// `RecordConsumer.consume`); keep a copy of what you need (`text`, `string(_:)`, the scalar fields),
/// never the view. For that reason the raw bytes and ranges are `package`: only gislog's own layers,
/// which follow the rule, read them; the public surface hands out copies.
public struct RecordView {
    /// Storage that every range below indexes into.
    @usableFromInline package internal(set) var base: UnsafeRawPointer
    /// The whole record, `<Msg` to the closing tag (or to where it was cut).
    @usableFromInline package internal(set) var recordRange: Range<Int> = 0..<0
    /// The message text between the start tag and the closing tag, untrimmed and with entities undecoded.
    @usableFromInline package internal(set) var textRange: Range<Int> = 0..<0
    /// Field ranges packed as `start << 32 | end` (offsets stay below 4 GiB: records are at most the
    /// buffer's size), so the view stays small: it is made and passed once per record.
    @usableFromInline var fieldRanges = InlineArray<11, UInt64>(repeating: 0)
    @usableFromInline var fieldPresent: UInt16 = 0
    /// Up to `maxExtraAttributes` attributes with other names (inline, so a record costs no allocation).
    var extraNames = InlineArray<4, UInt64>(repeating: 0)
    var extraValues = InlineArray<4, UInt64>(repeating: 0)
    var extraCount: UInt8 = 0
    static let maxExtraAttributes = 4

    @inline(__always)
    static func pack(_ range: Range<Int>) -> UInt64 { UInt64(range.lowerBound) << 32 | UInt64(range.upperBound) }

    @inlinable @inline(__always)
    static func unpack(_ packed: UInt64) -> Range<Int> { Int(packed >> 32)..<Int(packed & 0xFFFF_FFFF) }

    /// Attributes with other names, in order, as `(name, value)` ranges (the first four).
    package var extraAttributes: [(name: Range<Int>, value: Range<Int>)] {
        (0..<Int(extraCount)).map { (Self.unpack(extraNames[$0]), Self.unpack(extraValues[$0])) }
    }

    @inline(__always)
    mutating func addExtra(name: Range<Int>, value: Range<Int>) {
        guard extraCount < Self.maxExtraAttributes else { return }
        extraNames[Int(extraCount)] = Self.pack(name)
        extraValues[Int(extraCount)] = Self.pack(value)
        extraCount += 1
    }

    /// The level from the `type` attribute.
    public internal(set) var level: Level = .unknown
    /// The numeric `code`, or nil when absent or not a number.
    public internal(set) var code: Int?
    /// The record time as an instant (milliseconds since the epoch), after applying the site's zone.
    public internal(set) var time: Int64?
    /// 1-based line of the record start in the decompressed text (counted when asked: most records never are).
    public var line: Int { lines?.line(at: recordRange.lowerBound) ?? storedLine }
    /// The reader that counts lines, when it is one that counts lazily; else `storedLine` holds the line.
    // unowned(unsafe): a view lives only inside its reader's callback, so the reader outlives every use.
    unowned(unsafe) var lines: RecordReader?
    var storedLine = 0
    /// Byte offset of the record start in the decompressed text.
    public internal(set) var byteOffset: Int64 = 0
    /// The record was longer than the limit and was cut there.
    public internal(set) var isTruncated = false
    /// No closing tag: the record ended at the next `<Msg` or at the end of the file.
    public internal(set) var isUnterminated = false
    /// Values were decoded already (records from Admin API JSON): no XML entities to decode.
    public internal(set) var isDecoded = false
    /// The machine the record belongs to: from the folder layout, else its `machine` attribute, upper-cased.
    /// Set by the scan before a consumer sees the record, and kept from record to record while it stays the
    /// same, so a run of records from one machine costs no string handling.
    public package(set) var machine = ""
    /// Which of the scan's machines `machine` is (-1: not set yet).
    package var machineIndex = -1

    init(base: UnsafeRawPointer) { self.base = base }

    /// Clears what a previous record left, so one view can serve every record of a file.
    @inline(__always)
    mutating func reset(base: UnsafeRawPointer) {
        self.base = base
        recordRange = 0..<0
        textRange = 0..<0
        fieldPresent = 0
        extraCount = 0
        level = .unknown
        code = nil
        time = nil
        storedLine = 0
        byteOffset = 0
        isTruncated = false
        isUnterminated = false
    }

    // The accessors below are inlinable: called from another module, each call copied the whole view
    // (about 300 bytes) to pass it, for every record.

    /// The raw bytes of a field, or nil when the record has no such attribute.
    @inlinable @inline(__always)
    package func bytes(_ field: RecordField) -> UnsafeRawBufferPointer? {
        guard fieldPresent & (1 << field.rawValue) != 0 else { return nil }
        return slice(Self.unpack(fieldRanges[field.rawValue]))
    }

    /// The raw bytes of the message text.
    @inlinable package var textBytes: UnsafeRawBufferPointer { slice(textRange) }

    /// The raw bytes of the whole record.
    @inlinable package var recordBytes: UnsafeRawBufferPointer { slice(recordRange) }

    @inlinable @inline(__always)
    package func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
    }

    /// Whether `field` was present in the record (even if empty).
    public func has(_ field: RecordField) -> Bool { fieldPresent & (1 << field.rawValue) != 0 }

    @inline(__always)
    mutating func set(_ field: RecordField, _ range: Range<Int>) {
        fieldRanges[field.rawValue] = Self.pack(range)
        fieldPresent |= 1 << field.rawValue
    }

    /// A field's value for display: XML entities decoded, invalid UTF-8 repaired.
    public func string(_ field: RecordField) -> String? {
        bytes(field).map { isDecoded ? TextRepair.string($0) : TextRepair.xmlString($0) }
    }

    /// The message for display: trimmed, XML entities decoded, invalid UTF-8 repaired.
    public var text: String {
        let raw = TextRepair.trimmed(textBytes)
        return isDecoded ? TextRepair.string(raw) : TextRepair.xmlString(raw)
    }
}

/// Receives the records a reader finds. Readers are generic over it and take it `inout`, so the call is
/// direct and a value-type sink updates its counters without reference counting or exclusivity checks.
package protocol RecordSink {
    mutating func accept(_ record: inout RecordView)
}
