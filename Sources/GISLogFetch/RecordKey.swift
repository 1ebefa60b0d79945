public import GISLogSupport
/// What makes a `logs/query` record the same record when a page repeats it: its time and a hash of its
/// machine, process, thread, code, source, request id and message. Two records that agree on all of these
/// are indistinguishable, so copies are counted (see `RecordTally`), never merged.
public struct RecordKey: Hashable, Sendable {
    /// Epoch milliseconds, or nil when the record's `time` is not a number (then it is part of `hash`).
    public let time: Int64?
    /// FNV-1a 64 over the identity fields, each tagged and length-prefixed so that field boundaries count.
    public let hash: UInt64

    public init(time: Int64?, hash: UInt64) {
        self.time = time
        self.hash = hash
    }

    /// The fields that name a record, in hashing order; `time` comes first, separately.
    static let identityFields = ["machine", "process", "thread", "code", "source", "requestID", "message"]

    /// The key of one `logMessages` object.
    public init(record: JSONValue) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        func mix(_ value: JSONValue?) {
            // One tag byte per kind, so a missing field, "" and null are told apart from each other.
            let text: String
            switch value {
            case nil: mix(0); return
            case .null?: mix(1); return
            case .bool(let flag)?: mix(2); text = flag ? "true" : "false"
            case .number(let number)?:
                mix(3)
                // Codes and ids arrive as numbers or as strings; a whole number hashes as its digits either way.
                if number.rounded() == number, abs(number) < 9e15 { text = String(Int64(number)) } else { text = "\(number)" }
            case .string(let string)?:
                mix(3)
                text = string
            case .array?, .object?: mix(4); text = "\(value!)"
            }
            let count = text.utf8.count
            for shift in stride(from: 0, to: 32, by: 8) { mix(UInt8(truncatingIfNeeded: count >> shift)) }
            for byte in text.utf8 { mix(byte) }
        }
        let timeValue = record["time"]
        let time = timeValue?.int64
        if time == nil { mix(timeValue) }
        for field in Self.identityFields { mix(record[field]) }
        self.time = time
        self.hash = hash
    }

    /// 16 hex digits, for the state file.
    var hexHash: String {
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// How many copies of each record have been fetched: a page that repeats a millisecond adds only the copies
/// beyond those already kept, so identical records logged in one millisecond are all kept, once each.
public struct RecordTally: Sendable, Equatable {
    public private(set) var counts: [RecordKey: Int] = [:]

    public init(_ counts: [RecordKey: Int] = [:]) {
        self.counts = counts.filter { $0.value > 0 }
    }

    public var isEmpty: Bool { counts.isEmpty }
    /// Distinct keys.
    public var keyCount: Int { counts.count }
    /// Records, counting copies.
    public var recordCount: Int { counts.values.reduce(0, +) }

    public subscript(key: RecordKey) -> Int { counts[key] ?? 0 }

    /// Raises each key's count to at least `other`'s: what was kept is the most copies any answer held.
    mutating func absorb(_ other: [RecordKey: Int]) {
        for (key, count) in other where count > counts[key] ?? 0 { counts[key] = count }
    }

    /// Keeps the keys `keep` says yes to.
    mutating func retain(where keep: (RecordKey) -> Bool) {
        counts = counts.filter { keep($0.key) }
    }
}

/// The byte ranges of the elements of the top-level `"logMessages"` array in a JSON document already known
/// to be valid, so a page can be saved with some records left out and the rest exactly as the site sent them.
/// nil when the document has no such array.
func logMessageRanges(_ bytes: [UInt8]) -> (array: Range<Int>, elements: [Range<Int>])? {
    var index = 0
    let count = bytes.count
    func skipSpace() {
        while index < count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }
    // Moves past one string starting at its opening quote; returns its raw content.
    func skipString() -> Range<Int> {
        let start = index + 1
        index += 1
        while index < count {
            if bytes[index] == UInt8(ascii: "\\") { index += 2; continue }
            if bytes[index] == UInt8(ascii: "\"") { break }
            index += 1
        }
        let content = start..<min(index, count)
        index += 1
        return content
    }
    // Moves past one value of any kind.
    func skipValue() {
        guard index < count else { return }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            _ = skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while index < count {
                switch bytes[index] {
                case UInt8(ascii: "\""): _ = skipString(); continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { index += 1; return }
                default: break
                }
                index += 1
            }
        default:
            while index < count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09]
                .contains(bytes[index]) { index += 1 }
        }
    }
    skipSpace()
    guard index < count, bytes[index] == UInt8(ascii: "{") else { return nil }
    index += 1
    let name = Array("logMessages".utf8)
    while index < count {
        skipSpace()
        guard index < count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        let key = skipString()
        skipSpace()
        guard index < count, bytes[index] == UInt8(ascii: ":") else { return nil }
        index += 1
        skipSpace()
        if bytes[key].elementsEqual(name), index < count, bytes[index] == UInt8(ascii: "[") {
            let open = index
            index += 1
            var elements: [Range<Int>] = []
            skipSpace()
            if index < count, bytes[index] == UInt8(ascii: "]") { return (open..<(index + 1), []) }
            while index < count {
                skipSpace()
                let start = index
                skipValue()
                elements.append(start..<index)
                skipSpace()
                guard index < count else { return nil }
                if bytes[index] == UInt8(ascii: "]") { return (open..<(index + 1), elements) }
                guard bytes[index] == UInt8(ascii: ",") else { return nil }
                index += 1
            }
            return nil
        }
        skipValue()
        skipSpace()
        guard index < count, bytes[index] == UInt8(ascii: ",") else { return nil }
        index += 1
    }
    return nil
}

/// `body` with its `logMessages` array holding only the elements `keep` marks, each as it was.
func page(_ body: [UInt8], keeping keep: [Bool]) -> [UInt8]? {
    guard let (array, elements) = logMessageRanges(body), elements.count == keep.count else { return nil }
    if !keep.contains(false) { return body }
    var out: [UInt8] = []
    out.reserveCapacity(body.count)
    out += body[..<array.lowerBound]
    out.append(UInt8(ascii: "["))
    var first = true
    for (range, kept) in zip(elements, keep) where kept {
        if !first { out.append(UInt8(ascii: ",")) }
        out += body[range]
        first = false
    }
    out.append(UInt8(ascii: "]"))
    out += body[array.upperBound...]
    return out
}
