/// Hides secrets that ArcGIS logs carry — tokens in URLs (`token=…`), tokens and passwords in JSON bodies,
/// `Authorization` headers — in every string gislog reports: `token=[REDACTED]`.
///
/// Applied where events are made, so every output (text, JSON, Markdown, HTML, NDJSON) is covered.
/// One per scan thread (it owns match state); the patterns are compiled once.
public final class Redactor {
    /// The replacement text.
    public static let mask = "[REDACTED]"

    /// Each pattern's group 1 is kept, group 2 is the secret, group 3 (if any) is kept.
    static let patterns: [PCRE2Pattern] = [
        #"(?i)\b((?:access_|refresh_|id_)?token|password|passwd|pwd|client_secret|api_?key|secret)=([^&\s'"<>]+)"#,
        #"(?i)("(?:(?:access_|refresh_|id_)?token|password|passwd|client_secret|api_?key|secret)"\s*:\s*")((?:[^"\\]|\\.)*)(")"#,
        #"(?i)\b((?:x-esri-)?authorization\s*[:=]\s*(?:(?:bearer|basic|negotiate|ntlm)\s+)?)([^\s,;'"<>]+)"#,
    ].map { try! PCRE2Pattern($0) }

    private let matcher = PCRE2Matcher(maxCaptures: 3)

    public init() {}

    /// `text` with every secret replaced by `[REDACTED]`.
    public func redact(_ text: String) -> String {
        // Nearly every message holds no key word before a `:` or `=`: a check of the bytes first (running the
        // three patterns cost several thousand instructions per text, and most texts have a `:`).
        var copy = text
        guard copy.withUTF8({ Self.mayHoldSecret(UnsafeRawBufferPointer($0)) }) else { return text }
        return applyingPatterns(to: text)
    }

    /// `text` after every pattern ran, without the quick check (what the check is held to in the tests).
    func applyingPatterns(to text: String) -> String {
        var result = text
        for pattern in Self.patterns { result = apply(pattern, to: result) }
        return result
    }

    private func apply(_ pattern: PCRE2Pattern, to text: String) -> String {
        var bytes = Array(text.utf8)
        var output: [UInt8] = []
        var copied = 0
        var start = 0
        var changed = false
        bytes.withUnsafeMutableBytes { raw in
            let subject = UnsafeRawBufferPointer(raw)
            while start <= subject.count {
                guard case .match(let groups) = matcher.match(pattern, subject, startOffset: start),
                      let whole = groups[0], groups.count > 2, let secret = groups[2] else { break }
                output.append(contentsOf: subject[copied..<secret.lowerBound])
                output.append(contentsOf: Self.mask.utf8)
                copied = secret.upperBound
                changed = true
                start = max(whole.upperBound, whole.lowerBound + 1)
            }
        }
        guard changed else { return text }
        output.append(contentsOf: bytes[copied...])
        bytes = output
        return String(decoding: bytes, as: UTF8.self)
    }
}
