/// Builds JSON text by hand: stable key order (as written), no Foundation, and escaping that keeps every
/// document valid whatever bytes the logs held.
public struct JSONWriter {
    public private(set) var output = ""
    private var needsComma = [false]
    private let pretty: Bool
    private var depth = 0

    public init(pretty: Bool = false) { self.pretty = pretty }

    /// Hands over the text written so far and goes on from there: a long document can leave in pieces.
    public mutating func takeOutput() -> String {
        defer { output = "" }
        return output
    }

    private mutating func separate() {
        if needsComma[needsComma.count - 1] { output += "," }
        needsComma[needsComma.count - 1] = true
        if pretty && depth > 0 { output += "\n" + String(repeating: "  ", count: depth) }
    }

    private mutating func open(_ bracket: String) {
        output += bracket
        needsComma.append(false)
        depth += 1
    }

    private mutating func close(_ bracket: String) {
        let hadItems = needsComma.removeLast()
        depth -= 1
        if pretty && hadItems { output += "\n" + String(repeating: "  ", count: depth) }
        output += bracket
    }

    /// Writes a key inside an object; follow it with exactly one value.
    public mutating func key(_ name: String) {
        separate()
        Self.appendString(name, to: &output)
        output += pretty ? ": " : ":"
        afterKey = true
    }

    private var afterKey = false

    private mutating func beforeValue() {
        if afterKey {
            afterKey = false
        } else {
            separate()
        }
    }

    public mutating func beginObject() { beforeValue(); open("{") }
    public mutating func endObject() { close("}") }
    public mutating func beginArray() { beforeValue(); open("[") }
    public mutating func endArray() { close("]") }

    public mutating func value(_ text: String?) {
        beforeValue()
        if let text { Self.appendString(text, to: &output) } else { output += "null" }
    }

    public mutating func value(_ number: Int) { beforeValue(); output += String(number) }
    public mutating func value(_ number: Int64) { beforeValue(); output += String(number) }
    public mutating func value(_ flag: Bool) { beforeValue(); output += flag ? "true" : "false" }
    public mutating func value(_ number: Double) {
        beforeValue()
        output += number.isFinite ? String(number) : "null"
    }
    public mutating func null() { beforeValue(); output += "null" }

    /// `"key": value` shorthands.
    public mutating func field(_ name: String, _ text: String?) { key(name); value(text) }
    public mutating func field(_ name: String, _ number: Int) { key(name); value(number) }
    public mutating func field(_ name: String, _ number: Int64) { key(name); value(number) }
    public mutating func field(_ name: String, _ flag: Bool) { key(name); value(flag) }

    /// Appends `text` as a JSON string literal. Escapes quotes, backslashes, all control characters, and
    /// U+2028/U+2029 (which break JavaScript consumers of JSON lines).
    public static func appendString(_ text: String, to output: inout String) {
        // Most strings (paths, ids) need no escape: appended whole. 0xE2 starts U+2028 and U+2029, which are
        // escaped, and other characters: those take the careful way below.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x7F || $0 == 0xE2 }) {
            output += "\""
            output += text
            output += "\""
            return
        }
        output += "\""
        // Append runs of plain text as substrings: `UnicodeScalarView.append(contentsOf:)` rebuilds the whole
        // string on every call, which made long documents quadratic.
        var plainStart = text.startIndex
        var index = text.unicodeScalars.startIndex
        let end = text.unicodeScalars.endIndex
        while index < end {
            let scalar = text.unicodeScalars[index]
            let escape: String?
            switch scalar.value {
            case 0x22: escape = "\\\""
            case 0x5C: escape = "\\\\"
            case 0x0A: escape = "\\n"
            case 0x0D: escape = "\\r"
            case 0x09: escape = "\\t"
            case 0x00..<0x20, 0x7F, 0x2028, 0x2029:
                let hex = String(scalar.value, radix: 16)
                escape = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: escape = nil
            }
            let next = text.unicodeScalars.index(after: index)
            if let escape {
                output += text[plainStart..<index]
                output += escape
                plainStart = next
            }
            index = next
        }
        output += text[plainStart..<end]
        output += "\""
    }
}
