/// An endpoint to probe: the name to ask for (SNI, certificate check) and the port, with the paths at
/// which it may answer ArcGIS's `rest/info`.
public struct ProbeTarget: Sendable, Hashable {
    /// The host name or IP literal (IPv6 without brackets), lower-cased.
    public var host: String
    public var port: Int
    /// `rest/info` paths to ask, in order, until one answers as ArcGIS.
    public var infoPaths: [String]

    public init(host: String, port: Int, infoPaths: [String]? = nil) {
        self.host = host.lowercased()
        self.port = port
        self.infoPaths = infoPaths ?? Self.infoPaths(forPath: nil)
    }

    /// `host:port`, `[v6]:port`.
    public var display: String { Self.display(host: host, port: port) }

    package static func display(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// `host`, `host:port`, `[v6]:port` or an `https://` URL (its path picks the `rest/info` to read).
    public static func parse(_ text: String) throws(ProbeError) -> ProbeTarget {
        var rest = Substring(text)
        var path: Substring?
        if rest.lowercased().hasPrefix("https://") {
            rest = rest.dropFirst(8)
            if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
                path = rest[slash...]
                rest = rest[..<slash]
            }
            if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }  // never send user info
        } else if rest.contains("://") {
            throw ProbeError(kind: .usage, description: """
                \(text): a probe speaks TLS: give host[:port] or an https:// URL (e.g. https://portal.example.com:7443/arcgis).
                """)
        }
        guard let (host, port) = splitHostPort(rest, defaultPort: 443) else {
            throw ProbeError(kind: .usage, description: """
                \(text): not a host[:port] (a name or an IP address, then a port from 1 to 65535), nor an https:// URL.
                """)
        }
        return ProbeTarget(host: host, port: port, infoPaths: infoPaths(forPath: path.map(String.init)))
    }

    /// Splits `host`, `host:port`, `[v6]`, `[v6]:port`; nil for anything else.
    package static func splitHostPort(_ text: Substring, defaultPort: Int?) -> (String, Int)? {
        var host: Substring, portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
            guard host.contains(":") else { return nil }
        } else {
            let colons = text.filter { $0 == ":" }.count
            if colons == 1, let colon = text.firstIndex(of: ":") {
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
            } else if colons == 0 {
                host = text
            } else {
                host = text  // a bare IPv6 address
            }
        }
        guard isHost(host) else { return nil }
        let port: Int
        if let portText {
            guard let value = Int(portText), (1...65_535).contains(value), portText.allSatisfy(\.isASCII) else { return nil }
            port = value
        } else {
            guard let defaultPort else { return nil }
            port = defaultPort
        }
        return (String(host).lowercased(), port)
    }

    /// Letters, digits, `.`, `-`, `_` and `:` (IPv6), nothing else: a name that reaches the resolver and the
    /// certificate check as it was written.
    static func isHost(_ host: Substring) -> Bool {
        !host.isEmpty && host.utf8.count <= 253 && host.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
        }
    }

    /// The `rest/info` requests for a URL path: Portal's (`/<context>/sharing/rest/info`) when the path is a
    /// portal one, Server's (`/<context>/rest/info`) when it is a server one, both for a bare context, and
    /// `/arcgis/…` for both when there is no path.
    public static func infoPaths(forPath path: String?) -> [String] {
        let segments = (path ?? "").split(whereSeparator: { $0 == "?" || $0 == "#" }).first.map {
            $0.split(separator: "/").map(String.init)
        } ?? []
        let context = segments.first.flatMap { segment in
            segment.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
            } && segment.count <= 64 ? segment : nil
        } ?? "arcgis"
        let server = "/\(context)/rest/info?f=json", portal = "/\(context)/sharing/rest/info?f=json"
        let second = segments.count > 1 ? segments[1].lowercased() : ""
        if ["sharing", "portaladmin", "home", "apps"].contains(second) { return [portal] }
        if ["rest", "admin", "services", "tokens", "manager"].contains(second) { return [server] }
        return [server, portal]
    }
}

/// A `--connect-to HOST:PORT:ADDR:PORT` rule (curl's meaning): connections for HOST:PORT go to ADDR:PORT,
/// while the name sent and checked stays HOST. An empty part matches any host or port, or keeps it.
public struct ConnectTo: Sendable, Hashable {
    public var host: String?
    public var port: Int?
    public var address: String?
    public var toPort: Int?

    /// Parses `HOST:PORT:ADDR:PORT` (IPv6 addresses in brackets; empty parts allowed).
    public static func parse(_ text: String) throws(ProbeError) -> ConnectTo {
        let parts = splitOutsideBrackets(text)
        func bad() -> ProbeError {
            ProbeError(kind: .usage, description: """
                --connect-to \(text): expected HOST:PORT:ADDR:PORT, e.g. portal.example.org:443:10.0.0.5:7443 \
                (an empty part matches any host or port; IPv6 addresses in brackets).
                """)
        }
        guard parts.count == 4 else { throw bad() }
        func host(_ part: Substring) throws(ProbeError) -> String? {
            guard !part.isEmpty else { return nil }
            let bare = part.hasPrefix("[") && part.hasSuffix("]") ? part.dropFirst().dropLast() : part
            guard ProbeTarget.isHost(bare) else { throw bad() }
            return String(bare).lowercased()
        }
        func port(_ part: Substring) throws(ProbeError) -> Int? {
            guard !part.isEmpty else { return nil }
            guard let value = Int(part), (1...65_535).contains(value) else { throw bad() }
            return value
        }
        return ConnectTo(host: try host(parts[0]), port: try port(parts[1]), address: try host(parts[2]), toPort: try port(parts[3]))
    }

    private static func splitOutsideBrackets(_ text: String) -> [Substring] {
        var parts: [Substring] = []
        var start = text.startIndex, depth = 0
        for index in text.indices {
            switch text[index] {
            case "[": depth += 1
            case "]": depth -= 1
            case ":" where depth == 0:
                parts.append(text[start..<index])
                start = text.index(after: index)
            default: break
            }
        }
        parts.append(text[start...])
        return parts
    }

    /// Where to connect for `target`, by the first rule that matches (else the target itself).
    static func route(_ target: ProbeTarget, rules: [ConnectTo]) -> (address: String, port: Int) {
        for rule in rules where (rule.host ?? target.host) == target.host && (rule.port ?? target.port) == target.port {
            return (rule.address ?? target.host, rule.toPort ?? target.port)
        }
        return (target.host, target.port)
    }
}
