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
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.position == bytes.count else { throw parser.error("unexpected text after the document") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var position = 0
        var streamKey: String?
        var each: (JSONValue) -> Void = { _ in }

        func error(_ message: String) -> ParseError { ParseError(offset: position, message: message) }

        mutating func skipSpace() {
            while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        }

        mutating func expect(_ literal: String, _ value: JSONValue) throws(ParseError) -> JSONValue {
            let utf8 = Array(literal.utf8)
            guard position + utf8.count <= bytes.count, Array(bytes[position..<(position + utf8.count)]) == utf8 else {
                throw error("expected '\(literal)'")
            }
            position += utf8.count
            return value
        }

        mutating func value(depth: Int) throws(ParseError) -> JSONValue {
            guard depth < 256 else { throw error("nested too deeply") }
            guard position < bytes.count else { throw error("unexpected end of the document") }
            switch bytes[position] {
            case UInt8(ascii: "n"): return try expect("null", .null)
            case UInt8(ascii: "t"): return try expect("true", .bool(true))
            case UInt8(ascii: "f"): return try expect("false", .bool(false))
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "["):
                position += 1
                var items: [JSONValue] = []
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard position < bytes.count else { throw error("unexpected end inside an array") }
                    if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                    if bytes[position] == UInt8(ascii: "]") { position += 1; return .array(items) }
                    throw error("expected ',' or ']'")
                }
            case UInt8(ascii: "{"):
                position += 1
                var pairs: [(String, JSONValue)] = []
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object(pairs) }
                while true {
                    skipSpace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a key") }
                    let key = try string()
                    skipSpace()
                    guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':'") }
                    position += 1
                    skipSpace()
                    if depth == 0, key == streamKey, position < bytes.count, bytes[position] == UInt8(ascii: "[") {
                        try streamArray(depth: depth + 1)
                        pairs.append((key, .array([])))
                    } else {
                        pairs.append((key, try value(depth: depth + 1)))
                    }
                    skipSpace()
                    guard position < bytes.count else { throw error("unexpected end inside an object") }
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
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return }
            while true {
                skipSpace()
                each(try value(depth: depth + 1))
                skipSpace()
                guard position < bytes.count else { throw error("unexpected end inside an array") }
                if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                if bytes[position] == UInt8(ascii: "]") { position += 1; return }
                throw error("expected ',' or ']'")
            }
        }

        mutating func number() throws(ParseError) -> Double {
            let start = position
            // Plain integers (offsets, sizes, times: most numbers of a state file) without a string each.
            var integer: Int64 = 0
            var digits = start < bytes.count && bytes[start] == UInt8(ascii: "-") ? start + 1 : start
            let first = digits
            while digits < bytes.count, digits - first < 15, bytes[digits] &- UInt8(ascii: "0") < 10 {
                integer = integer * 10 + Int64(bytes[digits] &- UInt8(ascii: "0"))
                digits += 1
            }
            if digits > first, digits == bytes.count || !"+-0123456789.eE".utf8.contains(bytes[digits]) {
                position = digits
                return first > start ? -Double(integer) : Double(integer)  // -0 stays negative zero
            }
            while position < bytes.count, "+-0123456789.eE".utf8.contains(bytes[position]) { position += 1 }
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
            while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 {
                end += 1
            }
            if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
                position = end + 1
                return String(decoding: bytes[start..<end], as: UTF8.self)
            }
            var out = Array(bytes[start..<end])
            position = end
            while true {
                guard position < bytes.count else { throw error("unterminated string") }
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard position < bytes.count else { throw error("unterminated escape") }
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
                        if (0xD800..<0xDC00).contains(scalar), position + 1 < bytes.count,
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
            guard position + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16) else {
                throw error("expected four hexadecimal digits")
            }
            position += 4
            return value
        }
    }
}
