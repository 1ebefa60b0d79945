import GISLogSupport
/// What an ArcGIS Server or Portal says about itself at `rest/info` (no credentials needed, none sent).
public struct ArcGISInfo: Sendable, Hashable {
    /// `server` (`…/rest/info`) or `portal` (`…/sharing/rest/info`).
    public var product: String
    public var version: String?
    public var tokenBased: Bool?
    /// `authInfo.shortLivedTokenValidity`: the lifetime of short-lived tokens, in minutes.
    public var shortLivedTokenMinutes: Int?
    /// The path that answered.
    public var path: String

    public init(product: String, version: String?, tokenBased: Bool?, shortLivedTokenMinutes: Int?, path: String) {
        self.product = product
        self.version = version
        self.tokenBased = tokenBased
        self.shortLivedTokenMinutes = shortLivedTokenMinutes
        self.path = path
    }

    /// Reads an answer to `path`; nil unless it is an HTTP 200 JSON object in the shape of `rest/info`.
    static func parse(response: HTTPAnswer, path: String) -> ArcGISInfo? {
        guard response.status == 200, let document = try? JSONValue.parse(response.body),
              case .object = document, document["error"] == nil else { return nil }
        let auth = document["authInfo"]
        guard auth != nil || document["currentVersion"] != nil || document["fullVersion"] != nil
                || document["owningSystemUrl"] != nil else { return nil }
        var version = document["fullVersion"]?.string.map { String($0.prefix(40)) }
        if version == nil, case .number(let number)? = document["currentVersion"], number.isFinite, abs(number) < 1e6 {
            version = number.rounded() == number ? String(Int(number)) : String(number)
        } else if version == nil {
            version = document["currentVersion"]?.string.map { String($0.prefix(40)) }
        }
        var minutes: Int?
        if case .number(let value)? = auth?["shortLivedTokenValidity"], value.isFinite, value >= 0, value < 1e7 {
            minutes = Int(value)
        }
        return ArcGISInfo(product: path.contains("/sharing/") ? "portal" : "server", version: version,
                          tokenBased: auth?["isTokenBasedSecurity"]?.bool, shortLivedTokenMinutes: minutes, path: path)
    }
}

/// An HTTP/1.1 answer read off a connection.
struct HTTPAnswer: Sendable, Hashable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    static func == (lhs: HTTPAnswer, rhs: HTTPAnswer) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body && lhs.headers.elementsEqual(rhs.headers, by: { $0 == $1 })
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(status)
        hasher.combine(body)
    }

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    enum Parse: Equatable {
        /// The answer is complete (by its length, its last chunk, or the end of the stream).
        case complete(HTTPAnswer)
        /// More bytes are needed.
        case incomplete
        /// Not HTTP, or broken.
        case invalid(String)
    }

    /// Parses `bytes` read so far; `ended` when the stream is over (a body without a length ends there).
    static func parse(_ bytes: [UInt8], ended: Bool) -> Parse {
        guard let headerEnd = find([13, 10, 13, 10], in: bytes, from: 0) else {
            if bytes.count > 64 << 10 { return .invalid("headers longer than 64 KiB") }
            return ended ? .invalid(bytes.isEmpty ? "no answer" : "not an HTTP answer") : .incomplete
        }
        let lines = String(decoding: bytes[..<headerEnd], as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusParts = lines.first?.split(separator: " ", maxSplits: 2) ?? []
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]),
              (100...999).contains(status) else { return .invalid("not an HTTP answer") }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), trimmed(line[line.index(after: colon)...])))
        }
        var answer = HTTPAnswer(status: status, headers: headers, body: [])
        let bodyStart = headerEnd + 4
        if answer.header("transfer-encoding")?.lowercased().contains("chunked") == true {
            var position = bodyStart
            var body: [UInt8] = []
            while true {
                guard let lineEnd = find([13, 10], in: bytes, from: position) else { return ended ? .invalid("chunked body cut off") : .incomplete }
                let sizeText = String(decoding: bytes[position..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
                guard let size = Int(trimmed(sizeText), radix: 16), size >= 0, size < 1 << 30 else { return .invalid("bad chunk size") }
                let dataStart = lineEnd + 2
                if size == 0 { answer.body = body; return .complete(answer) }
                guard dataStart + size + 2 <= bytes.count else { return ended ? .invalid("chunked body cut off") : .incomplete }
                body += bytes[dataStart..<dataStart + size]
                position = dataStart + size + 2
            }
        }
        if let lengthText = answer.header("content-length") {
            guard let length = Int(lengthText), length >= 0 else { return .invalid("bad Content-Length") }
            guard bytes.count >= bodyStart + length else { return ended ? .invalid("body cut off") : .incomplete }
            answer.body = Array(bytes[bodyStart..<bodyStart + length])
            return .complete(answer)
        }
        if status == 204 || status == 304 || (100..<200).contains(status) { return .complete(answer) }
        guard ended else { return .incomplete }
        answer.body = Array(bytes[bodyStart...])
        return .complete(answer)
    }

    private static func trimmed(_ text: Substring) -> String {
        String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= needle.count, start <= bytes.count - needle.count else { return nil }
        var index = start
        while index <= bytes.count - needle.count {
            if bytes[index] == needle[0] && bytes[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
