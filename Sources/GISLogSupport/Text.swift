internal import CGISLogShims
internal import Glibc

// Small text helpers every layer uses.

extension StringProtocol {
    /// Drops leading and trailing spaces and tabs.
    package func trimmingSpaces() -> String {
        var start = startIndex, end = endIndex
        while start < end, self[start] == " " || self[start] == "\t" { start = index(after: start) }
        while end > start, self[index(before: end)] == " " || self[index(before: end)] == "\t" || self[index(before: end)] == "\r" {
            end = index(before: end)
        }
        return String(self[start..<end])
    }
}

extension StringProtocol {
    /// Whether the text holds `needle` byte for byte (UTF-8). For the ASCII pieces of URLs and paths it is
    /// asked about, the answer of `contains(_:)`, at a small part of its cost: that one compares characters
    /// through the string-processing engine, tens of thousands of instructions for a URL.
    package func containsBytes(_ needle: String) -> Bool {
        var needle = needle
        return needle.withUTF8 { wanted in
            guard let wantedBase = wanted.baseAddress, !wanted.isEmpty else { return true }
            let found = utf8.withContiguousStorageIfAvailable { text in
                text.baseAddress.map { gislog_memmem($0, text.count, wantedBase, wanted.count) != nil } ?? false
            }
            if let found { return found }
            return Array(utf8).withUnsafeBytes { text in
                text.baseAddress.map { gislog_memmem($0, text.count, wantedBase, wanted.count) != nil } ?? false
            }
        }
    }
}

extension String {
    /// Drops leading and trailing whitespace, line breaks included (folded YAML ends in one).
    package func trimmingCharacters() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.isWhitespace { scalars = scalars.dropLast() }
        return String(scalars)
    }
}

/// An environment variable, or nil.
package func environment(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
}


/// `strerror` as a Swift string.
package func systemErrorText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}

extension String {
    /// Replaces control characters (ESC, CR, BEL, …) so log text cannot drive the terminal.
    package func terminalSafe() -> String {
        guard unicodeScalars.contains(where: { $0.value < 0x20 || ($0.value >= 0x7F && $0.value < 0xA0) }) else {
            return self
        }
        var out = ""
        out.reserveCapacity(utf8.count + 16)
        for scalar in unicodeScalars {
            if scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0) {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.append(Character(scalar))
            }
        }
        return out
    }
}
