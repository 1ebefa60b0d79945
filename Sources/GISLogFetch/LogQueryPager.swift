import GISLogSupport

/// Which Admin API a fetch pages through.
public enum AdminSite: String, Sendable, CaseIterable {
    /// ArcGIS Server: `https://host:6443/arcgis/admin/logs/query`.
    case server
    /// Portal for ArcGIS: `https://host:7443/arcgis/portaladmin/logs/query`.
    case portal

    /// The query path below the site's base URL (`…/arcgis`).
    public var queryPath: String { self == .server ? "/admin/logs/query" : "/portaladmin/logs/query" }
}

/// What a `logs/query` response can go wrong with, worded for the admin who ran the fetch.
public struct FetchError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Stable names for scripts and tests.
    public enum Kind: String, Sendable {
        case tokenInvalid = "token-invalid"
        case tokenRequired = "token-required"
        case apiError = "api-error"
        case htmlPage = "html-page"
        case truncated
        case notJSON = "not-json"
        case noProgress = "no-progress"
        case tls
        case connection
        case credentials
        case output
        case missingLibrary = "missing-library"
    }

    public let kind: Kind
    public let description: String
}

/// One page of a `logs/query` answer, as far as paging needs it.
public struct LogQueryPage: Sendable, Equatable {
    /// Records in `logMessages`.
    public var records: Int
    /// Whether the server holds older records within the asked range.
    public var hasMore: Bool
    /// The oldest time of this page (epoch ms): the next page's `startTime`.
    public var endTime: Int64?
}

/// Pages through an Admin API `logs/query` the way the API defines it: `startTime` is the *newest* time
/// and `endTime` the *oldest*; while a response says `hasMore`, its `endTime` becomes the next request's
/// `startTime`. Pages ask for the 10,000-record maximum. Transport-free: it makes the form of the next
/// request and judges each response body, so the paging and every error is testable without a server.
public struct LogQueryPager: Sendable {
    /// The largest page the API serves.
    public static let maximumPageSize = 10_000

    public let site: AdminSite
    /// The site's base URL, e.g. `https://gis.example.com:6443/arcgis` (no trailing slash).
    public let baseURL: String
    /// The oldest time wanted (epoch ms).
    public let oldest: Int64
    /// The lowest level wanted. `INFO`, not the API's default `WARNING`: restarts ("Log Service started",
    /// service start bursts) are logged at INFO, and they are evidence for one of the causes.
    public let level: String
    public let pageSize: Int

    /// The newest time of the next page; nil asks for "now".
    public private(set) var newest: Int64?
    public private(set) var finished = false
    public private(set) var pages = 0
    public private(set) var records = 0

    public init(site: AdminSite, baseURL: String, oldest: Int64, newest: Int64? = nil, level: String = "INFO",
                pageSize: Int = LogQueryPager.maximumPageSize) {
        self.site = site
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.oldest = oldest
        self.newest = newest
        self.level = level
        self.pageSize = min(max(pageSize, 1), Self.maximumPageSize)
    }

    /// The URL every page is posted to.
    public var queryURL: String { baseURL + site.queryPath }

    /// The name a page is saved under in the fetch's output folder, e.g.
    /// `server-gis.example.com_6443-page-0001.json`: `gislog scan` recognises the content, and pages of
    /// different sites fetched into one folder do not overwrite each other.
    public func fileName(forPage number: Int) -> String {
        let afterScheme = baseURL.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first ?? "site"
        let host = afterScheme.map { $0 == ":" ? "_" : $0 }
        let digits = String(number)
        return "\(site.rawValue)-\(String(host))-page-\(String(repeating: "0", count: max(0, 4 - digits.count)))\(digits).json"
    }

    /// The form fields of the next request. The token goes in the body, never in the URL, so it stays out
    /// of proxy and web server access logs.
    public func nextForm(token: String?) -> [(String, String)] {
        var form = [("f", "json"), ("level", level), ("filterType", "json"), ("filter", "{}"),
                    ("pageSize", String(pageSize)), ("endTime", String(oldest))]
        if let newest { form.append(("startTime", String(newest))) }
        if let token { form.append(("token", token)) }
        return form
    }

    /// Judges one response body and moves to the next page.
    /// - Parameter httpStatus: the HTTP status; ArcGIS usually answers 200 and puts errors in the body.
    public mutating func accept(_ body: [UInt8], httpStatus: Int = 200) throws(FetchError) -> LogQueryPage {
        let document = try Self.document(body, httpStatus: httpStatus, url: queryURL)
        if let error = document["error"] {
            throw Self.apiError(error, url: queryURL)
        }
        guard let messages = document["logMessages"]?.array else {
            throw FetchError(kind: .notJSON, description: """
                \(queryURL) answered JSON without "logMessages": is this the site's base URL (…/arcgis)? \
                Open \(queryURL)?f=pjson in a browser to see what it returns.
                """)
        }
        // Some servers leave out `hasMore` (seen in the field); without it there is no next page.
        let page = LogQueryPage(records: messages.count, hasMore: document["hasMore"]?.bool ?? false,
                                endTime: document["endTime"]?.int64)
        pages += 1
        records += page.records
        guard page.hasMore else {
            finished = true
            return page
        }
        guard let next = page.endTime, next > oldest, newest.map({ next < $0 }) ?? true else {
            if let next = page.endTime, next <= oldest {
                finished = true
                return page
            }
            throw FetchError(kind: .noProgress, description: """
                \(queryURL) said hasMore but its endTime (\(page.endTime.map(String.init) ?? "missing")) does not \
                move back from startTime \(newest.map(String.init) ?? "now"); stopped after \(pages) page(s) \
                and \(records) records rather than loop. Fetch a shorter range with --since.
                """)
        }
        newest = next
        return page
    }

    /// Parses the body, turning HTML pages, cut-off JSON and token statuses into their own errors.
    private static func document(_ body: [UInt8], httpStatus: Int, url: String) throws(FetchError) -> JSONValue {
        let start = body.firstIndex { !(($0 == 0x20) || ($0 == 0x0A) || ($0 == 0x0D) || ($0 == 0x09)) }
        guard let start, body[start] == UInt8(ascii: "{") || body[start] == UInt8(ascii: "[") else {
            if let status = tokenStatus(httpStatus) { throw tokenError(status, message: nil, url: url) }
            if start.map({ body[$0] == UInt8(ascii: "<") }) ?? false {
                let title = htmlTitle(body).map { " (\"\($0)\")" } ?? ""
                throw FetchError(kind: .htmlPage, description: """
                    \(url) returned an HTML page\(title), HTTP \(httpStatus), instead of JSON. A web adaptor or \
                    proxy answered, or the URL is not the admin URL: use https://host:6443/arcgis for Server \
                    and https://host:7443/arcgis for Portal, or allow admin access through the web adaptor.
                    """)
            }
            throw FetchError(kind: .notJSON, description: """
                \(url) returned \(body.isEmpty ? "an empty body" : "something that is not JSON"), HTTP \
                \(httpStatus). Check the URL and that the site is up (open it in a browser).
                """)
        }
        do {
            return try JSONValue.parse(body)
        } catch {
            if error.offset >= body.count {
                throw FetchError(kind: .truncated, description: """
                    \(url) sent JSON that ends early, at byte \(body.count) (cut off by a proxy or a timeout?). \
                    Run the fetch again; a smaller --page-size makes each answer shorter.
                    """)
            }
            throw FetchError(kind: .notJSON, description: "\(url) sent invalid JSON: \(error). Run again; if it repeats, report the response.")
        }
    }

    private static func tokenStatus(_ code: Int) -> Int? { code == 498 || code == 499 ? code : nil }

    private static func apiError(_ error: JSONValue, url: String) -> FetchError {
        let code = error["code"]?.int ?? 0
        let message = error["message"]?.string ?? ""
        if let status = tokenStatus(code) { return tokenError(status, message: message, url: url) }
        let details = (error["details"]?.array ?? []).compactMap(\.string).joined(separator: " ")
        return FetchError(kind: .apiError, description: """
            \(url) answered error \(code): \(message)\(details.isEmpty ? "" : " (\(details))"). \
            \(code == 403 ? "The account needs administrator privileges to read logs." : "Check the URL and the account.")
            """)
    }

    private static func tokenError(_ status: Int, message: String?, url: String) -> FetchError {
        let said = message.map { ": \"\($0)\"" } ?? ""
        if status == 499 {
            return FetchError(kind: .tokenRequired, description: """
                \(url) needs a token (499\(said)). Pass --token, --token-file FILE, or --user NAME with the \
                password in GISLOG_PASSWORD.
                """)
        }
        return FetchError(kind: .tokenInvalid, description: """
            \(url) rejected the token as invalid or expired (498\(said)). Get a new token, or use --user so \
            gislog asks for one; tokens are issued per site, so a Portal token does not work on Server's admin API.
            """)
    }

    /// The text of the first `<title>` element, for the error message.
    private static func htmlTitle(_ body: [UInt8]) -> String? {
        let lower = body.prefix(64 * 1024).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        func find(_ needle: String, from: Int) -> Int? {
            let pattern = Array(needle.utf8)
            guard lower.count >= pattern.count, from <= lower.count - pattern.count else { return nil }
            return (from...(lower.count - pattern.count)).first { lower[$0..<($0 + pattern.count)].elementsEqual(pattern) }
        }
        guard let open = find("<title>", from: 0), let close = find("</title>", from: open + 7) else { return nil }
        let title = String(decoding: body[(open + 7)..<close], as: UTF8.self)
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return title.isEmpty ? nil : String(title.prefix(120))
    }
}

/// `application/x-www-form-urlencoded` text of form fields.
public func formEncoded(_ fields: [(String, String)]) -> String {
    let digits = Array("0123456789ABCDEF".unicodeScalars)
    func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                 UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(digits[Int(byte >> 4)])
                out.unicodeScalars.append(digits[Int(byte & 0x0F)])
            }
        }
        return out
    }
    return fields.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
}
