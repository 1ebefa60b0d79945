/// A parsed JSON document, for reading gislog's own state file (no Foundation).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// Keys in document order.
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)): return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let value): hasher.combine(value)
        case .number(let value): hasher.combine(value)
        case .string(let value): hasher.combine(value)
        case .array(let values): hasher.combine(values)
        case .object(let pairs): for (key, value) in pairs { hasher.combine(key); hasher.combine(value) }
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }

    public var string: String? { if case .string(let value) = self { return value }; return nil }
    public var array: [JSONValue]? { if case .array(let value) = self { return value }; return nil }
    public var bool: Bool? { if case .bool(let value) = self { return value }; return nil }
    public var int: Int? {
        if case .number(let value) = self, value.rounded() == value, abs(value) < 9e15 { return Int(value) }
        return nil
    }
    public var int64: Int64? { int.map(Int64.init) }

    /// A syntax error and the byte offset where it was found.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let offset: Int
        public let message: String
        public var description: String { "\(message) at byte \(offset)" }
    }

    /// Parses one JSON document (RFC 8259), with at most 256 levels of nesting.
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> JSONValue {
        try parse(bytes, streaming: nil) { _ in }
    }

    /// Parses one JSON document, handing each element of the array under `key` in the top-level object to
    /// `each` as it is read instead of keeping it (the document then holds an empty array there): a state
    /// file lists 100,000 files, whose tree would take several times the file's size.
    public static func parse(_ bytes: [UInt8], streaming key: String?,
                             each: @escaping (JSONValue) -> Void) throws(ParseError) -> JSONValue {
        var parser = Parser(bytes: bytes)
        parser.streamKey = key
        parser.each = each
        return try parser.document()
    }

    /// `parse(_:streaming:each:)` on a document read piece by piece: `readMore` appends the next piece (say
    /// a megabyte) to the array it is given and returns false at the end. Only the part being parsed is
    /// held, so a state file of 100,000 entries is never in memory whole; pieces are asked for only
    /// while the parser needs them. An I/O error is for `readMore` to keep: the parser sees an end.
    public static func parse(reading readMore: @escaping (inout [UInt8]) -> Bool, streaming key: String?,
                             each: @escaping (JSONValue) -> Void) throws(ParseError) -> JSONValue {
        var parser = Parser(bytes: [])
        parser.readMore = readMore
        parser.streamKey = key
        parser.each = each
        return try parser.document()
    }

    private struct Parser {
        /// The document, or the part of it read and not yet dropped (see `readMore`).
        var bytes: [UInt8]
        var position = 0
        /// Bytes dropped from the front of `bytes` (parsed and done with), for the offsets of errors.
        var dropped = 0
        /// Appends more of the document to `bytes`; false at its end. Nil when `bytes` is all of it.
        var readMore: ((inout [UInt8]) -> Bool)?
        var streamKey: String?
        var each: (JSONValue) -> Void = { _ in }

        func error(_ message: String) -> ParseError { ParseError(offset: dropped + position, message: message) }

        mutating func document() throws(ParseError) -> JSONValue {
            skipSpace()
            let value = try value(depth: 0)
            skipSpace()
            guard !has() else { throw error("unexpected text after the document") }
            return value
        }

        /// Whether `count` bytes from `position` on are there, reading more of the document if need be.
        @inline(__always)
        mutating func has(_ count: Int = 1) -> Bool { bytes.count - position >= count || readOn(count) }

        mutating func readOn(_ count: Int) -> Bool {
            guard let readMore else { return false }
            while bytes.count - position < count {
                guard readMore(&bytes) else { return false }
            }
            return true
        }

        /// Forgets what was parsed, once it is over a megabyte: called between the elements of the streamed
        /// array, where nothing before `position` is referred to again.
        mutating func dropParsed() {
            guard readMore != nil, position >= 1 << 20 else { return }
            bytes.removeSubrange(0..<position)
            dropped += position
            position = 0
        }

        mutating func skipSpace() {
            while has(), [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        mutating func expect(_ literal: String, _ value: JSONValue) throws(ParseError) -> JSONValue {
            let utf8 = Array(literal.utf8)
            guard has(utf8.count), Array(bytes[position..<(position + utf8.count)]) == utf8 else {
                throw error("expected '\(literal)'")
            }
            position += utf8.count
            return value
        }

        mutating func value(depth: Int) throws(ParseError) -> JSONValue {
            guard depth < 256 else { throw error("nested too deeply") }
            guard has() else { throw error("unexpected end of the document") }
            switch bytes[position] {
            case UInt8(ascii: "n"): return try expect("null", .null)
            case UInt8(ascii: "t"): return try expect("true", .bool(true))
            case UInt8(ascii: "f"): return try expect("false", .bool(false))
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "["):
                position += 1
                var items: [JSONValue] = []
                skipSpace()
                if has(), bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard has() else { throw error("unexpected end inside an array") }
                    if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                    if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                    throw error("expected ',' or ']'")
                }
            case UInt8(ascii: "{"):
                position += 1
                var pairs: [(String, JSONValue)] = []
                skipSpace()
                if has(), bytes[position] == UInt8(ascii: "}") { position += 1; return .object(pairs) }
                while true {
                    skipSpace()
                    guard has(), bytes[position] == UInt8(ascii: "\"") else { throw error("expected a key") }
                    let key = try string()
                    skipSpace()
                    guard has(), bytes[position] == UInt8(ascii: ":") else { throw error("expected ':'") }
                    position += 1
                    skipSpace()
                    if depth == 0, key == streamKey, has(), bytes[position] == UInt8(ascii: "[") {
                        try streamArray(depth: depth + 1)
                        pairs.append((key, .array([])))
                    } else {
                        pairs.append((key, try value(depth: depth + 1)))
                    }
                    skipSpace()
                    guard has() else { throw error("unexpected end inside an object") }
                    if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                    if bytes[position] == UInt8(ascii: "}") { position += 1; return .object(pairs) }
                    throw error("expected ',' or '}'")
                }
            default:
                return .number(try number())
            }
        }

        /// An array whose elements go to `each` one by one.
        mutating func streamArray(depth: Int) throws(ParseError) {
            position += 1
            skipSpace()
            if has(), bytes[position] == UInt8(ascii: "]") { position += 1; return }
            while true {
                dropParsed()
                skipSpace()
                each(try value(depth: depth + 1))
                skipSpace()
                guard has() else { throw error("unexpected end inside an array") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return }
                throw error("expected ',' or ']'")
            }
        }

        mutating func number() throws(ParseError) -> Double {
            let start = position
            // Plain integers (offsets, sizes, times: most numbers of a state file) without a string each.
            var integer: Int64 = 0
            var digits = has() && bytes[start] == UInt8(ascii: "-") ? start + 1 : start
            let first = digits
            while has(digits - start + 1), digits - first < 15, bytes[digits] &- UInt8(ascii: "0") < 10 {
                integer = integer * 10 + Int64(bytes[digits] &- UInt8(ascii: "0"))
                digits += 1
            }
            if digits > first, !has(digits - start + 1) || !"+-0123456789.eE".utf8.contains(bytes[digits]) {
                position = digits
                return first > start ? -Double(integer) : Double(integer)  // -0 stays negative zero
            }
            while has(), "+-0123456789.eE".utf8.contains(bytes[position]) { position += 1 }
            guard position > start, let value = Double(String(decoding: bytes[start..<position], as: UTF8.self)) else {
                position = start
                throw error("expected a value")
            }
            return value
        }

        mutating func string() throws(ParseError) -> String {
            position += 1
            // Most strings have no escape: found whole, made in one piece.
            let start = position
            var end = start
            while has(end - start + 1), bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 {
                end += 1
            }
            if has(end - start + 1), bytes[end] == UInt8(ascii: "\"") {
                position = end + 1
                return String(decoding: bytes[start..<end], as: UTF8.self)
            }
            var out = Array(bytes[start..<end])
            position = end
            while true {
                guard has() else { throw error("unterminated string") }
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard has() else { throw error("unterminated escape") }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "/"), UInt8(ascii: "\\"), UInt8(ascii: "\""): out.append(escape)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800..<0xDC00).contains(scalar), has(2),
                           bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                            position += 2
                            let low = try hex4()
                            scalar = (0xDC00..<0xE000).contains(low) ? 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00) : 0xFFFD
                        }
                        out.append(contentsOf: String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)
                    default:
                        throw error("unknown escape")
                    }
                default:
                    guard byte >= 0x20 else { throw error("control character in a string") }
                    out.append(byte)
                }
            }
        }

        mutating func hex4() throws(ParseError) -> UInt32 {
            guard has(4), let value = UInt32(String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16) else {
                throw error("expected four hexadecimal digits")
            }
            position += 4
            return value
        }
    }
}
