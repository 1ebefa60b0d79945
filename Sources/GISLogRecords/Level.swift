/// A record's level, most severe first: SEVERE > WARNING > INFO > FINE > VERBOSE > DEBUG.
///
/// ArcGIS Server 10.0 wrote `ERROR` and `INFO1`…`INFO5`, and its SDK numbers levels 1–5 and 100; those map
/// onto the six modern names (see `init(bytes:)`). Anything else is `.unknown` and is kept and counted.
public enum Level: UInt8, Sendable, Hashable, Comparable, CaseIterable, CustomStringConvertible {
    case unknown = 0
    case debug
    case verbose
    case fine
    case info
    case warning
    case severe

    /// The name ArcGIS writes, and the key used in JSON output.
    public var name: String {
        switch self {
        case .severe: "SEVERE"
        case .warning: "WARNING"
        case .info: "INFO"
        case .fine: "FINE"
        case .verbose: "VERBOSE"
        case .debug: "DEBUG"
        case .unknown: "UNKNOWN"
        }
    }

    public var description: String { name }

    public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Levels in report order, most severe first.
    public static let reportOrder: [Level] = [.severe, .warning, .info, .fine, .verbose, .debug, .unknown]

    /// Parses a level name as written in the `type` attribute, ASCII case-insensitively.
    ///
    /// Legacy mapping: `ERROR` → SEVERE; `INFO1`, `INFO2` → INFO; `INFO3`, `INFO4` → FINE; `INFO5` → VERBOSE;
    /// SDK numbers `1` SEVERE, `2` WARNING, `3` INFO, `4` FINE, `5` VERBOSE, `100` DEBUG.
    public init(bytes: UnsafeRawBufferPointer) {
        self = Level.parse(bytes)
    }

    /// Parses a level from a string (used for options and JSON input).
    public init(name: String) {
        var name = name
        self = name.withUTF8 { Level.parse(UnsafeRawBufferPointer($0)) }
    }

    private static func parse(_ bytes: UnsafeRawBufferPointer) -> Level {
        let count = bytes.count
        guard count > 0, count <= 7 else { return .unknown }
        // The names as ArcGIS writes them, by whole-word loads; other spellings take the general path below.
        if count == 4 {
            switch bytes.loadUnaligned(as: UInt32.self) {
            case asciiWord("I", "N", "F", "O"): return .info
            case asciiWord("F", "I", "N", "E"): return .fine
            default: break
            }
        }
        /// ASCII case-insensitive comparison with an upper-case literal.
        func matches(_ word: StaticString) -> Bool {
            guard word.utf8CodeUnitCount == count else { return false }
            let expected = word.utf8Start
            for i in 0..<count {
                let b = bytes[i]
                if (b >= 0x61 && b <= 0x7A ? b - 0x20 : b) != expected[i] { return false }
            }
            return true
        }
        switch bytes[0] | 0x20 {
        case UInt8(ascii: "s"): return matches("SEVERE") ? .severe : .unknown
        case UInt8(ascii: "w"): return matches("WARNING") ? .warning : .unknown
        case UInt8(ascii: "f"): return matches("FINE") ? .fine : .unknown
        case UInt8(ascii: "v"): return matches("VERBOSE") ? .verbose : .unknown
        case UInt8(ascii: "d"): return matches("DEBUG") ? .debug : .unknown
        case UInt8(ascii: "e"): return matches("ERROR") ? .severe : .unknown
        case UInt8(ascii: "i"):
            if count == 4 { return matches("INFO") ? .info : .unknown }
            guard count == 5 else { return .unknown }
            let prefixOK = (bytes[0] | 0x20) == UInt8(ascii: "i") && (bytes[1] | 0x20) == UInt8(ascii: "n")
                && (bytes[2] | 0x20) == UInt8(ascii: "f") && (bytes[3] | 0x20) == UInt8(ascii: "o")
            guard prefixOK else { return .unknown }
            switch bytes[4] {
            case UInt8(ascii: "1"), UInt8(ascii: "2"): return .info
            case UInt8(ascii: "3"), UInt8(ascii: "4"): return .fine
            case UInt8(ascii: "5"): return .verbose
            default: return .unknown
            }
        case UInt8(ascii: "1") | 0x20:
            if count == 1 { return .severe }
            return count == 3 && bytes[1] == UInt8(ascii: "0") && bytes[2] == UInt8(ascii: "0") ? .debug : .unknown
        case UInt8(ascii: "2") | 0x20: return count == 1 ? .warning : .unknown
        case UInt8(ascii: "3") | 0x20: return count == 1 ? .info : .unknown
        case UInt8(ascii: "4") | 0x20: return count == 1 ? .fine : .unknown
        case UInt8(ascii: "5") | 0x20: return count == 1 ? .verbose : .unknown
        default: return .unknown
        }
    }
}
