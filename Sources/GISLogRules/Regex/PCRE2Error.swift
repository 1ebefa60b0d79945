internal import CPCRE2

/// A pattern PCRE2 refused, with PCRE2's own message and the offset in the pattern where it stopped.
public struct PCRE2Error: Error, Sendable, Hashable, CustomStringConvertible {
    /// PCRE2's error code (negative for match errors, positive for compile errors).
    public var code: Int32
    /// PCRE2's message for `code` (`pcre2_get_error_message`).
    public var message: String
    /// Byte offset in the pattern (compile errors only).
    public var patternOffset: Int?

    init(code: Int32, patternOffset: Int? = nil) {
        self.code = code
        self.message = PCRE2Error.text(for: code)
        self.patternOffset = patternOffset
    }

    public var description: String {
        patternOffset.map { "\(message) (at offset \($0) of the pattern)" } ?? message
    }

    static func text(for code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = buffer.withUnsafeMutableBufferPointer { pcre2_get_error_message_8(code, $0.baseAddress, $0.count) }
        guard length > 0 else { return "PCRE2 error \(code)" }
        return String(decoding: buffer[..<Int(length)], as: UTF8.self)
    }
}
